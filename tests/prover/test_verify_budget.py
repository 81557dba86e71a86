"""The time limit covers proof search, not set-up: a strategy whose policy is slow to build (the
learned one imports torch and loads a checkpoint, seconds on a cold start) gets the same search
time as one that is instant."""
from __future__ import annotations

import time

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover import policies
from prover.search import Budget
from prover.verify import verify_search

SIR = next(p for p in domain_files() if p.stem == "sir")


def test_building_the_policy_does_not_spend_the_search_time_limit(monkeypatch):
    offset = [0.0]
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + offset[0])

    def slow_heuristic():
        offset[0] += 3600.0          # an hour passes while the "network" loads
        return policies.Heuristic()
    monkeypatch.setitem(policies.POLICIES, "slow", slow_heuristic)
    d = load_domain(SIR)
    plan = parse_plan(known_plan(SIR), d)
    r = verify_search(d, plan, None, "slow", Budget(2000, 30), smt=False)
    assert offset[0] == 3600.0
    assert r.verdict == "proved" and r.time_s < 3600
