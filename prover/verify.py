"""Verification of one plan by proof search: validity first, then the reward bound.

`verify_search` runs the hand (or learned) policies: a worst-found exploration, the validity
search, then the reward search with `--bound` or `--tightest`. Its result says `proved` only
when both searches closed (for `--tightest`: validity closed and a finite bound certified),
and `refuted` only with a counterexample the exact interpreter replayed.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

from dsl.errors import InputError
from dsl.model import Domain, Plan
from prover.certificate import checked_certificate, tree_json
from prover.cut_search import CutResult, cut_search
from prover.evaluation import GoalEvaluator
from prover.lp_leaf import LpBounder
from prover.policies import Context, make_policy
from prover.progress import Progress, Reporter, silent
from prover.search import Budget, Search, SearchResult
from prover.search_tree import Status
from prover.sensitivity import Sensitivity
from prover.unroll import is_linear, unroll
from prover.worst import Witness, WorstTracker, explore


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
    searches: tuple = field(default=(), repr=False, compare=False)    # the SearchResults, for tests


SEARCH_SHARE = 0.7      # of --time-limit; the rest is for checking the certificate
SMT_SECONDS = 0.5       # time limit of one SMT tactic call (at most 5% of the budget)
NONLINEAR_SMT_CALLS = 0 # per search. Z3 rarely closes nonlinear boxes within a short limit; on the
                        # nonlinear bench goals one call per search cost 2 proofs and 4x the median
                        # nodes against none (docs/benchmarks.md)


def smt_tactic(u, seconds: float = SMT_SECONDS):
    """The `smt` tactic for the search: (box, kind, target) → z3_backend.SmtAnswer."""
    from prover import z3_backend as zb
    from prover.goals import Claim
    compiler = zb.Compiler(u)

    def call(box, kind: str, target):
        claim = Claim("valid") if kind == "valid" else Claim("reward", target)
        return zb.check(u, box, claim, seconds, compiler)
    return call


def verify_search(domain: Domain, plan: Plan, bound: Fraction | None, strategy: str,
                  budget: Budget, seed: int = 0, smt: bool | None = None,
                  stop_at_or_below: Fraction | None = None, policy=None,
                  use_lp: bool | None = None, progress: Reporter = silent) -> VerifyResult:
    """Prove `valid(π) ∧ R(π) ≥ bound` (bound None: the tightest bound within budget).
    `smt` None: the strategy decides (only `heuristic` and `learned` call Z3 on sub-boxes).
    `stop_at_or_below`: give up as soon as a replayed scenario earns no more than this (the
    planner's best certified bound so far: such a plan cannot be selected).
    `policy`: a ready Policy object to search with instead of `make_policy(strategy)` (training
    searches with the network it is training). `progress` hears of the searches' nodes and of
    the certificate check."""
    # The policy first: loading a network (torch, the checkpoint) is set-up, not proof search,
    # and must not eat the search's time limit.
    policy = make_policy(strategy) if policy is None else policy
    start = time.monotonic()
    u = unroll(domain, plan)
    ev = GoalEvaluator(u)
    tracker = WorstTracker(u, ev)
    explore(tracker, seed=seed)
    sens = Sensitivity(u)
    use_smt = (strategy in ("heuristic", "learned")) if smt is None else smt
    linear = is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes])
    # Z3 decides piecewise-linear goals fast; on nonlinear ones it mostly times out, so ask briefly.
    per_call = min(SMT_SECONDS if linear else SMT_SECONDS / 10, budget.seconds / 20)
    tactic = smt_tactic(u, per_call) if use_smt else None
    smt_left = math.inf if linear else NONLINEAR_SMT_CALLS
    lp = LpBounder(u) if (strategy in LP_STRATEGIES if use_lp is None else use_lp) else None

    def search(kind: str, b, spent_nodes: int, spent_s: float, share: float = 1.0,
               time_share: float | None = None) -> SearchResult:
        # The searches get 70% of the time: the independent check of the certificate follows.
        seconds = (share if time_share is None else time_share) * (SEARCH_SHARE * budget.seconds - spent_s)
        left = Budget(max(1, int(share * (budget.nodes - spent_nodes))), max(0.0, seconds), budget.gap)
        ctx = Context(u.variables, ev, sens, kind, None, smt=use_smt, smt_left=smt_left)
        return Search(ev, tracker, policy, ctx, kind, b, left, tactic, stop_at_or_below, lp, progress).run()

    # Cuts are for long nonlinear unrollings, where interval dependency grows with the horizon;
    # on piecewise-linear goals Z3 closes what splitting leaves open.
    cuts = policy.cuts and domain.horizon >= MIN_CUT_HORIZON and not linear
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
    reward = None
    if valid.status is Status.PROVED:
        plain = search("reward", bound, sum(p.nodes for p in parts), time.monotonic() - start,
                       PLAIN_SHARE if cuts else 1.0)
        parts.append(plain)
        reward = try_cuts("reward", bound, plain, sorted({max(1, H // 4), H // 2}), 1.0) if cuts else plain
    return _combine(u, bound, strategy, valid, reward, tracker, parts, start, budget.gap, progress)


LP_STRATEGIES = ("heuristic", "learned")   # `lp` leaves (use_lp None: the strategy decides)
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


def _combine(u, bound, strategy, valid: SearchResult, reward: SearchResult | None,
             tracker: WorstTracker, parts, start, gap: Fraction, progress: Reporter = silent) -> VerifyResult:
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
                            searches=tuple(parts))
    lower = reward.lower_bound if reward and reward.status is Status.PROVED else None
    if lower is None or any(p.dominated for p in parts):
        note = "validity not proved within budget" if valid.status is not Status.PROVED else "bound not proved within budget"
        if any(p.dominated for p in parts):
            note, lower = "dominated: a scenario earns no more than the best certified bound", None
        return VerifyResult("unknown", plan, bound, None, tracker.lowest, None, nodes, smt_calls, elapsed,
                            strategy, note=note, searches=tuple(parts))
    stats = {"nodes": nodes, "smt_calls": smt_calls}
    progress(Progress("checking the certificate", 0, None))
    cert = checked_certificate(u.domain, plan, lower, _tree(valid, u), _tree(reward, u), strategy, stats)
    elapsed = time.monotonic() - start          # the independent check is part of the time reported
    return VerifyResult("proved", plan, bound, lower, tracker.lowest, None, nodes, smt_calls, elapsed,
                        strategy, cert, _gap_note(bound, lower, tracker.value, gap), searches=tuple(parts))


def _gap_note(bound, lower: Fraction, worst: Fraction | None, gap: Fraction) -> str:
    """For --tightest: say so when the certified bound stopped short of the requested gap."""
    if bound is not None or worst is None or not _short_of_gap(lower, worst, gap):
        return ""
    rel = f"{float((worst - lower) / abs(worst)):.3g}" if worst else "infinite"
    return (f"gap not reached within budget: the worst found is {float(worst - lower):.6g} above the "
            f"certified bound (relative gap {rel}, asked {float(gap):.3g})")



def _tree(result, u) -> dict:
    """The certificate's proof tree of one claim: a search's tree, or a cut over its children's."""
    return result.tree() if isinstance(result, CutResult) else tree_json(result.root, u.variables)
