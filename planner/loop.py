"""The counterexample-guided planning loop behind `warrant plan-and-verify`.

Each round: rank plans by their minimum return over the current scenario set (exact when the
graph search is exhaustive, which also gives the upper bound U), prove validity and the
tightest certified lower bound of the top candidates, then add the worst scenarios the
prover found to the set. Stop when the best certified bound L is within the gap of U, when
no new scenario appears, or when the budget ends. The selected plan is the one with the best
certified bound; every reported bound is a checked proof, every rejection a replayed scenario.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction

from dsl.model import Domain, Plan
from dsl.scenario import Scenario, failed_assumes, nominal, random_scenario
from planner.candidates import Candidate, top_plans
from planner.graph import build
from prover.progress import Progress, Reporter, silent
from prover.search import Budget
from prover.verify import VerifyResult, verify_search


@dataclass(frozen=True)
class PlanOptions:
    candidates: int = 10
    strategy: str = "heuristic"
    time_limit: float = 60.0
    node_budget: int = 20_000
    gap: Fraction = Fraction(1, 100)
    workers: int = 1
    beam: int = 2000
    max_rounds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class CandidateReport:
    plan: Plan
    min_over_set: Fraction | None     # None for a user plan the graph search did not produce
    result: VerifyResult
    round: int


@dataclass(frozen=True)
class Round:
    index: int
    scenarios: int
    graph_nodes: int
    exhaustive: bool
    upper_bound: Fraction | None
    candidates: tuple[CandidateReport, ...]


@dataclass(frozen=True)
class PlanResult:
    selected: CandidateReport | None
    rounds: tuple[Round, ...]
    upper_bound: Fraction | None      # from the last exhaustive round
    time_s: float
    stop_reason: str
    beam_truncated: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def _first_scenarios(domain: Domain, seed: int) -> list[Scenario]:
    s = nominal(domain)
    if not failed_assumes(domain, s):
        return [s]
    import random
    return [random_scenario(domain, random.Random(seed))]


def _prove(args) -> VerifyResult:
    domain, plan, strategy, budget, seed, beat = args
    return verify_search(domain, plan, None, strategy, budget, seed=seed, stop_at_or_below=beat)


def plan_and_verify(domain: Domain, options: PlanOptions, user_plans: tuple[Plan, ...] = (),
                    progress: Reporter = silent) -> PlanResult:
    """Run the loop; `progress` hears of each round's graph search and of candidates as they finish."""
    start = time.monotonic()
    scenarios = _first_scenarios(domain, options.seed)
    rounds: list[Round] = []
    best: CandidateReport | None = None
    upper, stop, truncated = None, "rounds exhausted", False
    pool = ProcessPoolExecutor(options.workers) if options.workers > 1 else None
    try:
        per_scenario = 0.0       # seconds the graph search took per scenario in the last round
        for r in range(options.max_rounds):
            # A round whose graph search alone would overrun the budget is not started.
            left = options.time_limit - (time.monotonic() - start)
            if r and per_scenario * len(scenarios) * 2 > left:
                stop = (f"time limit: round {r + 1}'s graph search over {len(scenarios)} scenarios would not "
                        f"fit in the {max(0.0, left):.1f}s left")
                break
            t0 = time.monotonic()
            progress(Progress(f"round {r + 1}: graph search", 0, None, f"{len(scenarios)} scenario(s)"))
            sg = build(domain, tuple(scenarios), options.beam)
            per_scenario = (time.monotonic() - t0) / len(scenarios)
            truncated |= sg.truncated
            ranked = top_plans(sg, options.candidates)
            if ranked.exhaustive and ranked.plans:
                upper = ranked.plans[0].value if upper is None else min(upper, ranked.plans[0].value)
            todo = _todo(ranked.plans, user_plans)
            left = options.time_limit - (time.monotonic() - start)
            if not todo or left <= 0:
                stop = "no candidate plan is valid in every scenario found so far" if not todo else "time limit"
                rounds.append(Round(r, len(scenarios), sg.graph.number_of_nodes(), ranked.exhaustive, upper, ()))
                break
            beat = best.result.lower_bound if best else None
            reports = _prove_all(domain, todo, options, left, r, pool, progress, beat)
            rounds.append(Round(r, len(scenarios), sg.graph.number_of_nodes(), ranked.exhaustive, upper, reports))
            best = _better(best, reports)
            new = _new_scenarios(reports, scenarios)
            if best and upper is not None and upper - best.result.lower_bound <= options.gap * abs(upper):
                stop = "certified bound within the gap of the upper bound"
                break
            if len(reports) < len(todo):
                stop = f"time limit: {len(todo) - len(reports)} of {len(todo)} candidates were not started"
                break
            if time.monotonic() - start >= options.time_limit:
                stop = "time limit"
                break
            if not new:
                stop = "no new worst-case scenario found"
                break
            scenarios.extend(new)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return PlanResult(best, tuple(rounds), upper, time.monotonic() - start, stop, truncated)


def _todo(ranked: tuple[Candidate, ...], user_plans) -> list[tuple[Plan, Fraction | None]]:
    out = [(c.plan, c.value) for c in ranked]
    seen = {p for p, _ in out}
    out += [(p, None) for p in user_plans if p not in seen]
    return out


def _prove_all(domain, todo, options: PlanOptions, seconds: float, r: int, pool, progress, beat):
    """Prove the candidates, `workers` at a time; each chunk only needs to beat the best
    certified bound so far, so dominated candidates stop early."""
    workers = max(1, options.workers)
    deadline = time.monotonic() + seconds
    reports: list[CandidateReport] = []
    for i in range(0, len(todo), workers):
        left = deadline - time.monotonic()
        if left <= 0.5:            # out of time: the remaining candidates are not started
            break
        chunks_left = -(-(len(todo) - i) // workers)
        per = Budget(options.node_budget, 0.8 * left / chunks_left, options.gap)
        chunk = todo[i:i + workers]
        jobs = [(domain, plan, options.strategy, per, options.seed, beat) for plan, _ in chunk]
        results = pool.map(_prove, jobs) if pool else map(_prove, jobs)
        for (plan, value), res in zip(chunk, results):
            reports.append(CandidateReport(plan, value, res, r))
            if res.verdict == "proved" and (beat is None or res.lower_bound > beat):
                beat = res.lower_bound
            progress(Progress(f"round {r + 1}: proving candidates", len(reports), len(todo), res.verdict))
    return tuple(reports)


def _better(best: CandidateReport | None, reports) -> CandidateReport | None:
    for rep in reports:
        lb = rep.result.lower_bound
        if rep.result.verdict == "proved" and lb is not None and (best is None or lb > best.result.lower_bound):
            best = rep
    return best


def _new_scenarios(reports, known: list[Scenario]) -> list[Scenario]:
    out = []
    for rep in reports:
        for w in (rep.result.counterexample, rep.result.worst_found):
            if w is not None and w.scenario not in known and w.scenario not in out:
                out.append(w.scenario)
    return out
