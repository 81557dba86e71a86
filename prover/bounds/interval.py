"""Sound, batched interval evaluation of unrolled expressions with numpy.

`BoxEvaluator` compiles a list of expressions (a DAG: shared nodes are evaluated once) into a
topological list of numpy operations, then evaluates N boxes at once. Every float operation
that can round is rounded outward (`np.nextafter`), so the exact value at any point of a box
lies inside the returned interval; NaN never escapes (it widens to ±inf). Tight where cheap:
`x*x` on the same node is a square, even powers are non-negative, `abs`/`min`/`max` are exact,
and an `if` whose condition is decided on a box takes only that branch (per box).
Numeric results are `(lo, hi)`; boolean results are `(can_be_false, can_be_true)`.
"""
from __future__ import annotations

import functools
import operator
from fractions import Fraction
from typing import Sequence

import numpy as np

from dsl import ast
from dsl.exact import float_bounds, to_float
from dsl.ranges import compare
from dsl.walk import DagWalker, each
from prover.calculus.unroll import UVar

_INF = np.inf


def down(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, -_INF)


def up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, _INF)


def const_bounds(v: Fraction) -> tuple[float, float]:
    """Floats enclosing an exact rational (±inf beyond the float range)."""
    return float_bounds(v)


def _clean(lo: np.ndarray, hi: np.ndarray):
    nan_lo, nan_hi = np.isnan(lo), np.isnan(hi)
    if not (nan_lo.any() or nan_hi.any()):
        return lo, hi
    return np.where(nan_lo, -_INF, lo), np.where(nan_hi, _INF, hi)


# Rounding only when a result is inexact keeps exact arithmetic exact: sums and products of
# integers, and zeros, are not widened, so a condition like `stock <= 15` that holds with
# equality can still be proved. The error terms are the classic error-free transformations
# (Knuth's TwoSum, Dekker's TwoProduct); NaN errors and possible underflow fall back to
# plain outward rounding.

def _two_sum(a: np.ndarray, b: np.ndarray):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


_SPLIT = 134217729.0        # 2**27 + 1, Veltkamp's splitter for float64


def _two_prod(a: np.ndarray, b: np.ndarray):
    p = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    zero = (a == 0) | (b == 0)
    safe = zero | ((np.abs(p) > 1e-280) & (np.abs(a) < 1e150) & (np.abs(b) < 1e150))
    return p, np.where(zero, 0.0, np.where(safe, err, np.nan))


def _lower(v: np.ndarray, err: np.ndarray) -> np.ndarray:
    """A float ≤ the exact v + err."""
    return np.where(err >= 0, v, down(v))          # NaN err compares False: rounds down


def _upper(v: np.ndarray, err: np.ndarray) -> np.ndarray:
    return np.where(err <= 0, v, up(v))


STACK_BELOW = 512     # boxes: below this, numpy's per-call overhead dominates and endpoint
                      # operations are stacked into one call; above, the copies cost more


def _endpoints(a, b):
    """The four endpoint arrays of two intervals, of one shape (broadcast only when needed:
    numpy's broadcast costs as much as a small addition)."""
    a0, a1, b0, b1 = a[0], a[1], b[0], b[1]
    if a0.shape == a1.shape == b0.shape == b1.shape:
        return a0, a1, b0, b1
    return np.broadcast_arrays(a0, a1, b0, b1)


def i_add(a, b):
    a0, a1, b0, b1 = _endpoints(a, b)
    with np.errstate(invalid="ignore", over="ignore"):
        if a0.size < STACK_BELOW:                  # np.array of equal shapes: a cheaper stack
            s, e = _two_sum(np.array((a0, a1)), np.array((b0, b1)))                    # (2, N)
            return _clean(_lower(s[0], e[0]), _upper(s[1], e[1]))
        lo, el = _two_sum(a0, b0)
        hi, eh = _two_sum(a1, b1)
    return _clean(_lower(lo, el), _upper(hi, eh))


def i_sub(a, b):
    return i_add(a, (-b[1], -b[0]))


def i_mul(a, b):
    """Interval product: every endpoint product rounded outward only when inexact."""
    a0, a1, b0, b1 = _endpoints(a, b)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        if a0.size < STACK_BELOW:
            p, err = _two_prod(np.array((a0, a0, a1, a1)), np.array((b0, b1, b0, b1)))  # (4, N)
            los, his = _lower(p, err), _upper(p, err)
        else:
            los, his = [], []
            for x, y in ((a0, b0), (a0, b1), (a1, b0), (a1, b1)):
                p, err = _two_prod(x, y)
                los.append(_lower(p, err))
                his.append(_upper(p, err))
            los, his = np.stack(los), np.stack(his)                                    # (4, N)
    # 0 * inf is NaN: widen it soundly rather than guess (checked once: NaN is rare)
    nan_lo, nan_hi = np.isnan(los), np.isnan(his)
    if not (nan_lo.any() or nan_hi.any()):
        return np.min(los, axis=0), np.max(his, axis=0)
    lo = np.where(nan_lo.any(axis=0), -_INF, np.min(np.where(nan_lo, _INF, los), axis=0))
    hi = np.where(nan_hi.any(axis=0), _INF, np.max(np.where(nan_hi, -_INF, his), axis=0))
    return lo, hi


