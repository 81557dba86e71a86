"""The counterexample-guided planning loop behind `warrant plan-and-verify`.

Each round: rank plans by their minimum return over the current scenario set (exact when the
graph search is exhaustive, which also gives the upper bound U), prove validity and the
tightest certified lower bound of the top candidates not proved before, then add the worst
scenarios the prover found — counterexamples of refuted plans and worst cases of proved and
dominated ones — to the set. Stop when L = U, when L is within the gap of U, when no plan is
valid in every scenario of the set (proved when the graph search was exhaustive), when no new
scenario appears, or when the rounds or the time run out; the result says which
(`STOP_REASONS`) and, when U is not exact, why and by how much it could still move. The
selected plan is the one with the best certified bound; every reported bound is a checked
proof, every rejection a replayed scenario.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from dsl.model import Domain, Plan
from dsl.scenario import Scenario, failed_assumes, nominal, random_scenario
from planner.candidates import NO_PLAN, Candidate, Candidates, scenario_optimum, top_plans
from planner.graph import build
from prover.search.executor import make_executor
from prover.search.jobs import VerifyJob, run_verify
from prover.policy.spec import PolicySpec
from prover.calculus.progress import Progress, Reporter, silent
from prover.search.allowance import SCHEDULE, Budget
from prover.search.verify import VerifyResult, verify_search


# Why a planning run ended (docs/verdicts.md defines each).
STOP_REASONS = ("bound proved", "gap reached", "no robust plan", "no new scenario", "no candidate",
                "rounds exhausted", "time limit")
MIN_ROUND_S = 0.5           # a round is not started with less time left
GRAPH_SHARE = 1 / 2         # of the time left, at most, for a round's graph search


@dataclass(frozen=True)
class PlanOptions:
    candidates: int = 10
    strategy: str = "heuristic"
    time_limit: float = 60.0
    node_budget: int = 20_000
    gap: Fraction = Fraction(1, 100)
    workers: int = 1
    beam: int = 2000
    max_rounds: int = 20
    seed: int = 0
    policy: PolicySpec | None = None      # None: PolicySpec(strategy); carries --checkpoint to workers
    executor: str = "local"               # where candidates are proved: local | ray (prover.search.executor)
    ray_address: str | None = None


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
    upper_bound: Fraction | None      # the lowest sound upper bound of any round
    time_s: float
    stop_reason: str                  # one of STOP_REASONS
    beam_truncated: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    stop_detail: str = ""             # the stop reason in a sentence
    upper_note: str = ""              # when U is not exact: why, and by how much it could move
    scenarios: tuple[Scenario, ...] = ()    # the final scenario set (each admissible, replayed)

    @property
    def exact(self) -> bool:
        """The certified bound equals the upper bound: the selected plan is robustly optimal."""
        return self.selected is not None and self.upper_bound == self.selected.result.lower_bound

    @property
    def no_robust_plan(self) -> bool:
        """Proved: every plan fails in some scenario of `scenarios`."""
        return self.stop_reason == "no robust plan"


def _first_scenarios(domain: Domain, seed: int) -> list[Scenario]:
    s = nominal(domain)
    if not failed_assumes(domain, s):
        return [s]
    import random
    return [random_scenario(domain, random.Random(seed))]


@dataclass
class _State:
    """What the rounds accumulate (local to one run)."""
    scenarios: list
    rounds: list = field(default_factory=list)
    best: CandidateReport | None = None
    upper: Fraction | None = None
    truncated: bool = False
    rounded: bool = False                             # some graph had rounded layers (no U from it)
    tried: set = field(default_factory=set)           # plans already proved or tried
    single: dict = field(default_factory=dict)        # index in scenarios → its own optimum (a U when the beam cuts)


def plan_and_verify(domain: Domain, options: PlanOptions, user_plans: tuple[Plan, ...] = (),
                    progress: Reporter = silent) -> PlanResult:
    """Run the loop; `progress` hears of each round's graph search and of candidates as they finish."""
    start = time.monotonic()
    st = _State(_first_scenarios(domain, options.seed))
    pool = make_executor(options.executor, options.workers, options.ray_address)
    try:
        stop = ("rounds exhausted", f"{options.max_rounds} round(s) run, the most --rounds allows")
        for r in range(options.max_rounds):
            stop = _round(domain, options, user_plans, st, r, start, pool, progress)
            if stop is not None:
                break
        else:
            stop = ("rounds exhausted", f"{options.max_rounds} round(s) run, the most --rounds allows")
    finally:
        pool.close()
    why, detail = stop
    return PlanResult(st.best, tuple(st.rounds), st.upper, time.monotonic() - start, why, st.truncated,
                      stop_detail=detail, upper_note=_upper_note(st, why), scenarios=tuple(st.scenarios))


