"""Exact interval evaluation of unrolled DAGs: `MemoRangeEvaluator`, the memoised rational
`RangeEvaluator` with long endpoints rounded outward (`outward`).

In the calculus because FBBT (prover.calculus.fbbt), a tactic the checker re-derives, runs on
it; the exact box facts (prover.bounds.interval_exact) and the point replays build on it too.
"""
from __future__ import annotations

from dsl.exact import Q, to_q
from dsl.ranges import MaybeZeroDivisor, RangeEvaluator


def _exact(x):
    return x if isinstance(x, bool) else to_q(x)


PRECISION = 192          # significant bits kept when an endpoint's denominator grows past LIMIT
LIMIT = 256              # ... bits; shorter rationals are never touched
MAGNITUDE_BITS = 128     # CappedRangeEvaluator: an endpoint beyond ±2^this makes a quantity unbounded


def outward(x, up: bool, limit: int = LIMIT):
    """`x` itself when its denominator is short; otherwise the nearest rational with PRECISION
    significant bits below (`up` False) or above (`up` True) it. Widening an interval endpoint
    outward keeps every enclosure sound, and stops exact digits from doubling at every product
    of a long nonlinear unrolling (SIR at horizon 16 reaches 10^5-digit endpoints otherwise).
    The relative widening, 2^-192, is far below the float search's own rounding, so a bound the
    search proved in outward-rounded floats is still confirmed here."""
    n, d = x.numerator, x.denominator
    if d.bit_length() <= limit:
        return x
    shift = PRECISION - (abs(n).bit_length() - d.bit_length())
    if shift >= 0:
        scaled_n, scaled_d, scale = n << shift, d, Q(1, 1 << shift)
    else:
        scaled_n, scaled_d, scale = n, d << -shift, Q(1 << -shift)
    m = -((-scaled_n) // scaled_d) if up else scaled_n // scaled_d
    return Q(m) * scale


class MemoRangeEvaluator(RangeEvaluator):
    """`RangeEvaluator` (memoised, with the square rule for `x * x` of a shared node) in GMP
    rationals (gmpy2 `mpq`) for speed, and endpoints with long denominators rounded outward
    (see `outward`): rational and sound either way."""

    def __init__(self, bounds: dict, horizon: int = 1, limit: int = LIMIT):
        super().__init__({k: (_exact(a), _exact(b)) for k, (a, b) in bounds.items()}, horizon)
        self.limit = limit
        self.rounded = False                 # whether some endpoint was widened

    def _Num(self, e):
        v = to_q(e.value)
        return v, v

    def finish(self, e, r):
        lo, hi = r
        if not isinstance(lo, bool) and (lo.denominator.bit_length() > self.limit
                                         or hi.denominator.bit_length() > self.limit):
            self.rounded = True
            return outward(lo, False, self.limit), outward(hi, True, self.limit)
        return r


class Unbounded(MaybeZeroDivisor):
    """An interval reaches past ±2^MAGNITUDE_BITS: the quantity is treated as unbounded."""


class _Huge(tuple):
    """The memo's mark of an unbounded quantity: any use of it raises `Unbounded`."""

    def __getitem__(self, i):
        raise Unbounded(None)

    def __iter__(self):
        raise Unbounded(None)


_HUGE = _Huge()


def _too_big(x) -> bool:
    return abs(x.numerator).bit_length() - x.denominator.bit_length() > MAGNITUDE_BITS


class CappedRangeEvaluator(MemoRangeEvaluator):
    """`MemoRangeEvaluator`'s exact intervals, and `Unbounded` (memoised) for a quantity whose
    interval reaches past ±2^MAGNITUDE_BITS, and for everything above it: a long nonlinear
    unrolling's plain intervals grow doubly exponentially (SIR at H=64: 2^64-bit numerators),
    and an unbounded quantity is sound wherever a divisor's interval containing 0 is. The `lp`
    leaf's relaxations and FBBT's case split use it."""

    def finish(self, e, r):
        if r is _HUGE:
            return r
        lo, hi = r = super().finish(e, r)
        return _HUGE if not isinstance(lo, bool) and (_too_big(lo) or _too_big(hi)) else r

    def eval(self, root):
        try:
            value = super().eval(root)
        except Unbounded:
            self.memo[root] = _HUGE
            raise
        if value is _HUGE:
            raise Unbounded(root)
        return value