def i_square(a):
    lo, hi = i_abs(a)
    return _pow_down(lo, 2), _pow_up(hi, 2)                    # a square is never negative


def i_abs(a):
    lo, hi = a
    pos, neg = lo >= 0, hi <= 0
    return (np.where(pos, lo, np.where(neg, -hi, 0.0)),
            np.where(pos, hi, np.where(neg, -lo, np.maximum(-lo, hi))))


def i_pow(a, k: int):
    """Integer power k ≥ 0: monotone on |x| for even k, on x for odd k; rounded outward."""
    if k == 0:
        one = np.ones_like(a[0])
        return one, one.copy()
    if k % 2 == 0:
        m, M = i_abs(a)
        return _pow_down(m, k), _pow_up(M, k)
    lo, hi = a
    lo_r = np.where(lo >= 0, _pow_down(np.abs(lo), k), -_pow_up(np.abs(lo), k))
    hi_r = np.where(hi >= 0, _pow_up(np.abs(hi), k), -_pow_down(np.abs(hi), k))
    return lo_r, hi_r


def _pow_down(x: np.ndarray, k: int) -> np.ndarray:
    """x**k rounded down, for x ≥ 0, by repeated squaring."""
    return _pow_round(x, k, _lower)


def _pow_up(x: np.ndarray, k: int) -> np.ndarray:
    return _pow_round(x, k, _upper)


def _pow_round(x: np.ndarray, k: int, rnd) -> np.ndarray:
    result, base = np.ones_like(x), x
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        while k:
            if k & 1:
                result = np.maximum(rnd(*_two_prod(result, base)), 0.0)
            k >>= 1
            if k:
                base = np.maximum(rnd(*_two_prod(base, base)), 0.0)
    return np.where(np.isnan(result), _INF if rnd is _upper else 0.0, result)


