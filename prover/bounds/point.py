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


@dataclass(frozen=True, slots=True)
class PointViolation:
    """The interpreter's first violation at a point, decided by enclosures: every condition
    checked before it certainly holds and it certainly fails."""

    condition: int                              # its index in `u.conditions`
    states: tuple                               # (name, lo, hi): the states it is checked in
    rounded: bool                               # some endpoint was widened on the way


def _evaluator(u: Unrolled, point, bits: int | None) -> MemoRangeEvaluator:
    bounds = {}
    for v, x in zip(u.variables, point):
        b = bool(x)
        bounds[v.name] = (not b, b) if v.vtype == "bool" else (Fraction(x), Fraction(x))
    return MemoRangeEvaluator(bounds, u.domain.horizon, limit=bits or REPLAY_BITS)


def first_violation(u: Unrolled, point, bits: int | None = None) -> PointViolation | None:
    """The condition the interpreter stops at, at `point`, when the rigorous enclosures decide
    it (None: no condition certainly fails before one is undecided, or none fails). Conditions
    are evaluated in the interpreter's order and only up to that one: the steps after it, whose
    numbers are the longest, are never computed."""
    ev = _evaluator(u, point, bits)
    for i, c in enumerate(u.conditions):
        try:
            maybe_false, maybe_true = ev.eval(c.expr)
        except MaybeZeroDivisor:
            return None
        if maybe_true and maybe_false:
            return None                           # undecided: an exact replay must tell
        if not maybe_true:
            states = tuple((name, *(to_fraction(x) for x in ev.eval(e))) for name, e in u.states[c.step].items()
                           if u.domain.var(name) is None or u.domain.var(name).vtype != "bool")
            return PointViolation(i, states, ev.rounded)
    return None


def replay_at(u: Unrolled, point, bits: int | None = None) -> PointReplay:
    """R and validity of `u` at `point` (values aligned with `u.variables`), rigorously, exact
    up to `bits`-bit denominators (default REPLAY_BITS)."""
    ev = _evaluator(u, point, bits)
    try:
        truths = [ev.eval(c.expr) for c in u.conditions]
        lo, hi = ev.eval(u.reward)
    except MaybeZeroDivisor:
        return PointReplay(None, None, True)
    valid = True if all(not f for f, _ in truths) else False if any(not t for _, t in truths) else None
    return PointReplay((to_fraction(lo), to_fraction(hi)), valid, ev.rounded)