def _round(domain, options: PlanOptions, user_plans, st: _State, r: int, start: float, pool, progress):
    """One round; the (stop reason, detail) that ends the run, or None to go on."""
    left = options.time_limit - (time.monotonic() - start)
    if left < MIN_ROUND_S:
        return "time limit", f"{max(0.0, left):.1f}s left, too little to start round {r + 1}"
    deadline = time.monotonic() + GRAPH_SHARE * left
    progress(Progress(f"round {r + 1}: graph search", 0, None, f"{len(st.scenarios)} scenario(s)"))
    sg = build(domain, tuple(st.scenarios), options.beam, deadline)
    if sg is None:
        return "time limit", (f"round {r + 1}'s graph search over {len(st.scenarios)} scenarios did not "
                              f"finish in the {GRAPH_SHARE * left:.1f}s it may use (half the time left)")
    st.truncated |= sg.truncated
    st.rounded |= sg.rounded
    ranked = top_plans(sg, options.candidates + len(st.tried))
    _tighten_upper(domain, options, st, sg, ranked, deadline)
    if ranked.exhaustive and not ranked.plans or st.upper == NO_PLAN:
        st.upper = None
        st.rounds.append(Round(r, len(st.scenarios), sg.graph.number_of_nodes(), ranked.exhaustive, None, ()))
        return "no robust plan", (f"the graph search over every plan was exhaustive and each plan fails "
                                  f"in at least one of the {len(st.scenarios)} scenarios of the set")
    todo = _todo(ranked.plans, user_plans, st.tried, options.candidates)
    left = options.time_limit - (time.monotonic() - start)
    if not todo:
        st.rounds.append(Round(r, len(st.scenarios), sg.graph.number_of_nodes(), ranked.exhaustive, st.upper, ()))
        if _bounds_met(options, st):
            return _bounds_met(options, st)
        if not ranked.plans:
            return "no candidate", ("no plan valid in every scenario of the set survived the beam "
                                    "(the graph search was not exhaustive, so none may still exist)")
        return "no new scenario", "every plan valid in the scenario set was already proved"
    beat = st.best.result.lower_bound if st.best else None
    reports = _prove_all(domain, todo, options, left, r, pool, progress, beat)
    st.best = _better(st.best, reports)
    closing = _close_gap(domain, options, st, r, start)
    if closing is not None:
        reports, st.best = reports + (closing,), closing
    st.rounds.append(Round(r, len(st.scenarios), sg.graph.number_of_nodes(), ranked.exhaustive, st.upper, reports))
    st.tried |= {rep.plan for rep in reports}
    return _after_proofs(domain, options, st, todo, reports, start)


CLOSE_GAP_SHARE = 0.1     # of the time limit, at most, for proving R >= U directly
# A candidate's proof gets at least this much (when the round has it), even if the later ones
# then start late or not at all: a proof's first node (the root's relaxations) takes seconds,
# and a budget below that is spent for nothing. Proofs that close return the rest: the
# fishery's round-2 candidates were unknown with 7 s each and proved to 1% in 4.3 s of 30.
MIN_CANDIDATE_S = 15.0


def _close_gap(domain, options: PlanOptions, st: _State, r: int, start: float) -> CandidateReport | None:
    """When the best plan's worst found is at least U, the tightest search stopped within the gap
    of it but short of U itself: prove `R >= U` directly, which makes L = U (robustly optimal)."""
    best, upper = st.best, st.upper
    if best is None or upper is None or best.result.lower_bound >= upper:
        return None
    worst = best.result.worst_found
    left = options.time_limit - (time.monotonic() - start)
    if worst is None or worst.outcome.reward < upper or left < MIN_ROUND_S:
        return None
    # a bet on an exact bound: nonlinear searches rarely close at an attained minimum, so it
    # gets a tenth of the limit at most (battery spent 18 s of 22 on it and did not close)
    res = _prove_bound(domain, best.plan, upper, options, min(left / 2, options.time_limit * CLOSE_GAP_SHARE))
    return CandidateReport(best.plan, best.min_over_set, res, r) if res.verdict == "proved" else None


def _prove_bound(domain, plan: Plan, bound: Fraction, options: PlanOptions, seconds: float) -> VerifyResult:
    """`R >= bound` at the worst found itself: interval leaves rarely close exactly at a minimum
    that is attained, Z3 decides piecewise-linear goals outright; nonlinear ones go to the search."""
    from prover.calculus.unroll import is_linear, unroll
    u = unroll(domain, plan)
    if is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes]):
        from prover.search.verify_z3 import verify_z3
        return verify_z3(domain, plan, bound, seconds, options.gap)
    return verify_search(domain, plan, bound, options.strategy, Budget(options.node_budget, seconds, options.gap),
                         seed=options.seed, policy=(options.policy or PolicySpec(options.strategy)).make())


