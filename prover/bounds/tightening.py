"""Optimization-based bound tightening inside an `lp` leaf, re-derived exactly.

A tightening round proves, on the current relaxation, a new bound of lifted quantities:
`q ≥ L` (or `q ≤ U`) with dual multipliers whose exact weak-duality bound is L (−U for −q).
Each proven bound holds at every admissible scenario of the box, so the quantity's exact
interval may be intersected with it; the exact evaluator is re-run with those intervals
seeded (children first), every interval above them shrinks, and the next relaxation is
built from the smaller intervals (McCormick envelopes tighten with their factors' bounds).
An empty intersection means the box holds no admissible scenario. A quantity is named by its
number in the full relaxation's post-order (`lifted_order`), which no bound changes.

A round's relaxation is the full one (of R and the margins), or — a round that `reach`es step
t — the relaxation of the states at step t and what they depend on: the rows of steps ≤ t
only. Rounds reaching t = 1, 2, …, H tighten each step's quantities with the bounds of the
steps before already tightened (the forward pass, `prover.bounds.obbt`), so bounds do not
loosen with the horizon; a prefix's relaxation is also never evaluated beyond step t, where
plain intervals of a long nonlinear unrolling explode.

The relaxations are built from `LpEvaluator` intervals: exact, but a quantity whose interval
reaches past 2^MAGNITUDE_BITS has none (no column, so no rows: weaker, still sound), which
keeps doubly exponential endpoints (SIR at H=64: 2^64-bit numbers) out of exact arithmetic.
"""
from __future__ import annotations

from dataclasses import dataclass

from dsl.ranges import MaybeZeroDivisor
from prover.calculus.exact_ranges import MAGNITUDE_BITS, CappedRangeEvaluator, Unbounded  # noqa: F401
from prover.bounds.relaxation import Relaxation, capped, dual_bound, relax

SHORT_BITS = 64            # significant bits of a proven bound once rounded outward


@dataclass(frozen=True)
class Tightening:
    quantity: int              # number of the lifted quantity in `lifted_order`
    upper: bool                # False: q ≥ bound; True: q ≤ bound
    duals: dict                # row → exact multiplier on the round's relaxation


@dataclass(frozen=True)
class Round:
    """Steps proven on one relaxation: the full one (`reach` None), or that of the states at
    step `reach` lifted down to the states at step `since` (their intervals as bounds). A full
    round with a `below` is proven over the scenarios with R ≤ below only (the negated claim,
    SCIP's objective cutoff): its bounds, and every bound after it, hold there, so the leaf
    proves R ≥ min(its bound, below)."""
    steps: tuple
    reach: int | None = None
    since: int = 0
    below: object = None


class NotProved(ValueError):
    """A tightening step whose duals do not give the bound it needs (or name no quantity)."""


LpEvaluator = CappedRangeEvaluator   # (its name here, where the lp leaf uses it)


def lp_evaluator(facts, box) -> LpEvaluator:
    return facts.evaluator(box, LpEvaluator)


def condition_facts(u, ev) -> tuple[tuple[int, ...], bool]:
    """(the conditions `ev`'s intervals leave undecided, whether some assume is false on the
    whole box): what an `lp` leaf must prove, by the evaluator its relaxations use (plain exact
    intervals of a long unrolling would not finish)."""
    def truth(e):
        try:
            return ev.eval(e)
        except MaybeZeroDivisor:
            return True, True
    infeasible = any(not truth(a)[1] for a in u.assumes)
    return tuple(i for i, c in enumerate(u.conditions) if truth(c.expr)[0]), infeasible


def reach_roots(u, t: int) -> list:
    """The roots of step t's prefix relaxation: the states at step t."""
    return list(u.states[t].values())


def window(u, ev, roots, r: Round) -> Relaxation:
    """The relaxation round `r`'s steps are proven on, over the evaluator of the rounds before."""
    if r.reach is None:
        return capped(relax(u, ev, roots), r.below)
    return relax(u, ev, reach_roots(u, r.reach), reach_roots(u, r.since) if r.since else ())


