"""Printing unrolled expressions as text of another language (Lean 4 here; tests use Python).

An unrolled expression is a DAG: a state at step k is shared by every later step. Printed as a
tree it can grow exponentially, so every compound node used more than once is bound once, in
dependency order, by the target's `let`. Every compound is parenthesized: no precedence table
of the target can be got wrong. What differs between targets is one `Syntax` value.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from dsl import ast
from prover.calculus.unroll import UVar


@dataclass(frozen=True)
class Syntax:
    """How a target writes each construct. Strings are already-printed operands."""

    num: Callable[[Fraction], str]
    boolean: Callable[[bool], str]
    var: Callable[[UVar], str]                       # a variable's value (numeric, or a proposition)
    binop: Callable[[str, str, str], str]            # op in + - * /
    power: Callable[[str, int], str]
    neg: Callable[[str], str]
    func: Callable[[str, tuple[str, ...]], str]      # min / max (n-ary), abs
    compare: Callable[[str, str, str, bool], str]    # op, left, right, operands are propositions
    logic: Callable[[str, str, str], str]            # and / or
    negate: Callable[[str], str]
    ite: Callable[[str, str, str], str]
    let: Callable[[str, bool, str, str], str]        # name, is a proposition, value, body
    local: Callable[[int], str]                      # the name of the k-th shared node


class Renderer:
    """Prints expressions over `variables` with `syntax`, sharing what the DAG shares."""

    def __init__(self, syntax: Syntax, variables: tuple[UVar, ...]):
        self.syntax = syntax
        self.vars = {v.name: v for v in variables}

    def render(self, roots: list[ast.Expr], join: Callable[[list[str]], str]) -> str:
        """`join` of the printed roots, under the `let`s of every compound node used twice."""
        uses = _uses(roots)
        bindings: list[tuple[str, bool, str]] = []
        memo: dict[int, str] = {}

        def text(root: ast.Expr) -> str:
            stack = [(root, False)]
            while stack:                              # iterative post-order: DAGs can be deep
                e, ready = stack.pop()
                if id(e) in memo:
                    continue
                kids = [k for k in ast.children(e) if id(k) not in memo]
                if kids and not ready:
                    stack.append((e, True))
                    stack.extend((k, False) for k in kids)
                    continue
                out = self._node(e, lambda k: memo[id(k)])
                if uses.get(id(e), 0) > 1 and ast.children(e):
                    name = self.syntax.local(len(bindings))
                    bindings.append((name, self.is_prop(e), out))
                    out = name
                memo[id(e)] = out
            return memo[id(root)]

        body = join([text(r) for r in roots])
        for name, prop, value in reversed(bindings):
            body = self.syntax.let(name, prop, value, body)
        return body

    def is_prop(self, e: ast.Expr) -> bool:
        while isinstance(e, ast.Ite):          # a loop, not recursion: `if` chains are deep
            e = e.then
        if isinstance(e, (ast.BoolLit, ast.Compare, ast.BoolOp, ast.Not)):
            return True
        return isinstance(e, ast.Name) and self.vars[e.id].vtype == "bool"

    def _node(self, e: ast.Expr, text) -> str:
        s = self.syntax
        if isinstance(e, ast.Num):
            return s.num(e.value)
        if isinstance(e, ast.BoolLit):
            return s.boolean(e.value)
        if isinstance(e, ast.Name):
            return s.var(self.vars[e.id])
        if isinstance(e, ast.BinOp):
            if e.op == "^":
                if not (isinstance(e.right, ast.Num) and e.right.value.denominator == 1 and e.right.value >= 0):
                    raise ValueError("the exponent of ^ must be a non-negative integer constant")
                return s.power(text(e.left), int(e.right.value))
            return s.binop(e.op, text(e.left), text(e.right))
        if isinstance(e, ast.Neg):
            return s.neg(text(e.operand))
        if isinstance(e, ast.Call):
            if e.func not in ("min", "max", "abs"):
                raise ValueError(f"{e.func}() cannot appear in an unrolled expression")
            return s.func(e.func, tuple(text(a) for a in e.args))
        if isinstance(e, ast.Compare):
            return s.compare(e.op, text(e.left), text(e.right), self.is_prop(e.left))
        if isinstance(e, ast.BoolOp):
            return s.logic(e.op, text(e.left), text(e.right))
        if isinstance(e, ast.Not):
            return s.negate(text(e.operand))
        if isinstance(e, ast.Ite):
            return s.ite(text(e.cond), text(e.then), text(e.orelse))
        raise TypeError(f"not an expression node: {type(e).__name__}")


def _uses(roots: list[ast.Expr]) -> dict[int, int]:
    """Node id → number of parents (a root counts as one), over the DAG; iterative."""
    uses: dict[int, int] = {}
    keep = []                                   # holds the nodes, so no id is reused meanwhile
    stack = list(roots)
    while stack:
        e = stack.pop()
        uses[id(e)] = uses.get(id(e), 0) + 1
        if uses[id(e)] == 1:
            keep.append(e)
            stack.extend(ast.children(e))
    return uses
