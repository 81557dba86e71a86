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
from prover.calculus.certificate import checked_certificate, tree_json
from prover.check.checker import CheckUnfinished
from prover.search.cut_search import CutResult, cut_search
from prover.bounds.evaluation import GoalEvaluator
from prover.bounds.lp_leaf import LpBounder
from prover.policy.base import Context
from prover.policy.registry import Strategy, resolve
from prover.policy.spec import PolicySpec
from prover.calculus.progress import Progress, Reporter, silent
from prover.search.loop import Budget, Search, SearchResult
from prover.search.tree import Status
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import is_linear, unroll
from prover.search.worst import Witness, WorstTracker, explore


@dataclass(frozen=True)
class VerifyResult:
    verdict: str                          # "proved" | "refuted" | "unknown"
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

SEARCH_SHARE = 0.7      # of --time-limit; the rest is for checking the certificate
SMT_SECONDS = 0.5       # time limit of one SMT tactic call (at most 5% of the budget)
NONLINEAR_SMT_CALLS = 0 # per search. Z3 rarely closes nonlinear boxes within a short limit; on the
                        # nonlinear bench goals one call per search cost 2 proofs and 4x the median
                        # nodes against none (docs/benchmarks.md)


def smt_tactic(u, seconds: float = SMT_SECONDS):
    """The `smt` tactic for the search: (box, kind, target) → z3_backend.SmtAnswer. The plan is
    compiled to Z3 on the first call (nonlinear searches may make none: 0.17 s saved on drone)."""
    from prover.backends import z3_backend as zb
    from prover.calculus.goals import Claim
    compiler = []

    def call(box, kind: str, target):
        if not compiler:
            compiler.append(zb.Compiler(u))
        claim = Claim("valid") if kind == "valid" else Claim("reward", target)
        return zb.check(u, box, claim, seconds, compiler[0])
    return call


