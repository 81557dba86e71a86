"""Rigorous replay of an unrolled plan at one point, for scenarios whose exact numbers explode.

An exact replay of a long nonlinear unrolling doubles the digits of its numbers at every
product (SIR at horizon 20 reaches numbers of millions of digits: seconds per replay). Here the
plan's reward and validity conditions are evaluated at the point by the checker's exact interval
rules (`interval_exact.MemoRangeEvaluator`, the semantics property-tested against the
interpreter) on the degenerate box of the point: exact while denominators stay under
`REPLAY_BITS`, and past that rounded *outward*, so the result is a rigorous enclosure of the
true value (ball arithmetic with rational endpoints). When no endpoint was rounded the
enclosure is the exact value itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl.exact import to_fraction
from dsl.ranges import MaybeZeroDivisor
from prover.bounds.interval_exact import MemoRangeEvaluator
from prover.calculus.unroll import Unrolled

REPLAY_BITS = 1 << 14     # denominators up to 16,384 bits stay exact (cheap with GMP)


@dataclass(frozen=True, slots=True)
class PointReplay:
    reward: tuple[Fraction, Fraction] | None   # an enclosure of R at the point (None: none found)
    valid: bool | None                         # every condition certainly holds / some certainly
                                               # fails / undecided by the enclosures
    rounded: bool                              # some endpoint was widened: not the exact value


def replay_at(u: Unrolled, point, bits: int | None = None) -> PointReplay:
    """R and validity of `u` at `point` (values aligned with `u.variables`), rigorously, exact
    up to `bits`-bit denominators (default REPLAY_BITS)."""
    bounds = {}
    for v, x in zip(u.variables, point):
        b = bool(x)
        bounds[v.name] = (not b, b) if v.vtype == "bool" else (Fraction(x), Fraction(x))
    ev = MemoRangeEvaluator(bounds, u.domain.horizon, limit=bits or REPLAY_BITS)
    try:
        truths = [ev.eval(c.expr) for c in u.conditions]
        lo, hi = ev.eval(u.reward)
    except MaybeZeroDivisor:
        return PointReplay(None, None, True)
    valid = True if all(not f for f, _ in truths) else False if any(not t for _, t in truths) else None
    return PointReplay((to_fraction(lo), to_fraction(hi)), valid, ev.rounded)