def i_div(a, b):
    lo, hi = b
    zero = (lo <= 0) & (hi >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        recip = (down(1.0 / np.where(zero, 1.0, hi)), up(1.0 / np.where(zero, 1.0, lo)))
    q = i_mul(a, recip)
    return np.where(zero, -_INF, q[0]), np.where(zero, _INF, q[1])


class BoxEvaluator:
    """Evaluates expressions over N boxes (or points) at once. Compiled once per expression
    list: a walk of the DAG (`dsl.walk`) turns each distinct node into one step of a program."""

    def __init__(self, exprs: Sequence[ast.Expr], variables: Sequence[UVar]):
        self.exprs = list(exprs)
        self.columns = {v.name: i for i, v in enumerate(variables)}
        self.bool_vars = {v.name for v in variables if v.vtype == "bool"}
        self.intervals = _Intervals(self.columns, self.bool_vars)
        self.roots = [self.intervals.eval(e) for e in self.exprs]
        self._points: _Points | None = None                  # compiled on first use

    def eval(self, lo: np.ndarray, hi: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Intervals of every expression on the boxes [lo, hi] (each (N, V))."""
        vals = self.intervals.run(lo, hi)
        return [vals[r] for r in self.roots]

    def point(self, x: np.ndarray) -> list[np.ndarray]:
        """Float values at N points (N, V); not sound, for screening only."""
        if self._points is None:
            self._points = _Points(self.columns, self.bool_vars)
            self._point_roots = [self._points.eval(e) for e in self.exprs]
        with np.errstate(all="ignore"):
            vals = self._points.run(x)
        return [vals[r] for r in self._point_roots]


class _Program(DagWalker):
    """Compiles expressions into steps, one per distinct node, operands first. A handler emits
    its node's step — a function of the earlier steps' values `v` and of the boxes or points —
    and returns the step's number, which is what the walk memoises."""

    def __init__(self, columns: dict, bool_vars: set):
        super().__init__()
        self.columns, self.bool_vars = columns, bool_vars
        self.steps: list = []

    def emit(self, step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def run(self, *inputs) -> list:
        vals: list = []
        for step in self.steps:
            vals.append(step(vals, *inputs))
        return vals


class _Intervals(_Program):
    """Outward-rounded interval steps: (lo, hi) of numbers, (can be false, can be true) of bools."""

    def __init__(self, columns: dict, bool_vars: set):
        super().__init__(columns, bool_vars)
        self.consts: dict = {}           # value → enclosing floats: unrolled DAGs repeat a few
                                         # constants thousands of times, and const_bounds is exact

    def _Num(self, e):
        a, b = self.consts.get(e.value) or self.consts.setdefault(e.value, const_bounds(e.value))
        return self.emit(lambda v, lo, hi: (np.full(lo.shape[0], a), np.full(lo.shape[0], b)))

    def _BoolLit(self, e):
        f, t = not e.value, e.value
        return self.emit(lambda v, lo, hi: (np.full(lo.shape[0], f), np.full(lo.shape[0], t)))

    def _Name(self, e):
        c = self.columns[e.id]
        if e.id in self.bool_vars:
            return self.emit(lambda v, lo, hi: (lo[:, c] < 0.5, hi[:, c] > 0.5))
        return self.emit(lambda v, lo, hi: (lo[:, c], hi[:, c]))

    def _Neg(self, e):
        a = yield e.operand
        return self.emit(lambda v, lo, hi: (-v[a][1], -v[a][0]))

    def _Not(self, e):
        a = yield e.operand
        return self.emit(lambda v, lo, hi: (v[a][1], v[a][0]))

    def _BinOp(self, e):
        a = yield e.left
        if e.op == "^":
            k = int(e.right.value)
            return self.emit(lambda v, lo, hi: i_pow(v[a], k))
        if e.op == "*" and e.left is e.right:
            return self.emit(lambda v, lo, hi: i_square(v[a]))
        b = yield e.right
        f = _INTERVAL_OPS[e.op]
        return self.emit(lambda v, lo, hi: f(v[a], v[b]))

    def _BoolOp(self, e):
        a = yield e.left
        b = yield e.right
        f = _iv_and if e.op == "and" else _iv_or
        return self.emit(lambda v, lo, hi: f(v[a], v[b]))

    def _Compare(self, e):
        a = yield e.left
        b = yield e.right
        op = e.op
        return self.emit(lambda v, lo, hi: compare(op, v[a], v[b]))

    def _Ite(self, e):
        c, a, b = yield from each((e.cond, e.then, e.orelse))
        return self.emit(lambda v, lo, hi: _iv_ite(v[c], v[a], v[b]))

    def _Call(self, e):
        args = yield from each(e.args)
        if e.func == "abs":
            a = args[0]
            return self.emit(lambda v, lo, hi: i_abs(v[a]))
        f = np.minimum if e.func == "min" else np.maximum
        return self.emit(lambda v, lo, hi: _iv_fold(f, [v[a] for a in args]))


def _iv_ite(cond, a, b):
    """An `if` per box: the branch its condition takes where decided, the hull of both elsewhere."""
    cf, ct = cond
    if a[0].dtype == bool:
        both = (a[0] | b[0], a[1] | b[1])
    else:
        both = (np.minimum(a[0], b[0]), np.maximum(a[1], b[1]))
    lo = np.where(~cf, a[0], np.where(~ct, b[0], both[0]))
    hi = np.where(~cf, a[1], np.where(~ct, b[1], both[1]))
    return lo, hi


def _iv_fold(f, args):
    lo, hi = args[0]
    for a in args[1:]:
        lo, hi = f(lo, a[0]), f(hi, a[1])
    return lo, hi


def _iv_and(a, b):
    (af, at), (bf, bt) = a, b
    return af | bf, at & bt


def _iv_or(a, b):
    (af, at), (bf, bt) = a, b
    return af & bf, at | bt


_INTERVAL_OPS = {"+": i_add, "-": i_sub, "*": i_mul, "/": i_div}


class _Points(_Program):
    """Float steps at points (no rounding control: for screening)."""

    def _Num(self, e):
        x = to_float(e.value)
        return self.emit(lambda v, pts: np.full(pts.shape[0], x))

    def _BoolLit(self, e):
        x = e.value
        return self.emit(lambda v, pts: np.full(pts.shape[0], x))

    def _Name(self, e):
        c = self.columns[e.id]
        if e.id in self.bool_vars:
            return self.emit(lambda v, pts: pts[:, c] > 0.5)
        return self.emit(lambda v, pts: pts[:, c])

    def _Neg(self, e):
        a = yield e.operand
        return self.emit(lambda v, pts: -v[a])

    def _Not(self, e):
        a = yield e.operand
        return self.emit(lambda v, pts: ~v[a])

    def _BinOp(self, e):
        a = yield e.left
        if e.op == "^":
            k = int(e.right.value)
            return self.emit(lambda v, pts: v[a] ** k)
        b = yield e.right
        f = _POINT_OPS[e.op]
        return self.emit(lambda v, pts: f(v[a], v[b]))

    def _BoolOp(self, e):
        a = yield e.left
        b = yield e.right
        f = operator.and_ if e.op == "and" else operator.or_
        return self.emit(lambda v, pts: f(v[a], v[b]))

    def _Compare(self, e):
        a = yield e.left
        b = yield e.right
        f = _POINT_OPS[e.op]
        return self.emit(lambda v, pts: f(v[a], v[b]))

    def _Ite(self, e):
        c, a, b = yield from each((e.cond, e.then, e.orelse))
        return self.emit(lambda v, pts: np.where(v[c], v[a], v[b]))

    def _Call(self, e):
        args = yield from each(e.args)
        if e.func == "abs":
            a = args[0]
            return self.emit(lambda v, pts: np.abs(v[a]))
        f = np.minimum if e.func == "min" else np.maximum
        return self.emit(lambda v, pts: functools.reduce(f, [v[a] for a in args]))


_POINT_OPS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
              "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
              "==": np.equal, "!=": np.not_equal}
