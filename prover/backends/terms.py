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
from dsl.walk import DagWalker, Fold, each
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
        printer = _Printer(self, _uses(roots))
        body = join([printer.eval(r) for r in roots])
        for name, prop, value in reversed(printer.bindings):
            body = self.syntax.let(name, prop, value, body)
        return body

    def is_prop(self, e: ast.Expr) -> bool:
        while isinstance(e, ast.Ite):          # a loop, not recursion: `if` chains are deep
            e = e.then
        if isinstance(e, (ast.BoolLit, ast.Compare, ast.BoolOp, ast.Not)):
            return True
        return isinstance(e, ast.Name) and self.vars[e.id].vtype == "bool"


class _Printer(DagWalker):
    """The text of each node: one handler per node kind (`dsl.walk`). A compound node used more
    than once becomes a binding, named in the order nodes are finished; operands are printed
    right to left, the order of the walk this replaced, so the names are as they were."""

    def __init__(self, renderer: Renderer, uses: dict[int, int]):
        super().__init__()
        self.r, self.s, self.uses = renderer, renderer.syntax, uses
        self.bindings: list[tuple[str, bool, str]] = []

    def finish(self, e, out):
        if self.uses.get(id(e), 0) > 1 and ast.children(e):
            name = self.s.local(len(self.bindings))
            self.bindings.append((name, self.r.is_prop(e), out))
            return name
        return out

    def _Num(self, e):
        return self.s.num(e.value)

    def _BoolLit(self, e):
        return self.s.boolean(e.value)

    def _Name(self, e):
        return self.s.var(self.r.vars[e.id])

    def _BinOp(self, e):
        if e.op == "^":
            if not (isinstance(e.right, ast.Num) and e.right.value.denominator == 1 and e.right.value >= 0):
                raise ValueError("the exponent of ^ must be a non-negative integer constant")
            return self.s.power((yield e.left), int(e.right.value))
        b = yield e.right
        return self.s.binop(e.op, (yield e.left), b)

    def _Neg(self, e):
        return self.s.neg((yield e.operand))

    def _Call(self, e):
        if e.func not in ("min", "max", "abs"):
            raise ValueError(f"{e.func}() cannot appear in an unrolled expression")
        args = yield from each(reversed(e.args))
        return self.s.func(e.func, tuple(reversed(args)))

    def _Compare(self, e):
        b = yield e.right
        return self.s.compare(e.op, (yield e.left), b, self.r.is_prop(e.left))

    def _BoolOp(self, e):
        b = yield e.right
        return self.s.logic(e.op, (yield e.left), b)

    def _Not(self, e):
        return self.s.negate((yield e.operand))

    def _Ite(self, e):
        orelse = yield e.orelse
        then = yield e.then
        return self.s.ite((yield e.cond), then, orelse)


class _Parents(Fold):
    """How many parents each node has (by id), over the DAG."""

    def __init__(self):
        super().__init__()
        self.count: dict[int, int] = {}

    def combine(self, e, values):
        for k in ast.children(e):
            self.count[id(k)] = self.count.get(id(k), 0) + 1


def _uses(roots: list[ast.Expr]) -> dict[int, int]:
    """Node id → number of parents (a root counts as one), over the DAG; iterative."""
    parents = _Parents()                        # its memo holds the nodes: no id is reused
    for r in roots:
        parents.count[id(r)] = parents.count.get(id(r), 0) + 1
        parents.eval(r)
    return parents.count
