"""Exact interval evaluation of an expression over a box of variable ranges.

Used by the type checker (a divisor's declared range must exclude 0) and by anything that
needs a sound enclosure in exact rational arithmetic. Numeric results are `(lo, hi)` pairs of
`Fraction`s; boolean results are `(can_be_false, can_be_true)` pairs of bools.
"""
from __future__ import annotations

from fractions import Fraction

from dsl import ast
from dsl.errors import InternalError
from dsl.walk import DagWalker

Interval = tuple[Fraction, Fraction]
BoolSet = tuple[bool, bool]


class MaybeZeroDivisor(ArithmeticError):
    """A divisor's interval contains 0, so no finite enclosure exists."""

    def __init__(self, node: ast.Expr):
        super().__init__("divisor may be zero")
        self.node = node


def mul(a: Interval, b: Interval) -> Interval:
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return min(ps), max(ps)


def power(a: Interval, k: int) -> Interval:
    lo, hi = a[0] ** k, a[1] ** k
    if k == 0:
        return Fraction(1), Fraction(1)
    if k % 2 == 1:
        return lo, hi
    if a[0] >= 0:
        return lo, hi
    if a[1] <= 0:
        return hi, lo
    return Fraction(0), max(lo, hi)


def absolute(a: Interval) -> Interval:
    if a[0] >= 0:
        return a
    if a[1] <= 0:
        return -a[1], -a[0]
    return Fraction(0), max(-a[0], a[1])


def divide(a: Interval, b: Interval, node: ast.Expr) -> Interval:
    if b[0] <= 0 <= b[1]:
        raise MaybeZeroDivisor(node)
    return mul(a, (1 / b[1], 1 / b[0]))


def is_truth_set(x) -> bool:
    """Whether `x`, one end of an enclosure, belongs to a boolean's (can_be_false, can_be_true)
    pair: a Python bool or a numpy bool array, never a number."""
    return isinstance(x, bool) or getattr(x, "dtype", None) == bool


def compare(op: str, a, b):
    """Which truth values `a op b` can take for some pair of points of the enclosures: the one
    comparison truth table of every evaluator (exact ranges, exact and float intervals).

    Numbers come as `(lo, hi)`, booleans as `(can_be_false, can_be_true)`; the ends may be
    scalars or numpy arrays of boxes (only `&`, `|` and comparisons are used, so both work)."""
    if is_truth_set(a[0]):
        return _compare_truths(op, a, b)
    if op == "<":
        return a[1] >= b[0], a[0] < b[1]
    if op == "<=":
        return a[1] > b[0], a[0] <= b[1]
    if op == ">":
        return compare("<", b, a)
    if op == ">=":
        return compare("<=", b, a)
    differ = (a[0] != a[1]) | (b[0] != b[1]) | (a[0] != b[0])     # not one common point
    overlap = (a[0] <= b[1]) & (b[0] <= a[1])
    return _equality(op, differ, overlap)


def _compare_truths(op: str, a, b):
    """`==` / `!=` of two booleans given as the sets of values each can take (three-valued:
    a free boolean can be either). Ordering comparisons of booleans are type errors."""
    if op not in ("==", "!="):
        raise TypeError(f"'{op}' does not compare booleans")
    (af, at), (bf, bt) = a, b
    differ = (af & bt) | (at & bf)
    equal = (af & bf) | (at & bt)
    return _equality(op, differ, equal)


def _equality(op: str, differ, equal):
    """(can be false, can be true) of `==` or `!=` from whether the sides can differ / be equal."""
    return (differ, equal) if op == "==" else (equal, differ)


class RangeEvaluator(DagWalker):
    """Evaluates expressions over `bounds` (name → Interval or BoolSet); `horizon` sizes
    sum/count. Iterative and memoised by node identity (`dsl.walk`): one handler per kind."""

    def __init__(self, bounds: dict, horizon: int = 1):
        super().__init__()
        self.bounds, self.horizon = bounds, horizon

    def _Num(self, e):
        return e.value, e.value

    def _BoolLit(self, e):
        return (not e.value, e.value)

    def _Name(self, e):
        return self.bounds[e.id]

    def _Neg(self, e):
        lo, hi = yield e.operand
        return -hi, -lo

    def _Not(self, e):
        f, t = yield e.operand
        return t, f

    def _BinOp(self, e):
        a = yield e.left
        if e.op == "^":
            return power(a, int(e.right.value))
        if e.op == "*" and e.left is e.right:           # a shared node times itself: a square
            return power(a, 2)
        b = yield e.right
        if e.op == "+":
            return a[0] + b[0], a[1] + b[1]
        if e.op == "-":
            return a[0] - b[1], a[1] - b[0]
        if e.op == "*":
            return mul(a, b)
        if e.op == "/":
            return divide(a, b, e.right)
        raise InternalError(f"unknown arithmetic operator {e.op!r}")

    def _BoolOp(self, e):
        af, at = yield e.left
        bf, bt = yield e.right
        if e.op == "and":
            return af or bf, at and bt
        return af and bf, at or bt

    def _Compare(self, e):
        a = yield e.left
        b = yield e.right
        return compare(e.op, a, b)

    def _Ite(self, e):
        can_f, can_t = yield e.cond
        if not can_f:
            return (yield e.then)
        if not can_t:
            return (yield e.orelse)
        a = yield e.then
        b = yield e.orelse
        if isinstance(a[0], bool):
            return a[0] or b[0], a[1] or b[1]
        return min(a[0], b[0]), max(a[1], b[1])

    def _Call(self, e):
        if e.func in ("sum", "count"):
            lo, hi = self.bounds[e.args[0].id]
            if e.func == "count":
                return Fraction(0) if lo else Fraction(self.horizon), Fraction(self.horizon if hi else 0)
            return lo * self.horizon, hi * self.horizon
        vals = []
        for a in e.args:
            vals.append((yield a))
        if e.func == "abs":
            return absolute(vals[0])
        if e.func == "min":
            return min(v[0] for v in vals), min(v[1] for v in vals)
        if e.func == "max":
            return max(v[0] for v in vals), max(v[1] for v in vals)
        raise InternalError(f"unknown function {e.func!r}")