def _bounds_met(options: PlanOptions, st: _State):
    """("bound proved" | "gap reached", detail) when L has met U or come within the gap, else None."""
    if st.best is None or st.upper is None:
        return None
    lower = st.best.result.lower_bound
    if lower >= st.upper:
        return "bound proved", "the certified bound equals the upper bound: the selected plan is robustly optimal"
    if st.upper - lower <= options.gap * abs(st.upper):
        return "gap reached", f"the certified bound is within the gap ({options.gap}) of the upper bound"
    return None


def _after_proofs(domain, options: PlanOptions, st: _State, todo, reports, start: float):
    """Stop when L meets U (or comes within the gap), when the time is spent or nothing new was found."""
    if _bounds_met(options, st):
        return _bounds_met(options, st)
    if len(reports) < len(todo):
        return "time limit", f"{len(todo) - len(reports)} of {len(todo)} candidates were not started"
    if time.monotonic() - start >= options.time_limit:
        return "time limit", "the time limit was reached while proving candidates"
    new = _new_scenarios(domain, reports, st.scenarios)
    if not new:
        return "no new scenario", "the proofs found no scenario that is not already in the set"
    st.scenarios.extend(new)
    return None


def _tighten_upper(domain, options: PlanOptions, st: _State, sg, ranked: Candidates, deadline: float) -> None:
    """U: the best minimum over the set when the search was exhaustive, else the lowest optimum
    of a single scenario of the set (any plan's worst case is at most its return in each)."""
    if ranked.exhaustive and ranked.plans:
        value = ranked.plans[0].value
    elif sg.truncated and not sg.rounded:     # a rounded graph's single scenarios would be rounded too
        value = _single_scenario_bound(domain, options, st, deadline)
    else:
        value = None
    if value == NO_PLAN:
        st.upper = NO_PLAN
    elif value is not None:
        st.upper = value if st.upper is None else min(st.upper, value)


def _single_scenario_bound(domain, options: PlanOptions, st: _State, deadline: float):
    """min over the set of each scenario's own optimum (exact graphs only); NO_PLAN when some
    scenario admits no valid plan at all; None when no scenario's graph fits in the beam."""
    values = []
    for i, s in enumerate(st.scenarios):
        if i not in st.single:
            if time.monotonic() > deadline:
                break
            value = scenario_optimum(domain, s, options.beam, deadline)
            if value is None and time.monotonic() > deadline:
                break               # cut by the deadline, not by the beam: try again next round
            st.single[i] = value
        if st.single[i] == NO_PLAN:
            return NO_PLAN
        if st.single[i] is not None:
            values.append(st.single[i])
    return min(values, default=None)


def _upper_note(st: _State, why: str) -> str:
    """Why U is not exact, and how far it could still move."""
    if why in ("bound proved", "no robust plan"):
        return ""
    if st.upper is None:
        cause = ("the beam truncated the graph" if st.truncated else "no round's graph search was exhaustive") + \
            (" (its layers were in rounded arithmetic: the exact numbers grew too long)" if st.rounded else "")
        return f"no upper bound: {cause} and no single scenario's optimum was exact"
    if st.best is None:
        return f"U = {st.upper} may be loose: no plan was certified, so the optimum is only known to be at most U"
    room = st.upper - st.best.result.lower_bound
    cause = {"rounds exhausted": "the rounds ran out", "time limit": "the time ran out",
             "gap reached": "the gap was reached",
             "no new scenario": "the proofs of the top plans stopped short of their worst cases"}.get(why, why)
    beam = "; the beam truncated the graph, so U comes from single scenarios" if st.truncated else ""
    return f"U is not exact ({cause}{beam}): the robust optimum lies in [L, U], so U could fall by up to {room}"


def _todo(ranked: tuple[Candidate, ...], user_plans, tried: set, k: int) -> list[tuple[Plan, Fraction | None]]:
    """The k best ranked plans not tried in an earlier round, then the user's untried plans."""
    out = [(c.plan, c.value) for c in ranked if c.plan not in tried][:k]
    seen = {p for p, _ in out} | tried
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
        share = SCHEDULE.planner_round * left
        per = Budget(options.node_budget, max(share / chunks_left, min(share, MIN_CANDIDATE_S)), options.gap)
        chunk = todo[i:i + workers]
        spec = options.policy or PolicySpec(options.strategy)
        jobs = [VerifyJob.of(domain, plan, None, spec, per, seed=options.seed, stop_at_or_below=beat)
                for plan, _ in chunk]
        results = pool.map(run_verify, jobs)
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


def _new_scenarios(domain, reports, known: list[Scenario]) -> list[Scenario]:
    """The proofs' counterexamples and worst cases not in the set, and for each counterexample
    the most violating corner near it (`planner.sharpen`), which rules out more plans at once."""
    from planner.sharpen import sharpened
    out = []
    for rep in reports:
        cex = rep.result.counterexample
        sharp = sharpened(domain, rep.plan, cex.scenario) if cex is not None else None
        for s in (cex and cex.scenario, sharp, rep.result.worst_found and rep.result.worst_found.scenario):
            if s is not None and s not in known and s not in out:
                out.append(s)
    return out
