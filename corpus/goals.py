"""Benchmark goals: random plans of a domain with bounds at several tightness levels.

`bench_goals` (what `warrant bench` runs) spreads a domain's goals over several plans, each
*proved* robustly valid first, and keeps refuted plans apart as refutation goals: a bench whose
plans were all invalid would only measure how fast every strategy finds the same counterexample.
`generate` (the training corpus) keeps to plans that merely looked valid.

A goal is a plan that looked valid in every scenario the worst-found exploration tried, and a
bound `worst − t·|worst|` for each tightness t: the closer to the worst found, the harder to
prove. Deterministic for a seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

from dsl.model import Domain, Plan
from dsl.scenario import nominal
from prover.bounds.evaluation import round_down
from prover.calculus.unroll import unroll
from corpus.screening import worst_found  # noqa: F401  (here too: tests and callers import it from goals)

TIGHTNESS = (Fraction(1, 5), Fraction(1, 20), Fraction(1, 100))


@dataclass(frozen=True)
class BenchGoal:
    domain: Domain
    plan: Plan
    bound: Fraction
    worst_found: Fraction | None          # None for a refutation goal: the plan is invalid somewhere
    tightness: Fraction | None
    kind: str = "bound"                   # "bound": robustly valid plan (proved); "refutation": refuted plan


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
        if plan in seen or not _valid_nominally(domain, plan):
            continue
        seen.add(plan)
        worst = worst_found(domain, plan, rng.randrange(1 << 30))
        if worst is None:
            continue
        for t in tightness:     # readable bounds: rounded down to 6 significant digits
            goals.append(BenchGoal(domain, plan, round_down(float(worst - t * abs(worst)) - (float(t) if worst == 0 else 0)),
                                   worst, t))
    return goals[:n]


def _valid_nominally(domain: Domain, plan: Plan) -> bool:
    """Whether the plan is valid in the nominal scenario: by the exact interpreter, or by the
    rigorous replay where its exact numbers would explode (at long horizons the exact run of a
    polynomial recurrence doubles its digits every step and never ends)."""
    from prover.search.worst import replayed
    return bool(replayed(unroll(domain, plan), nominal(domain)).outcome.valid)


@dataclass(frozen=True)
class Screened:
    """How the candidate plans of `bench_goals` fared (reported by `warrant bench`)."""

    tried: int = 0
    valid: int = 0                        # proved robustly valid
    refuted: int = 0
    unknown: int = 0                      # validity neither proved nor refuted within the screening budget
    plans: tuple = field(default=())


def bench_goals(domain: Domain, n: int, seed: int, refutations: int = 1, screen_nodes: int = 2000,
                screen_seconds: float = 3.0, tries: int = 400, max_screened: int | None = None,
                tightness=TIGHTNESS, executor=None) -> tuple[list[BenchGoal], Screened]:
    """`n` bound goals from up to `n` distinct robustly valid plans (goal i: plan i mod #plans at
    tightness i mod 3), and up to `refutations` refutation goals from refuted plans. Screens at
    most 4n + 4 candidates (`corpus.screening`: the known plan stretched to the horizon first, a
    budget that grows with the horizon, batches on `executor` with the goals of one after
    another), and once n valid plans are in, looks for refuted ones only up to 2n + 2."""
    from corpus.screening import Rule, screen_budget, screened
    rule = Rule(n, refutations, max_screened or 4 * n + 4)
    budget = screen_budget(domain, screen_nodes, screen_seconds)
    valid, refuted, tried, unknown = screened(domain, rule, seed, budget, tries, executor)
    goals = [_bound_goal(domain, *valid[i % len(valid)], tightness[i % len(tightness)]) for i in range(n)] if valid else []
    goals += [BenchGoal(domain, plan, _nominal_bound(domain, plan), None, None, "refutation")
              for plan in refuted[:refutations]]
    return goals, Screened(tried, len(valid), len(refuted), unknown, tuple(p for p, _ in valid))


def _bound_goal(domain: Domain, plan: Plan, worst: Fraction, t: Fraction) -> BenchGoal:
    # readable bounds: rounded down to 6 significant digits
    return BenchGoal(domain, plan, round_down(float(worst - t * abs(worst)) - (float(t) if worst == 0 else 0)), worst, t)


def _nominal_bound(domain: Domain, plan: Plan) -> Fraction:
    """A refutation goal's bound: the nominal reward rounded down (the plan fails whatever the
    bound); the rigorous replay's lower end where exact numbers would explode."""
    from prover.bounds.point import replay_at
    from prover.calculus.unroll import scenario_env
    u = unroll(domain, plan)
    env = scenario_env(u, nominal(domain))
    r = replay_at(u, [env[v.name] for v in u.variables])
    return round_down(float(r.reward[0])) if r.valid and r.reward is not None else Fraction(0)
