"""Brute force over small discrete domains: the robust optimum by the interpreter, shared by
the planner's property tests."""
from __future__ import annotations

import itertools

from dsl.interp import run


def robust_optimum(d, scenarios):
    """max over plans valid in every scenario of their min reward (None: no such plan)."""
    scenarios = list(scenarios)
    best = None
    for plan in itertools.product(d.instances(), repeat=d.horizon):
        outcomes = [run(d, plan, s) for s in scenarios]
        if all(o.valid for o in outcomes):
            value = min(o.reward for o in outcomes)
            best = value if best is None else max(best, value)
    return best
