"""Optimization-based bound tightening inside an `lp` leaf, re-derived exactly.

A tightening round proves, on the current relaxation, a new bound of lifted quantities:
`q ≥ L` (or `q ≤ U`) with dual multipliers whose exact weak-duality bound is L (−U for −q).
Each proven bound holds at every admissible scenario of the box, so the quantity's exact
interval may be intersected with it; the exact evaluator is re-run with those intervals
seeded (children first), every interval above them shrinks, and the next relaxation is
built from the smaller intervals (McCormick envelopes tighten with their factors' bounds).
An empty intersection means the box holds no admissible scenario. A quantity is named by its
number in the relaxation's post-order (`Relaxation.order`), which no bound changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from dsl.ranges import MaybeZeroDivisor
from prover.bounds.relaxation import Relaxation, dual_bound, relax


@dataclass(frozen=True)
class Tightening:
    quantity: int              # number of the lifted quantity in `Relaxation.order`
    upper: bool                # False: q ≥ bound; True: q ≤ bound
    duals: dict                # row → exact multiplier on the round's relaxation


class NotProved(ValueError):
    """A tightening step whose duals do not give the bound it needs (or name no quantity)."""


def proven_bound(rel: Relaxation, step: Tightening):
    """The bound on the quantity that the step's duals prove on `rel` (None: none)."""
    if not 0 <= step.quantity < len(rel.order):
        return None
    value = dual_bound(rel, rel.column(rel.order[step.quantity]), step.duals, -1 if step.upper else 1)
    return None if value is None else (-value if step.upper else value)


def seeded(facts, box, order, bounds: dict):
    """An exact evaluator over `box` with the quantities of `bounds` (number → [lo, hi], either
    end None) intersected with their proven bounds, children first; None when an intersection
    is empty (no admissible scenario in the box)."""
    ev = facts.evaluator(box)
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


def narrowed(bounds: dict, step: Tightening, value) -> None:
    """Record in `bounds` (number → [lo, hi], None: not tightened) the bound a step proved."""
    lo, hi = bounds.get(step.quantity, (None, None))
    if step.upper:
        hi = value if hi is None or value < hi else hi
    else:
        lo = value if lo is None or value > lo else lo
    bounds[step.quantity] = (lo, hi)


def replay(u, facts, box, roots, rounds):
    """The relaxation after re-deriving every round of `rounds` (each a list of Tightening),
    or None when the tightened bounds leave no admissible scenario. Raises NotProved for a
    step whose duals fail."""
    ev = facts.evaluator(box)
    rel = relax(u, ev, roots)
    bounds: dict = {}
    for steps in rounds:
        for step in steps:
            value = proven_bound(rel, step)
            if value is None:
                raise NotProved(f"tightening of lifted quantity {step.quantity} is not proved by its duals")
            narrowed(bounds, step, value)
        ev = seeded(facts, box, rel.order, bounds)
        if ev is None:
            return None
        rel = relax(u, ev, roots)
    return rel