def proven_bound(rel: Relaxation, order, step: Tightening):
    """The bound on the quantity that the step's duals prove on `rel` (None: none)."""
    if not 0 <= step.quantity < len(order):
        return None
    value = dual_bound(rel, rel.column(order[step.quantity]), step.duals, -1 if step.upper else 1)
    return None if value is None else (-value if step.upper else value)


def seeded(facts, box, order, bounds: dict):
    """An exact evaluator over `box` with the quantities of `bounds` (number → [lo, hi], either
    end None) intersected with their proven bounds, children first; None when an intersection
    is empty (no admissible scenario in the box)."""
    ev = lp_evaluator(facts, box)
    for i in sorted(bounds):
        node = order[i]
        lo, hi = bounds[i]
        try:
            a, b = ev.eval(node)
        except MaybeZeroDivisor:
            a = b = None
        a = lo if a is None or (lo is not None and lo > a) else a
        b = hi if b is None or (hi is not None and hi < b) else b
        if a is None or b is None:
            continue                     # still unbounded on one side: nothing to seed
        if a > b:
            return None
        ev.memo[node] = (a, b)
    return ev


def short(x, up: bool):
    """`x` itself when its denominator has at most SHORT_BITS bits, else the dyadic rational
    with SHORT_BITS significant bits just below (`up` False) or above it: a proven bound
    rounded outward is still proven, and the relaxations built from it keep short numbers
    (a dual bound's denominator is the product of its rows': thousands of bits)."""
    n, d = x.numerator, x.denominator
    if d.bit_length() <= SHORT_BITS:
        return x
    shift = SHORT_BITS - (abs(n).bit_length() - d.bit_length())
    scaled = (n << shift) if shift >= 0 else n
    scaled_d = d if shift >= 0 else d << -shift
    m = -((-scaled) // scaled_d) if up else scaled // scaled_d
    return type(x)(m, 1 << shift) if shift >= 0 else type(x)(m << -shift)


def narrowed(bounds: dict, step: Tightening, value) -> None:
    """Record in `bounds` (number → [lo, hi], None: not tightened) the bound a step proved,
    rounded outward to a short rational (`short`)."""
    value = short(value, step.upper)
    lo, hi = bounds.get(step.quantity, (None, None))
    if step.upper:
        hi = value if hi is None or value < hi else hi
    else:
        lo = value if lo is None or value > lo else lo
    bounds[step.quantity] = (lo, hi)


def cutoff(rounds):
    """The least `below` of the rounds (None: none assumes R below a bound): the leaf proves
    R ≥ min(its dual bound, this)."""
    cuts = [r.below for r in rounds if r.below is not None]
    return min(cuts) if cuts else None


def replay(u, facts, box, roots, order, rounds):
    """The relaxation of `roots` after re-deriving every round of `rounds` (the last one
    uncapped: R's own bound is the leaf's to prove), or None when the tightened bounds leave no
    admissible scenario (with R below the rounds' `cutoff`). Raises NotProved for a step whose duals
    fail, or a round reaching past the horizon."""
    ev = lp_evaluator(facts, box)
    bounds: dict = {}
    for r in rounds:
        if r.reach is not None and not 0 <= r.since <= r.reach < len(u.states):
            raise NotProved(f"a tightening round's steps {r.since}..{r.reach} are not steps of the horizon")
        if r.reach is not None and r.below is not None:
            raise NotProved("only a round on the full relaxation may assume R below a bound")
        rel = window(u, ev, roots, r)
        for step in r.steps:
            value = proven_bound(rel, order, step)
            if value is None:
                raise NotProved(f"tightening of lifted quantity {step.quantity} is not proved by its duals")
            narrowed(bounds, step, value)
        ev = seeded(facts, box, order, bounds)
        if ev is None:
            return None
    return relax(u, ev, roots)
