"""The .rwd abstract syntax tree: one frozen, slotted dataclass per node kind.

Every node carries a `Pos` so that any later pass can point at the source. Numbers are exact
`Fraction`s from the moment they are parsed.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Union


@dataclass(frozen=True, slots=True)
class Pos:
    """1-based line and column of a node's first character; `start`/`end` are character offsets."""

    line: int
    col: int
    start: int
    end: int


# ---- expressions -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Num:
    value: Fraction
    pos: Pos


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Call:
    """`min`, `max`, `abs`, `sum`, `count` (or an unknown name the type checker rejects)."""

    func: str
    args: tuple["Expr", ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Neg:
    operand: "Expr"
    pos: Pos


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Expr"
    pos: Pos


@dataclass(frozen=True, slots=True)
class BinOp:
    """Arithmetic: op is one of `+ - * / ^`."""

    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos


# `+ - *` on any number type (the interpreter's exact rationals, Z3 terms, ...): one table,
# so that every evaluator computes the same operation for the same operator.
ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul}


@dataclass(frozen=True, slots=True)
class BoolOp:
    """Logic: op is `and` or `or`."""

    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos


@dataclass(frozen=True, slots=True)
class Compare:
    """op is one of `< <= > >= == !=`."""

    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos


@dataclass(frozen=True, slots=True)
class Ite:
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"
    pos: Pos


Expr = Union[Num, BoolLit, Name, Call, Neg, Not, BinOp, BoolOp, Compare, Ite]
EXPR_TYPES = (Num, BoolLit, Name, Call, Neg, Not, BinOp, BoolOp, Compare, Ite)


class NodeMemo:
    """A memo keyed by node identity that holds on to each node, so that an `id()` can never be
    reused by another node while the memo lives (unrolled expressions are DAGs: memoizing by
    identity is what keeps every pass over them linear)."""

    __slots__ = ("_entries",)

    def __init__(self):
        self._entries: dict[int, tuple] = {}

    def __contains__(self, node) -> bool:
        return id(node) in self._entries

    def __getitem__(self, node):
        return self._entries[id(node)][1]

    def get(self, node, default=None):
        hit = self._entries.get(id(node))
        return default if hit is None else hit[1]

    def __setitem__(self, node, value) -> None:
        self._entries[id(node)] = (node, value)


def children(e: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `e` (used by generic walks such as depth checks)."""
    if isinstance(e, (Num, BoolLit, Name)):
        return ()
    if isinstance(e, Call):
        return e.args
    if isinstance(e, (Neg, Not)):
        return (e.operand,)
    if isinstance(e, (BinOp, BoolOp, Compare)):
        return (e.left, e.right)
    if isinstance(e, Ite):
        return (e.cond, e.then, e.orelse)
    raise TypeError(f"not an expression node: {type(e).__name__}")


def operands(e: Expr) -> tuple[Expr, ...]:
    """The sub-expressions whose values `e` is computed from: `children`, less a power's
    constant exponent (read from the node itself)."""
    if isinstance(e, BinOp) and e.op == "^":
        return (e.left,)
    return children(e)


def is_boolean(e: Expr, bool_names) -> bool:
    """Whether `e` is a boolean expression, given the names (of `bool_names`) that are booleans;
    iterative along `if` chains, which unrolled boolean states nest one per step."""
    while isinstance(e, Ite):
        e = e.then
    if isinstance(e, Name):
        return e.id in bool_names
    return isinstance(e, (BoolLit, Compare, BoolOp, Not))


# ---- declarations ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DomainDecl:
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class HorizonDecl:
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class DiscountDecl:
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ConstDecl:
    name: str
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class VarDecl:
    """A `param`, `disturbance` or `state` declaration as written (bounds not yet evaluated)."""

    kind: str                                  # "param" | "disturbance" | "state"
    name: str
    vtype: str                                 # "int" | "real" | "bool"
    range: tuple[Expr, Expr] | None
    nominal: Expr | None
    init: Expr | None                          # state with a known initial value
    init_range: tuple[Expr, Expr] | None       # state with an uncertain initial value
    pos: Pos


@dataclass(frozen=True, slots=True)
class AssumeDecl:
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ArgDecl:
    name: str
    lo: Expr
    hi: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Requires:
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Effect:
    state: str
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ActionReward:
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ActionDecl:
    name: str
    args: tuple[ArgDecl, ...]
    body: tuple[Union[Requires, Effect, ActionReward], ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class RewardDecl:
    which: str                                 # "step" | "final"
    expr: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class SafeDecl:
    expr: Expr
    pos: Pos


Decl = Union[DomainDecl, HorizonDecl, DiscountDecl, ConstDecl, VarDecl, AssumeDecl,
             ActionDecl, RewardDecl, SafeDecl]


@dataclass(frozen=True, slots=True)
class Program:
    """A parsed file: its declarations in source order, and the text they came from."""

    decls: tuple[Decl, ...]
    filename: str
    source: str