def verify_search(domain: Domain, plan: Plan, bound: Fraction | None, strategy: str | Strategy,
                  budget: Budget, seed: int = 0, smt: bool | None = None,
                  stop_at_or_below: Fraction | None = None, policy=None,
                  use_lp: bool | None = None, progress: Reporter = silent) -> VerifyResult:
    """Prove `valid(π) ∧ R(π) ≥ bound` (bound None: the tightest bound within budget).
    `strategy`: a registry name (prover.policy.registry) or entry; its flags decide SMT calls,
    `lp` leaves and horizon cuts (`smt`/`use_lp` not None override the first two).
    `stop_at_or_below`: give up as soon as a replayed scenario earns no more than this (the
    planner's best certified bound so far: such a plan cannot be selected).
    `policy`: a ready Policy object to search with instead of the strategy's default (training
    searches with the network it is training). `progress` hears of the searches' nodes and of
    the certificate check."""
    # The policy first: loading a network (torch, the checkpoint) is set-up, not proof search,
    # and must not eat the search's time limit.
    entry = resolve(strategy)
    policy = entry.make(PolicySpec(entry.name)) if policy is None else policy
    start = time.monotonic()
    u = unroll(domain, plan)
    ev = GoalEvaluator(u)
    tracker = WorstTracker(u, ev)
    explore(tracker, seed=seed)
    sens = Sensitivity(u)
    use_smt = entry.uses_smt if smt is None else smt
    linear = is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes])
    # Z3 decides piecewise-linear goals fast; on nonlinear ones it mostly times out, so ask briefly.
    per_call = min(SMT_SECONDS if linear else SMT_SECONDS / 10, budget.seconds / 20)
    tactic = smt_tactic(u, per_call) if use_smt else None
    smt_left = math.inf if linear else NONLINEAR_SMT_CALLS
    lp = LpBounder(u) if (entry.uses_lp if use_lp is None else use_lp) else None

    def search(kind: str, b, spent_nodes: int, spent_s: float, share: float = 1.0,
               time_share: float | None = None) -> SearchResult:
        # The searches get 70% of the time: the independent check of the certificate follows.
        seconds = (share if time_share is None else time_share) * (SEARCH_SHARE * budget.seconds - spent_s)
        left = Budget(max(1, int(share * (budget.nodes - spent_nodes))), max(0.0, seconds), budget.gap)
        ctx = Context(u.variables, ev, sens, kind, None, smt=use_smt, smt_left=smt_left)
        result = Search(ev, tracker, policy, ctx, kind, b, left, tactic, stop_at_or_below, lp, progress).run()
        limits[id(result)] = left
        return result

    limits: dict = {}           # id(search result) → the Budget it ran under

    # Cuts are for long nonlinear unrollings, where interval dependency grows with the horizon;
    # on piecewise-linear goals Z3 closes what splitting leaves open.
    cuts = entry.cuts and domain.horizon >= MIN_CUT_HORIZON and not linear
    factory = (lambda p: smt_tactic(p, per_call)) if use_smt else None
    valid = plain = search("valid", None, 0, time.monotonic() - start, VALID_PLAIN_SHARE if cuts else 1.0,
                           VALID_PLAIN_TIME if cuts else 1.0)
    if valid.status is Status.PROVED and all(l.closed_by == "infeasible" for l in valid.root.leaves()):
        raise InputError(f"{domain.filename}: no admissible scenario: the assumes exclude the whole "
                         f"uncertainty box, so every claim would hold vacuously")
    parts = [valid]

    def try_cuts(kind: str, b, plain: SearchResult, positions, share_of_budget: float):
        """Cut attempts at `positions` while the claim stays unproved, each with an equal share of
        what is left of `share_of_budget` of the budget; the best proof found (or `plain`)."""
        best = plain
        for i, k in enumerate(positions):
            if not _worth_a_cut(best, kind, tracker, b, budget):
                break
            spent, used = sum(p.nodes for p in parts), time.monotonic() - start
            share = 1.0 / (len(positions) - i)
            nodes_left = share_of_budget * budget.nodes - spent
            seconds = share * (share_of_budget * SEARCH_SHARE * budget.seconds - used)
            if share * nodes_left < MIN_CUT_NODES:
                continue                # no room for the pieces' searches within the node budget
            left = Budget(int(share * nodes_left), max(0.0, seconds), budget.gap)
            cut = cut_search(u, policy, plain.root, b, left, factory, k, smt_left, kind)
            parts.append(cut)
            if cut.status is Status.PROVED and (best.status is not Status.PROVED or
                                                (kind == "reward" and cut.lower_bound > best.lower_bound)):
                best = cut
        return best

    H = domain.horizon
    if cuts:
        valid = try_cuts("valid", None, plain, tuple(dict.fromkeys((H // 2, max(1, H // 4), 3 * H // 4))),
                         VALID_SHARE)
        if valid.status is not Status.PROVED:
            # The reward search needs validity first: what was kept for it goes to one more cut.
            valid = try_cuts("valid", None, plain, (H // 2,), 1.0)
    reward = None
    if valid.status is Status.PROVED:
        plain = search("reward", bound, sum(p.nodes for p in parts), time.monotonic() - start,
                       PLAIN_SHARE if cuts else 1.0)
        parts.append(plain)
        reward = try_cuts("reward", bound, plain, sorted({max(1, H // 4), H // 2}), 1.0) if cuts else plain
    valid, reward = _spend_the_rest(search, valid, reward, bound, parts, limits, budget, start, tracker)
    result = _combine(u, bound, entry.name, valid, reward, tracker, parts, start, budget, limits, progress)
    stats = getattr(policy, "stats", None)
    return result if stats is None else replace(result, policy_stats=dict(stats))


RERUN_GAIN = 6 / 5      # a last search over what the stages left runs only with this much more room


def _spend_the_rest(search, valid, reward, bound, parts, limits, budget: Budget, start, tracker):
    """The staged searches keep shares of the budget for each other; when a claim is still open
    and what is left is clearly more than its plain search had, search it once more with all of it."""
    open_kind = "valid" if valid.status is not Status.PROVED else "reward"
    last = valid if open_kind == "valid" else reward
    if last is None or (last.status is Status.PROVED and not (
            bound is None and tracker.value is not None and _short_of_gap(last.lower_bound, tracker.value, budget.gap))):
        return valid, reward
    if last.counterexample is not None or any(p.dominated for p in parts):
        return valid, reward
    plains = [p for p in parts if id(p) in limits and p.claim.kind == open_kind]
    biggest = max(plains, key=lambda p: p.nodes, default=None)
    used_s = time.monotonic() - start
    nodes_left, seconds_left = budget.nodes - sum(p.nodes for p in parts), SEARCH_SHARE * budget.seconds - used_s
    if biggest is None or nodes_left < RERUN_GAIN * biggest.nodes or seconds_left < RERUN_GAIN * biggest.time_s:
        return valid, reward
    again = search(open_kind, bound, sum(p.nodes for p in parts), used_s)
    parts.append(again)
    if open_kind == "valid":
        return (again, reward) if again.status is Status.PROVED or again.counterexample else (valid, reward)
    better = again.status is Status.PROVED and (last.status is not Status.PROVED or again.lower_bound > last.lower_bound)
    return valid, (again if better or again.counterexample else reward)


MIN_CUT_HORIZON = 4     # shorter plans gain nothing from splitting the horizon
MIN_CUT_NODES = 8       # a cut runs two or three searches: below this it cannot prove anything
VALID_PLAIN_SHARE = 0.2 # of the node budget, for the plain validity search when cuts may follow ...
VALID_PLAIN_TIME = 0.4  # ... and of the time: its mean-value forms cost more per node than cuts
VALID_SHARE = 0.6       # of the budget, for the validity claim with its cuts (at H/2, H/4, 3H/4)
PLAIN_SHARE = 0.85      # of the reward search's budget, before cuts are tried (H/4, then H/2): with
                        # mean-value leaves the plain search rarely needs them (docs/benchmarks.md)


def _worth_a_cut(result, kind: str, tracker: WorstTracker, bound, budget: Budget) -> bool:
    """The search stalled: validity or a bound it did not prove (and did not refute), or a
    tightest bound still further than the gap from the worst found."""
    if result.counterexample is not None or result.dominated:
        return False
    if bound is not None or kind == "valid":
        return result.status is not Status.PROVED
    if result.lower_bound is None or tracker.value is None:
        return True
    return _short_of_gap(result.lower_bound, tracker.value, budget.gap)


def _short_of_gap(lower: Fraction, worst: Fraction, gap: Fraction) -> bool:
    """The certified bound is further than `gap` (relative) below the worst found."""
    return worst - lower > gap * abs(worst)


def _stop_reason(result, limits: dict, nodes: int, elapsed: float, budget: Budget) -> str:
    """Which limit ended an open search: the node budget, the time, or nothing left to split
    (the whole budget's first, then the share the open search ran under)."""
    if nodes + 2 > budget.nodes:
        return "node budget"
    if elapsed >= SEARCH_SHARE * budget.seconds:
        return "time limit"
    left = limits.get(id(result))
    if left is None:                                    # a cut: its pieces ran out of their shares
        return "time limit"
    if result.nodes + 2 > left.nodes:
        return "node budget"
    return "time limit" if result.time_s >= left.seconds else "search exhausted"


def _combine(u, bound, strategy, valid: SearchResult, reward: SearchResult | None,
             tracker: WorstTracker, parts, start, budget: Budget, limits: dict,
             progress: Reporter = silent) -> VerifyResult:
    gap = budget.gap
    plan = u.plan
    nodes, smt_calls = sum(p.nodes for p in parts), sum(p.smt_calls for p in parts)
    elapsed = time.monotonic() - start
    cex = valid.counterexample or (reward.counterexample if reward else None) or tracker.invalid
    if cex is None and bound is not None and tracker.lowest and tracker.value < bound:
        cex = tracker.lowest
    if cex is not None:
        # An invalid plan has no worst-case reward: a reward seen in some valid scenario would mislead.
        worst = None if cex.outcome.violation else tracker.lowest
        return VerifyResult("refuted", plan, bound, None, worst, cex, nodes, smt_calls, elapsed, strategy,
                            stop_reason="refuted", searches=tuple(parts))
    lower = reward.lower_bound if reward and reward.status is Status.PROVED else None
    if lower is None or any(p.dominated for p in parts):
        open_search = valid if valid.status is not Status.PROVED else reward
        why = _stop_reason(open_search, limits, nodes, elapsed, budget)
        what = "validity" if valid.status is not Status.PROVED else "bound"
        note = f"{what} not proved within budget ({why}{_spent(nodes, elapsed, budget)})"
        if any(p.dominated for p in parts):
            note, lower, why = "dominated: a scenario earns no more than the best certified bound", None, "dominated"
        return VerifyResult("unknown", plan, bound, None, tracker.lowest, None, nodes, smt_calls, elapsed,
                            strategy, note=note, stop_reason=why, searches=tuple(parts))
    note = _gap_note(bound, lower, tracker.value, gap)
    why = "bound proved" if bound is not None else "gap reached"
    if note:
        why = _stop_reason(reward, limits, nodes, elapsed, budget)
        note = f"{note} ({why}{_spent(nodes, elapsed, budget)})"
    stats = {"nodes": nodes, "smt_calls": smt_calls}
    progress(Progress("checking the certificate", 0, None))
    try:
        cert = checked_certificate(u.domain, plan, lower, _tree(valid, u), _tree(reward, u), strategy, stats,
                                   deadline=start + budget.seconds)
    except CheckUnfinished as exc:              # unconfirmed is unknown, never proved
        return VerifyResult("unknown", plan, bound, None, tracker.lowest, None, nodes, smt_calls,
                            time.monotonic() - start, strategy, note=str(exc), stop_reason="time limit",
                            searches=tuple(parts))
    elapsed = time.monotonic() - start          # the independent check is part of the time reported
    return VerifyResult("proved", plan, bound, lower, tracker.lowest, None, nodes, smt_calls, elapsed,
                        strategy, cert, note, stop_reason=why, searches=tuple(parts))


def _spent(nodes: int, elapsed: float, budget: Budget) -> str:
    return (f": {nodes} of {budget.nodes} nodes, searched {elapsed:.1f}s of the {budget.seconds:g}s limit, "
            f"{SEARCH_SHARE:.0%} of which is for the search and the rest for checking a certificate")


def _gap_note(bound, lower: Fraction, worst: Fraction | None, gap: Fraction) -> str:
    """For --tightest: say so when the certified bound stopped short of the requested gap."""
    if bound is not None or worst is None or not _short_of_gap(lower, worst, gap):
        return ""
    rel = approx((worst - lower) / abs(worst), 3) if worst else "infinite"
    return (f"gap not reached within budget: the worst found is {approx(worst - lower)} above the "
            f"certified bound (relative gap {rel}, asked {approx(gap, 3)})")



def _tree(result, u) -> dict:
    """The certificate's proof tree of one claim: a search's tree, or a cut over its children's."""
    return result.tree() if isinstance(result, CutResult) else tree_json(result.root, u.variables)
