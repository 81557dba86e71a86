"""Screening the candidate plans of `warrant bench`'s goals: a validity proof per plan, in order.

Candidates come in a fixed order (the domain's known good plan, stretched to the horizon, then
distinct random plans valid in the nominal scenario), each with its own exploration seed, so a
candidate's screening does not depend on which others ran. They are screened in batches of
the executor's width (`--workers N`, `--executor ray`) and the results are taken in candidate
order, by the same stop rule as one after another: the first result past the point where the
rule stops, and everything after it, is discarded. So an executor only changes how long the
screening takes, never which goals it gives.

The budget grows with the horizon: a validity proof at horizon 2H costs about four times one at
H (twice the steps, each with relaxations twice as deep), so the budget at horizon H is the
base one times (H / `SCREEN_HORIZON`)² (at most `MAX_SCREEN_SECONDS`): SIR's stretched plan at
horizon 16 closes its validity at the root in about 3.6 s, which the plain validity search (28%
of the time) only reaches with 12 s.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from itertools import islice

from dsl.model import Domain, Plan, plan_str
from dsl.scenario import nominal
from prover.bounds.evaluation import GoalEvaluator
from prover.calculus.unroll import unroll
from prover.search.executor import InProcess
from prover.search.jobs import DomainRef
from prover.search.loop import Budget
from prover.search.worst import WorstTracker, explore

SCREEN_HORIZON = 8          # the horizon the base screening budget is for; longer ones scale it
MAX_SCREEN_SECONDS = 60.0   # per candidate, at any horizon


@dataclass(frozen=True)
class ScreenJob:
    """One candidate's screening: what a worker needs."""

    domain: DomainRef
    plan: str
    seed: int                 # the worst-found exploration's
    budget: Budget


@dataclass(frozen=True)
class ScreenResult:
    verdict: str              # the validity proof's: proved | refuted | unknown
    worst: Fraction | None    # the lowest reward found (None: the exploration saw it invalid)


def screen(job: ScreenJob) -> ScreenResult:
    """Prove the plan robustly valid (strategy `heuristic`) and find its worst reward."""
    from dsl.plan import parse_plan
    from prover.search.verify import verify_search
    d = job.domain.load()
    plan = parse_plan(job.plan, d)
    worst = worst_found(d, plan, job.seed)
    r = verify_search(d, plan, None, "heuristic", job.budget)
    if r.verdict == "proved" and worst is not None and r.worst_found is not None:
        worst = min(worst, r.worst_found.outcome.reward)
    return ScreenResult(r.verdict, worst)


def worst_found(domain: Domain, plan: Plan, seed: int) -> Fraction | None:
    """The lowest exact reward an exploration of the plan found (None: it looked invalid)."""
    u = unroll(domain, plan)
    tracker = WorstTracker(u, GoalEvaluator(u))
    explore(tracker, seed=seed)
    return None if tracker.invalid or tracker.value is None else tracker.value


def screen_budget(domain: Domain, nodes: int, seconds: float) -> Budget:
    """The validity budget of one candidate at the domain's horizon (gap 1: validity only)."""
    scale = max(1.0, domain.horizon / SCREEN_HORIZON) ** 2
    return Budget(int(nodes * scale), min(seconds * scale, max(seconds, MAX_SCREEN_SECONDS)), gap=Fraction(1))


@dataclass(frozen=True)
class Rule:
    """When the screening stops: n valid plans and the refuted ones asked for (or 2n + 2 tried
    once n are valid), or `most` tried."""

    n: int
    refutations: int
    most: int

    def done(self, valid: int, refuted: int, tried: int) -> bool:
        enough = valid >= self.n and (refuted >= self.refutations or tried >= 2 * self.n + 2)
        return enough or tried >= self.most


def screened(domain: Domain, rule: Rule, seed: int, budget: Budget, tries: int, executor=None):
    """(valid [(plan, worst)], refuted [plan], tried, unknown) by the rule, in candidate order."""
    executor = executor or InProcess()
    ref = DomainRef.of(domain)
    found = {"valid": [], "refuted": [], "tried": 0, "unknown": 0}
    cands = candidates(domain, seed, tries)
    while not _done(rule, found):
        batch = list(islice(cands, max(1, min(executor.workers, rule.most - found["tried"]))))
        if not batch:
            break
        results = executor.map(screen, [ScreenJob(ref, plan_str(p), s, budget) for p, s in batch])
        for (plan, _), res in zip(batch, results):
            if _done(rule, found):
                break                   # a speculative result past the stop: discarded
            _count(found, plan, res)
    return found["valid"], found["refuted"], found["tried"], found["unknown"]


def _done(rule: Rule, found: dict) -> bool:
    return rule.done(len(found["valid"]), len(found["refuted"]), found["tried"])


def _count(found: dict, plan: Plan, res: ScreenResult) -> None:
    found["tried"] += 1
    if res.verdict == "proved" and res.worst is not None:
        found["valid"].append((plan, res.worst))
    elif res.verdict == "refuted":
        found["refuted"].append(plan)
    else:
        found["unknown"] += 1


def candidates(domain: Domain, seed: int, tries: int):
    """(plan, exploration seed): the known good plan stretched to the horizon first, then
    distinct random plans valid in the nominal scenario. Seeds come from their own stream, in
    candidate order, so they do not depend on how candidates are batched."""
    from corpus import stretched_plan
    from dsl.plan import parse_plan
    rng, seeds = random.Random(seed), random.Random(f"screen-{seed}")
    seen = set()
    known = stretched_plan(domain.source, domain.name, domain.horizon)
    if known is not None:
        plan = parse_plan(known, domain)
        seen.add(plan)
        yield plan, seeds.randrange(1 << 30)
    instances = domain.instances()
    for _ in range(tries):
        plan = tuple(rng.choice(instances) for _ in range(domain.horizon))
        if plan not in seen and nominally_valid(domain, plan):
            seen.add(plan)
            yield plan, seeds.randrange(1 << 30)


def nominally_valid(domain: Domain, plan: Plan) -> bool:
    """Whether the plan is valid in the nominal scenario, by the rigorous replay
    (`prover.bounds.point`: exact while numbers stay short, outward-rounded past that, so long
    nonlinear horizons stay cheap); a replay the enclosures cannot decide counts as valid (the
    screening's proof decides)."""
    from prover.bounds.point import replay_at
    from prover.calculus.unroll import scenario_env, unroll
    u = unroll(domain, plan)
    env = scenario_env(u, nominal(domain))
    return replay_at(u, [env[v.name] for v in u.variables]).valid is not False
