"""The search's side of optimization-based bound tightening (`prover.bounds.tightening` is the
trusted side): which quantities to tighten on which relaxation, with HiGHS suggesting duals.

`tighten_on` minimises and maximises quantities over one relaxation and keeps the bounds
whose exact dual bounds shrink them; `forward` runs it step by step over the horizon, each
step's prefix relaxation built from the bounds the steps before it already proved (SCIP-style
sequential propagation), so bounds stay tight however long the unrolling is.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from dsl.exact import to_float
from prover.backends.lp_highs import LpModel
from prover.bounds.relaxation import relax
from prover.bounds.tightening import Round, Tightening, lp_evaluator, narrowed, seeded, window

GAIN = 1e-3                # a bound that shrinks by less than this fraction of the width is not kept
WINDOW = 32                # a forward round's relaxation: its step's states lifted down this many steps (longer
                           # prefixes cost more LP time than their tighter bounds are worth at 10% gaps)


@dataclass
class Rounds:
    """Tightening so far: the relaxation after the rounds, the bounds they proved, and how far
    the forward pass got (the step it reached, the quantities it tried)."""
    rel: object
    rounds: list = field(default_factory=list)
    bounds: dict = field(default_factory=dict)
    reached: int = 0
    tried: set = field(default_factory=set)


def tighten_on(rel, order, numbers, deadline: float, best, bounds: dict) -> list:
    """Steps proving bounds of the quantities `numbers` (in `order`) on `rel` that shrink them,
    recorded in `bounds`; `best(rel, column, answer, sign)` judges an LP answer's duals. A side
    some LP solution already puts a quantity at is not tried (its LP extreme is that end)."""
    model, steps, settled, seen = None, [], set(), set()
    ends = _float_ends(rel)
    for i in numbers:
        c = rel.column(order[i])
        if c is None or c in seen or rel.lo[c] == rel.hi[c]:
            continue                                   # (a column two equal nodes share: once)
        seen.add(c)
        for upper in (False, True):
            if (c, upper) in settled or time.monotonic() > deadline:
                continue
            model = model or LpModel(rel)
            sign = -1 if upper else 1
            answer = model.minimize(c, deadline - time.monotonic(), sign)
            _settle(settled, answer.point, ends)
            if not _may_gain(rel, c, answer, sign):
                continue                               # not worth the exact dual bound
            got = best(rel, c, answer, sign)
            if got is None:
                continue
            value = -got[0] if upper else got[0]       # what `proven_bound` re-derives
            old = rel.hi[c] if upper else rel.lo[c]
            if sign * (value - old) > GAIN * (rel.hi[c] - rel.lo[c]):
                step = Tightening(i, upper, got[1])
                steps.append(step)
                narrowed(bounds, step, value)
    return steps


def forward(u, facts, box, roots, order, factors, deadline: float, best, state: Rounds | None = None):
    """Rounds reaching steps 1..H in turn (from where `state` stopped), each tightening the
    factors its prefix relaxation adds; then the relaxation of `roots` over the tightened
    bounds. None: the bounds leave the box no admissible scenario (left to other leaves)."""
    state = state or Rounds(None)
    ev = seeded(facts, box, order, state.bounds) if state.bounds else lp_evaluator(facts, box)
    for t in range(state.reached + 1, len(u.states)):
        if time.monotonic() > deadline:
            break
        r = Round((), t, max(0, t - WINDOW))
        rel = window(u, ev, roots, r)
        todo = [i for i in factors if i not in state.tried and rel.column(order[i]) is not None]
        bounds = dict(state.bounds)
        steps = tighten_on(rel, order, todo, deadline, best, bounds)
        if time.monotonic() > deadline:
            break                                      # this step's quantities: not all tried
        state.tried.update(todo)
        state.reached = t
        if steps:
            ev = seeded(facts, box, order, bounds)
            if ev is None:
                return None
            state.rounds.append(Round(tuple(steps), t, r.since))
            state.bounds = bounds
    state.rel = relax(u, ev, roots)
    return state


def _may_gain(rel, c: int, answer, sign: int) -> bool:
    """Whether the float LP value shrinks column c's bound by about GAIN of its width (half of
    it: the exact dual bound is what counts, and it is close to the float one)."""
    if not answer.optimal or answer.value is None:
        return False
    lo, hi = to_float(rel.lo[c]), to_float(rel.hi[c])
    old = -hi if sign < 0 else lo
    return answer.value - old > GAIN / 2 * (hi - lo)


def _float_ends(rel) -> tuple[np.ndarray, np.ndarray]:
    """Within what float an LP value is at a column's lower / upper end."""
    lo = np.array([to_float(x) for x in rel.lo])
    hi = np.array([to_float(x) for x in rel.hi])
    with np.errstate(invalid="ignore"):
        tol = np.where(np.isfinite(hi - lo), GAIN * (hi - lo), 0.0)
    return lo + tol, hi - tol


def _settle(settled: set, point, ends) -> None:
    if point is None:
        return
    low, high = ends
    settled.update((int(c), False) for c in np.flatnonzero(point <= low))
    settled.update((int(c), True) for c in np.flatnonzero(point >= high))
