"""Benchmark goals: random plans of a domain with bounds at several tightness levels.

A goal is a plan that looked valid in every scenario the worst-found exploration tried, and a
bound `worst − t·|worst|` for each tightness t: the closer to the worst found, the harder to
prove. Deterministic for a seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from dsl.interp import run
from dsl.model import Domain, Plan
from dsl.scenario import nominal
from prover.evaluation import GoalEvaluator, round_down
from prover.unroll import unroll
from prover.worst import WorstTracker, explore

TIGHTNESS = (Fraction(1, 5), Fraction(1, 20), Fraction(1, 100))


@dataclass(frozen=True)
class BenchGoal:
    domain: Domain
    plan: Plan
    bound: Fraction
    worst_found: Fraction
    tightness: Fraction


def worst_found(domain: Domain, plan: Plan, seed: int) -> Fraction | None:
    """The lowest exact reward an exploration of the plan found (None: it looked invalid)."""
    u = unroll(domain, plan)
    tracker = WorstTracker(u, GoalEvaluator(u))
    explore(tracker, seed=seed)
    return None if tracker.invalid or tracker.value is None else tracker.value


def generate(domain: Domain, n: int, seed: int, tightness=TIGHTNESS, tries: int = 400) -> list[BenchGoal]:
    """Up to `n` goals (plans × tightness levels) for one domain."""
    rng = random.Random(seed)
    goals: list[BenchGoal] = []
    seen: set = set()
    instances = domain.instances()
    for _ in range(tries):
        if len(goals) >= n:
            break
        plan = tuple(rng.choice(instances) for _ in range(domain.horizon))
        if plan in seen or not run(domain, plan, nominal(domain)).valid:
            continue
        seen.add(plan)
        worst = worst_found(domain, plan, rng.randrange(1 << 30))
        if worst is None:
            continue
        for t in tightness:     # readable bounds: rounded down to 6 significant digits
            goals.append(BenchGoal(domain, plan, round_down(float(worst - t * abs(worst)) - (float(t) if worst == 0 else 0)),
                                   worst, t))
    return goals[:n]
