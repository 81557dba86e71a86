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

from fractions import Fraction
from typing import Sequence

import numpy as np

from dsl import ast
from dsl.exact import float_bounds, to_float
from dsl.ranges import compare
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
    """Evaluates expressions over N boxes (or points) at once. Compiled once per expression list."""

    def __init__(self, exprs: Sequence[ast.Expr], variables: Sequence[UVar]):
        self.columns = {v.name: i for i, v in enumerate(variables)}
        self.bool_vars = {v.name for v in variables if v.vtype == "bool"}
        self.order: list[ast.Expr] = ast.post_order(exprs)       # unique nodes, children before parents
        self.index: dict[int, int] = {id(n): i for i, n in enumerate(self.order)}   # id(node) → position
        self.roots = [self.index[id(e)] for e in exprs]
        self.consts = _const_table(self.order)

    def eval(self, lo: np.ndarray, hi: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Intervals of every expression on the boxes [lo, hi] (each (N, V))."""
        vals: list = [None] * len(self.order)
        for i, node in enumerate(self.order):
            vals[i] = self._interval(node, vals, lo, hi)
        return [vals[r] for r in self.roots]

    def point(self, x: np.ndarray) -> list[np.ndarray]:
        """Float values at N points (N, V); not sound, for screening only."""
        vals: list = [None] * len(self.order)
        with np.errstate(all="ignore"):
            for i, node in enumerate(self.order):
                vals[i] = self._point(node, vals, x)
        return [vals[r] for r in self.roots]

    def _arg(self, vals, node):
        return vals[self.index[id(node)]]

    def _interval(self, e, vals, lo, hi):
        n = lo.shape[0]
        if isinstance(e, ast.Num):
            a, b = self.consts[id(e)]
            return np.full(n, a), np.full(n, b)
        if isinstance(e, ast.BoolLit):
            return np.full(n, not e.value), np.full(n, e.value)
        if isinstance(e, ast.Name):
            c = self.columns[e.id]
            if e.id in self.bool_vars:
                return lo[:, c] < 0.5, hi[:, c] > 0.5
            return lo[:, c], hi[:, c]
        return _INTERVAL_RULES[type(e)](e, lambda k: self._arg(vals, k))

    def _point(self, e, vals, x):
        n = x.shape[0]
        if isinstance(e, ast.Num):
            return np.full(n, to_float(e.value))
        if isinstance(e, ast.BoolLit):
            return np.full(n, e.value)
        if isinstance(e, ast.Name):
            c = self.columns[e.id]
            return x[:, c] > 0.5 if e.id in self.bool_vars else x[:, c]
        return _POINT_RULES[type(e)](e, lambda k: self._arg(vals, k))


def _const_table(nodes) -> dict[int, tuple[float, float]]:
    """id(Num) → its enclosing floats, computed once per value (unrolled DAGs repeat a few
    constants thousands of times, and const_bounds does rational arithmetic)."""
    by_value: dict = {}
    out = {}
    for e in nodes:
        if isinstance(e, ast.Num):
            bounds = by_value.get(e.value)
            if bounds is None:
                bounds = by_value[e.value] = const_bounds(e.value)
            out[id(e)] = bounds
    return out


def _iv_binop(e, get):
    a = get(e.left)
    if e.op == "^":
        return i_pow(a, int(e.right.value))
    if e.op == "*" and e.left is e.right:
        return i_square(a)
    b = get(e.right)
    return {"+": i_add, "-": i_sub, "*": i_mul, "/": i_div}[e.op](a, b)


def _iv_ite(e, get):
    cf, ct = get(e.cond)
    a, b = get(e.then), get(e.orelse)
    if a[0].dtype == bool:
        both = (a[0] | b[0], a[1] | b[1])
    else:
        both = (np.minimum(a[0], b[0]), np.maximum(a[1], b[1]))
    lo = np.where(~cf, a[0], np.where(~ct, b[0], both[0]))
    hi = np.where(~cf, a[1], np.where(~ct, b[1], both[1]))
    return lo, hi


def _iv_call(e, get):
    args = [get(a) for a in e.args]
    if e.func == "abs":
        return i_abs(args[0])
    f = np.minimum if e.func == "min" else np.maximum
    lo, hi = args[0]
    for a in args[1:]:
        lo, hi = f(lo, a[0]), f(hi, a[1])
    return lo, hi


def _iv_compare(e, get):
    return compare(e.op, get(e.left), get(e.right))


def _iv_boolop(e, get):
    (af, at), (bf, bt) = get(e.left), get(e.right)
    return (af | bf, at & bt) if e.op == "and" else (af & bf, at | bt)


_INTERVAL_RULES = {
    ast.Neg: lambda e, get: (-get(e.operand)[1], -get(e.operand)[0]),
    ast.Not: lambda e, get: (get(e.operand)[1], get(e.operand)[0]),
    ast.BinOp: _iv_binop,
    ast.BoolOp: _iv_boolop,
    ast.Compare: _iv_compare,
    ast.Ite: _iv_ite,
    ast.Call: _iv_call,
}

_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}


def _pt_binop(e, get):
    a = get(e.left)
    if e.op == "^":
        return a ** int(e.right.value)
    b = get(e.right)
    return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[e.op](a, b)


def _pt_call(e, get):
    args = [get(a) for a in e.args]
    if e.func == "abs":
        return np.abs(args[0])
    f = np.minimum if e.func == "min" else np.maximum
    out = args[0]
    for a in args[1:]:
        out = f(out, a)
    return out


_POINT_RULES = {
    ast.Neg: lambda e, get: -get(e.operand),
    ast.Not: lambda e, get: ~get(e.operand),
    ast.BinOp: _pt_binop,
    ast.BoolOp: lambda e, get: (get(e.left) & get(e.right)) if e.op == "and" else (get(e.left) | get(e.right)),
    ast.Compare: lambda e, get: _CMP[e.op](get(e.left), get(e.right)),
    ast.Ite: lambda e, get: np.where(get(e.cond), get(e.then), get(e.orelse)),
    ast.Call: _pt_call,
}
