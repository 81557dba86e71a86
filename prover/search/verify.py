"""Verification of one plan by proof search: validity first, then the reward bound.

`verify_search` runs the hand (or learned) policies: a worst-found exploration, the validity
search, then the reward search with `--bound` or `--tightest`. Its result says `proved` only
when both searches closed (for `--tightest`: validity closed and a finite bound certified),
and `refuted` only with a counterexample the exact interpreter replayed.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction

from dsl.errors import InputError
from dsl.exact import approx
from dsl.model import Domain, Plan
from prover.calculus.certificate import tree_json
from prover.search.certify import checked_certificate
from prover.calculus.objective import Claim, Objective, Tightest, Validity, reward_objective
from prover.check.checker import CheckUnfinished
from prover.search.cut_search import CutResult, cut_search
from prover.bounds.evaluation import GoalEvaluator
from prover.bounds.lp_leaf import LpBounder
from prover.policy.registry import Strategy, resolve
from prover.policy.spec import PolicySpec
from prover.calculus.progress import Progress, Reporter, silent
from prover.search.allowance import SCHEDULE, Allowance, Budget
from prover.search.loop import Search, SearchResult
from prover.search.problem import Problem, SmtTactic
from prover.calculus.outcome import Outcome
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import is_linear, unroll
from prover.search.worst import Witness, WorstTracker, explore


@dataclass(frozen=True)
class VerifyResult:
    verdict: Outcome                      # PROVED, REFUTED or UNKNOWN (their words in JSON)
    plan: Plan
    bound: Fraction | None                # None for --tightest
    lower_bound: Fraction | None          # certified; None if none
    worst_found: Witness | None
    counterexample: Witness | None
    nodes: int
    smt_calls: int
    time_s: float
    strategy: str
    certificate: dict | None = None
    note: str = ""
    stop_reason: str = ""                 # why the run ended: one of STOP_REASONS
    searches: tuple = field(default=(), repr=False, compare=False)    # the SearchResults, for tests
    policy_stats: dict | None = field(default=None, compare=False)     # learned: checkpoint, inference time, forwards


# Why a verification ended (docs/verdicts.md defines each word).
STOP_REASONS = ("bound proved", "gap reached", "refuted", "dominated", "node budget", "time limit",
                "search exhausted", "solver unknown", "irrational model")

SMT_SECONDS = 0.5       # time limit of one SMT tactic call (at most 5% of the budget)
CHECK_MARGIN_S = 0.5    # the certificate's check is planned to end this long before the time limit
NONLINEAR_SMT_CALLS = 0 # per search. Z3 rarely closes nonlinear boxes within a short limit; on the
                        # nonlinear bench goals one call per search cost 2 proofs and 4x the median
                        # nodes against none (docs/benchmarks.md)


def smt_tactic(u, seconds: float = SMT_SECONDS):
    """The `smt` tactic for the search: (box, claim) → z3_backend.SmtAnswer. The plan is
    compiled to Z3 on the first call (nonlinear searches may make none: 0.17 s saved on drone)."""
    from prover.backends import z3_backend as zb
    compiler = []

    def call(box, claim: Claim):
        if not compiler:
            compiler.append(zb.Compiler(u))
        return zb.check(u, box, claim, seconds, compiler[0])
    return call


def verify_search(domain: Domain, plan: Plan, bound: Fraction | None, strategy: str | Strategy,
                  budget: Budget, seed: int = 0, smt: bool | None = None,
                  stop_at_or_below: Fraction | None = None, policy=None,
                  use_lp: bool | None = None, progress: Reporter = silent,
                  use_fbbt: bool | None = None) -> VerifyResult:
    """Prove `valid(π) ∧ R(π) ≥ bound` (bound None: the tightest bound within budget).
    `strategy`: a registry name (prover.policy.registry) or entry; its flags decide SMT calls,
    `lp` leaves, `fbbt` steps and horizon cuts (`smt`/`use_lp`/`use_fbbt` not None override the
    first three).
    `stop_at_or_below`: give up as soon as a replayed scenario earns no more than this (the
    planner's best certified bound so far: such a plan cannot be selected).
    `policy`: a ready Policy object to search with instead of the strategy's default (training
    searches with the network it is training). `progress` hears of the searches' nodes and of
    the certificate check."""
    # The policy first: loading a network (torch, the checkpoint) is set-up, not proof search,
    # and must not eat the search's time limit.
    entry = resolve(strategy)
    policy = entry.make(PolicySpec(entry.name)) if policy is None else policy
    run = Verification(domain, plan, entry, policy, budget, seed, smt, (use_lp, use_fbbt), stop_at_or_below, progress)
    # Cuts are for long nonlinear unrollings, where interval dependency grows with the horizon;
    # on piecewise-linear goals Z3 closes what splitting leaves open.
    cuts = entry.cuts and domain.horizon >= MIN_CUT_HORIZON and not run.linear
    valid = run.prove_validity(cuts)
    run.check_before = valid.check_s if isinstance(valid, SearchResult) else 0.0
    target = reward_objective(bound, budget.gap)
    reward = run.prove_reward(target, cuts) if valid.status is Outcome.PROVED else None
    valid, reward = _spend_the_rest(run, valid, reward, target)
    result = _combine(run, target, valid, reward)
    stats = getattr(policy, "stats", None)
    return result if stats is None else replace(result, policy_stats=dict(stats))


class Verification:
    """One `verify_search` run: the plan's problem, its tactics, and the searches run so far
    (`parts`, in order) with the allowance each plain search ran under (`limits`)."""

    def __init__(self, domain: Domain, plan: Plan, entry: Strategy, policy, budget: Budget, seed: int,
                 smt: bool | None, uses: tuple, stop_at_or_below, progress: Reporter):
        self.start = time.monotonic()
        self.u = u = unroll(domain, plan)
        self.strategy, self.policy, self.budget = entry.name, policy, budget
        self.stop, self.progress = stop_at_or_below, progress
        ev = GoalEvaluator(u)
        self.tracker = WorstTracker(u, ev)
        explore(self.tracker, seed=seed)
        use_smt = entry.uses_smt if smt is None else smt
        self.linear = is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes])
        # Z3 decides piecewise-linear goals fast; on nonlinear ones it mostly times out, so ask briefly.
        per_call = min(SMT_SECONDS if self.linear else SMT_SECONDS / 10, budget.seconds / 20)
        self.smt_left = math.inf if self.linear else NONLINEAR_SMT_CALLS
        self.tactic = SmtTactic(smt_tactic(u, per_call), self.smt_left) if use_smt else None
        self.factory = (lambda p: smt_tactic(p, per_call)) if use_smt else None
        use_lp, use_fbbt = uses          # (None: as the strategy says)
        lp = LpBounder(u) if (entry.uses_lp if use_lp is None else use_lp) else None
        fbbt = entry.uses_fbbt if use_fbbt is None else use_fbbt
        self.problem = Problem(u, ev, Sensitivity(u), self.tracker, lp, fbbt=fbbt)
        # The searches get SCHEDULE.search of the time: the independent check of the certificate follows.
        # The searches stop early where checking their trees would overrun the time limit.
        self.total = Allowance(budget.nodes, self.start + SCHEDULE.search * budget.seconds,
                               self.start + budget.seconds - CHECK_MARGIN_S)
        self.check_before = 0.0         # estimated check time of the proved validity tree (reward searches)
        self.parts: list = []
        self.limits: dict = {}          # id(search result) → the Allowance it ran under

    @property
    def spent(self) -> int:
        return sum(p.nodes for p in self.parts)

    def search(self, objective: Objective, share: float = 1.0, time_share: float | None = None) -> SearchResult:
        """A plain search with `share` of the nodes left (and `time_share` of the time left)."""
        before = self.check_before if objective.bounds_reward else 0.0
        left = self.total.share(share, self.spent, time_share, before)
        result = Search(self.problem, objective, self.policy, left, self.tactic, stop_at_or_below=self.stop,
                        progress=self.progress).run()
        self.limits[id(result)] = left
        self.parts.append(result)
        return result

    def prove_validity(self, cuts: bool) -> SearchResult:
        """The plain validity search, then (with `cuts`) cuts at H/2, H/4, 3H/4 while it stalls."""
        plain = self.search(Validity(), SCHEDULE.valid_plain_nodes if cuts else 1.0,
                            SCHEDULE.valid_plain_time if cuts else 1.0)
        if plain.status is Outcome.PROVED and all(l.infeasible for l in plain.root.leaves()):
            raise InputError(f"{self.u.domain.filename}: no admissible scenario: the assumes exclude the whole "
                             f"uncertainty box, so every claim would hold vacuously")
        if not cuts:
            return plain
        H = self.u.domain.horizon
        valid = self.try_cuts(Validity(), plain, tuple(dict.fromkeys((H // 2, max(1, H // 4), 3 * H // 4))),
                              SCHEDULE.valid_with_cuts)
        if valid.status is not Outcome.PROVED:
            # The reward search needs validity first: what was kept for it goes to one more cut.
            valid = self.try_cuts(Validity(), plain, (H // 2,), 1.0)
        return valid

    def prove_reward(self, target: Objective, cuts: bool):
        """The plain reward search, then (with `cuts`) cuts at H/4 and H/2 while it stalls."""
        plain = self.search(target, SCHEDULE.reward_plain if cuts else 1.0)
        H = self.u.domain.horizon
        return self.try_cuts(target, plain, sorted({max(1, H // 4), H // 2}), 1.0) if cuts else plain

    def try_cuts(self, objective: Objective, plain: SearchResult, positions, share_of_budget: float):
        """Cut attempts at `positions` while the claim stays unproved, each with an equal share of
        what is left of `share_of_budget` of the budget; the best proof found (or `plain`)."""
        best, budget = plain, self.budget
        for i, k in enumerate(positions):
            if not _worth_a_cut(best, objective, self.tracker):
                break
            used = time.monotonic() - self.start
            share = 1.0 / (len(positions) - i)
            nodes_left = share_of_budget * budget.nodes - self.spent
            seconds = share * (share_of_budget * SCHEDULE.search * budget.seconds - used)
            if share * nodes_left < MIN_CUT_NODES:
                continue                # no room for the pieces' searches within the node budget
            left = Allowance.within(int(share * nodes_left), seconds, self.total.check_by,
                                    self.check_before if objective.bounds_reward else 0.0)
            cut = cut_search(self.u, self.policy, plain.root, objective, left, self.factory, k, self.smt_left,
                             budget.gap)
            self.parts.append(cut)
            if cut.status is Outcome.PROVED and (best.status is not Outcome.PROVED or
                                                (objective.bounds_reward and cut.lower_bound > best.lower_bound)):
                best = cut
        return best


def _spend_the_rest(run: Verification, valid, reward, target: Objective):
    """The staged searches keep shares of the budget for each other; when a claim is still open
    and what is left is clearly more than its plain search had, search it once more with all of it."""
    parts, budget, tracker = run.parts, run.budget, run.tracker
    validity_open = valid.status is not Outcome.PROVED
    wanted, last = (Validity(), valid) if validity_open else (target, reward)
    if last is None or (last.status is Outcome.PROVED and not (
            isinstance(wanted, Tightest) and tracker.value is not None
            and wanted.short_of_gap(last.lower_bound, tracker.value))):
        return valid, reward
    if last.counterexample is not None or any(p.dominated for p in parts):
        return valid, reward
    plains = [p for p in parts if id(p) in run.limits and p.objective == wanted]
    biggest = max(plains, key=lambda p: p.nodes, default=None)
    used_s = time.monotonic() - run.start
    nodes_left, seconds_left = budget.nodes - run.spent, SCHEDULE.search * budget.seconds - used_s
    gain = SCHEDULE.rerun_gain
    if biggest is None or nodes_left < gain * biggest.nodes or seconds_left < gain * biggest.time_s:
        return valid, reward
    again = run.search(wanted)
    if validity_open:
        return (again, reward) if again.status is Outcome.PROVED or again.counterexample else (valid, reward)
    better = again.status is Outcome.PROVED and (last.status is not Outcome.PROVED or again.lower_bound > last.lower_bound)
    return valid, (again if better or again.counterexample else reward)


MIN_CUT_HORIZON = 4     # shorter plans gain nothing from splitting the horizon
MIN_CUT_NODES = 8       # a cut runs two or three searches: below this it cannot prove anything


def _worth_a_cut(result, objective: Objective, tracker: WorstTracker) -> bool:
    """The search stalled: validity or a bound it did not prove (and did not refute), or a
    tightest bound still further than the gap from the worst found."""
    if result.counterexample is not None or result.dominated:
        return False
    if not isinstance(objective, Tightest):
        return result.status is not Outcome.PROVED
    if result.lower_bound is None or tracker.value is None:
        return True
    return objective.short_of_gap(result.lower_bound, tracker.value)


def _stop_reason(result, limits: dict, nodes: int, elapsed: float, budget: Budget) -> str:
    """Which limit ended an open search: the node budget, the time, or nothing left to split
    (the whole budget's first, then the share the open search ran under)."""
    if nodes + 2 > budget.nodes:
        return "node budget"
    if elapsed >= SCHEDULE.search * budget.seconds:
        return "time limit"
    left = limits.get(id(result))
    if left is None:                                    # a cut: its pieces ran out of their shares
        return "time limit"
    if result.nodes + 2 > left.nodes:
        return "node budget"
    return "time limit" if result.out_of_time else "search exhausted"


def _combine(run: Verification, target: Objective, valid: SearchResult, reward: SearchResult | None) -> VerifyResult:
    """The verdict of the searches: refuted by a replayed counterexample, unknown while a claim
    is open (or the plan is dominated), else proved once the checker accepts the certificate."""
    parts, tracker, budget = run.parts, run.tracker, run.budget
    bound, plan = target.bound, run.u.plan
    nodes, smt_calls = run.spent, sum(p.smt_calls for p in parts)
    elapsed = time.monotonic() - run.start
    cex = valid.counterexample or (reward.counterexample if reward else None) or tracker.invalid
    if cex is None and tracker.lowest and target.refutes(tracker.lowest.outcome):
        cex = tracker.lowest
    if cex is not None:
        # An invalid plan has no worst-case reward: a reward seen in some valid scenario would mislead.
        worst = None if cex.outcome.violation else tracker.lowest
        return VerifyResult(Outcome.REFUTED, plan, bound, None, worst, cex, nodes, smt_calls, elapsed, run.strategy,
                            stop_reason="refuted", searches=tuple(parts))
    lower = reward.lower_bound if reward and reward.status is Outcome.PROVED else None
    if lower is None or any(p.dominated for p in parts):
        open_search = valid if valid.status is not Outcome.PROVED else reward
        why = _stop_reason(open_search, run.limits, nodes, elapsed, budget)
        what = "validity" if valid.status is not Outcome.PROVED else "bound"
        note = f"{what} not proved within budget ({why}{_spent(nodes, elapsed, budget)})"
        if any(p.dominated for p in parts):
            note, lower, why = "dominated: a scenario earns no more than the best certified bound", None, "dominated"
        return VerifyResult(Outcome.UNKNOWN, plan, bound, None, tracker.lowest, None, nodes, smt_calls, elapsed,
                            run.strategy, note=note, stop_reason=why, searches=tuple(parts))
    return _certified(run, target, valid, reward, lower, elapsed)


def _certified(run: Verification, target: Objective, valid, reward, lower: Fraction, elapsed: float) -> VerifyResult:
    """Proved, with the certificate the independent checker accepted (unknown if it ran out of time)."""
    parts, tracker, budget, u = run.parts, run.tracker, run.budget, run.u
    nodes, smt_calls = run.spent, sum(p.smt_calls for p in parts)
    note = _gap_note(target, lower, tracker.value)
    why = "bound proved" if target.bound is not None else "gap reached"
    if note:
        why = _stop_reason(reward, run.limits, nodes, elapsed, budget)
        note = f"{note} ({why}{_spent(nodes, elapsed, budget)})"
    stats = {"nodes": nodes, "smt_calls": smt_calls}
    run.progress(Progress("checking the certificate", 0, None))
    try:
        cert = checked_certificate(u.domain, u.plan, lower, _tree(valid, u), _tree(reward, u), run.strategy, stats,
                                   deadline=run.start + budget.seconds)
    except CheckUnfinished as exc:              # unconfirmed is unknown, never proved
        return VerifyResult(Outcome.UNKNOWN, u.plan, target.bound, None, tracker.lowest, None, nodes, smt_calls,
                            time.monotonic() - run.start, run.strategy, note=str(exc), stop_reason="time limit",
                            searches=tuple(parts))
    elapsed = time.monotonic() - run.start      # the independent check is part of the time reported
    return VerifyResult(Outcome.PROVED, u.plan, target.bound, lower, tracker.lowest, None, nodes, smt_calls, elapsed,
                        run.strategy, cert, note, stop_reason=why, searches=tuple(parts))


def _spent(nodes: int, elapsed: float, budget: Budget) -> str:
    return (f": {nodes} of {budget.nodes} nodes, searched {elapsed:.1f}s of the {budget.seconds:g}s limit; the "
            f"search stops at {SCHEDULE.search:.0%} of it, or earlier where checking its certificate would "
            f"not finish within the limit")


def _gap_note(target: Objective, lower: Fraction, worst: Fraction | None) -> str:
    """For --tightest: say so when the certified bound stopped short of the requested gap."""
    if not isinstance(target, Tightest) or worst is None or not target.short_of_gap(lower, worst):
        return ""
    rel = approx((worst - lower) / abs(worst), 3) if worst else "infinite"
    return (f"gap not reached within budget: the worst found is {approx(worst - lower)} above the "
            f"certified bound (relative gap {rel}, asked {approx(target.gap, 3)})")



def _tree(result, u) -> dict:
    """The certificate's proof tree of one claim: a search's tree, or a cut over its children's."""
    return result.tree() if isinstance(result, CutResult) else tree_json(result.root, u)
