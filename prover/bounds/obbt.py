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
WINDOW = 1000                 # a forward round's relaxation: its step's states lifted down this many steps


@dataclass
class Rounds:
    """Tightening so far: the relaxation after the rounds, and the bounds they proved."""
    rel: object
    rounds: list = field(default_factory=list)
    bounds: dict = field(default_factory=dict)


def tighten_on(rel, order, numbers, deadline: float, best, bounds: dict) -> list:
    """Steps proving bounds of the quantities `numbers` (in `order`) on `rel` that shrink them,
    recorded in `bounds`; `best(rel, column, answer, sign)` judges an LP answer's duals. A side
    some LP solution already puts a quantity at is not tried (its LP extreme is that end)."""
    model, steps, settled = None, [], set()
    ends = _float_ends(rel)
    for i in numbers:
        c = rel.column(order[i])
        if c is None or rel.lo[c] == rel.hi[c]:
            continue
        for upper in (False, True):
            if (c, upper) in settled or time.monotonic() > deadline:
                continue
            model = model or LpModel(rel)
            sign = -1 if upper else 1
            answer = model.minimize(c, deadline - time.monotonic(), sign)
            _settle(settled, answer.point, ends)
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


def forward(u, facts, box, roots, order, factors, deadline: float, best) -> Rounds | None:
    """Rounds reaching steps 1..H in turn, each tightening the factors its prefix relaxation
    adds; then the relaxation of `roots` over the tightened bounds. None: the bounds leave the
    box no admissible scenario (left to the other leaves)."""
    ev, state, done = lp_evaluator(facts, box), Rounds(None), set()
    for t in range(1, len(u.states)):
        if time.monotonic() > deadline:
            break
        r = Round((), t, max(0, t - WINDOW))
        rel = window(u, ev, roots, r)
        todo = [i for i in factors if i not in done and rel.column(order[i]) is not None]
        done.update(todo)
        steps = tighten_on(rel, order, todo, deadline, best, state.bounds)
        if steps:
            state.rounds.append(Round(tuple(steps), t, r.since))
            ev = seeded(facts, box, order, state.bounds)
            if ev is None:
                return None
    state.rel = relax(u, ev, roots)
    return state


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
