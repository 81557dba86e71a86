"""Proving a claim through a horizon cut: choose `cut k, S, b1` (validity: `cut k, S`), then
prove the children (reach, head, tail; validity: reach, tail) with ordinary searches.

S is the interval hull of the state at step k over the leaves of an earlier search tree on
the same box (the stalled search: its splits tighten S far below a hull over the whole box);
the reach search then proves it. The head search certifies the tightest b1 it can; the
tail search proves b − b1 (or, for `--tightest`, its own tightest bound, and the cut
certifies their sum). The children's points
are not scenarios of the plan, so their searches use a float tracker (targets only) and
never report counterexamples: a cut can prove a claim or fail, never refute one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from prover.calculus.certificate import tree_json
from prover.calculus.cut import Cut, cut_children
from prover.calculus.registry import branch_json
from prover.bounds.evaluation import GoalEvaluator, round_down
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast, Objective, Tightest, Validity
from prover.bounds.interval import BoxEvaluator
from prover.search.allowance import SCHEDULE, Allowance
from prover.search.loop import Search, SearchResult
from prover.search.problem import Problem, SmtTactic
from prover.calculus.outcome import Outcome
from prover.search.tree import Node
from prover.bounds.sensitivity import Sensitivity
from prover.search.worst import FloatTracker


@dataclass(frozen=True)
class CutResult:
    """The outcome of one cut attempt: `status`, `lower_bound`, `nodes`, `smt_calls`,
    `counterexample` and `dominated` mean what they mean in a SearchResult."""

    status: Outcome                     # PROVED or UNKNOWN (never REFUTED)
    lower_bound: Fraction | None
    cut: Cut | None
    roots: tuple = field(default=(), repr=False)        # (reach, head, tail) search roots
    problems: tuple = field(default=(), repr=False)     # their Unrolled problems
    nodes: int = 0
    smt_calls: int = 0
    counterexample: None = None
    dominated: bool = False

    def tree(self) -> dict:
        """The certificate subtree: a cut node over its children's proof trees."""
        return branch_json(self.cut, self.problems[0], [tree_json(r, p) for r, p in zip(self.roots, self.problems)])


def reachable_box(u, k: int, leaves: list[Node]) -> tuple[tuple[Fraction, Fraction], ...]:
    """A box for every state at step k: the outward-rounded hull of its interval over `leaves`
    (feasible leaves of a search tree over the root box: together they cover every admissible
    scenario; soundness does not depend on it, since the reach child proves s_k ∈ S)."""
    states = u.domain.states
    exprs = [u.states[k][s.name] for s in states]
    lo = np.array([n.flo for n in leaves])
    hi = np.array([n.fhi for n in leaves])
    out = []
    for s, (a, b) in zip(states, BoxEvaluator(exprs, u.variables).eval(lo, hi)):
        if s.vtype == "bool":
            out.append((Fraction(0), Fraction(1)))
            continue
        a_min, b_max = float(np.min(a)), float(np.max(b))
        if not (math.isfinite(a_min) and math.isfinite(b_max)):
            a_min, b_max = float(s.lo), float(s.hi)
        a_min, b_max = max(a_min, float(s.lo)), min(b_max, float(s.hi))   # valid states stay in range
        lo_q, hi_q = round_down(a_min), -round_down(-b_max)
        if s.vtype == "int":
            lo_q, hi_q = Fraction(math.floor(lo_q)), Fraction(math.ceil(hi_q))
        out.append((min(lo_q, hi_q), max(lo_q, hi_q)))
    return tuple(out)


def cut_search(u, policy, tree: Node, objective: Objective, allowance: Allowance, smt_factory=None,
               k: int | None = None, smt_left: float = math.inf, gap: Fraction = Fraction(1, 100)) -> CutResult:
    """Try `cut k, S, b1` on `R(π) ≥ b` (AtLeast(b); Tightest: the tightest b), or `cut k, S` on
    `valid(π)` (Validity), k = H // 2 by default. `tree` is an earlier search tree over the root box,
    whose leaves shape S. The pieces share `allowance` by SCHEDULE (reward: reach, head, then the
    tail the rest; validity: reach, then the tail the rest); head pieces and tightest tails stop
    within `gap`."""
    H = u.domain.horizon
    k = H // 2 if k is None else k
    leaves = [n for n in tree.leaves() if not n.infeasible]
    if H < 2 or not leaves:
        return CutResult(Outcome.UNKNOWN, None, None)
    S = reachable_box(u, k, leaves)
    pieces = _Pieces(policy, allowance, smt_factory, smt_left)
    if not objective.bounds_reward:
        return _validity_cut(u, Cut(k, S, None), pieces)
    return _reward_cut(u, k, S, objective.bound, gap, pieces)


class _Pieces:
    """The searches of one cut's pieces, sharing its allowance; counts their nodes and SMT calls."""

    def __init__(self, policy, allowance: Allowance, smt_factory, smt_left: float):
        self.policy, self.allowance, self.smt_factory, self.smt_left = policy, allowance, smt_factory, smt_left
        self.nodes = self.smt_calls = 0

    def run(self, problem, piece: Objective, share: float) -> SearchResult | None:
        """One piece's search, or None when the node budget has no room for it."""
        if self.nodes >= self.allowance.nodes:
            return None
        ev = GoalEvaluator(problem)
        smt = SmtTactic(self.smt_factory(problem), self.smt_left) if self.smt_factory else None
        r = Search(Problem(problem, ev, Sensitivity(problem), FloatTracker(problem, ev)), piece, self.policy,
                   self.allowance.share(share, self.nodes), smt).run()
        self.nodes += r.nodes
        self.smt_calls += r.smt_calls
        return r

    def failed(self) -> CutResult:
        return CutResult(Outcome.UNKNOWN, None, None, nodes=self.nodes, smt_calls=self.smt_calls)


def _validity_cut(u, cut: Cut, pieces: _Pieces) -> CutResult:
    """`cut k, S` on valid(π): the reach search, then the tail's."""
    children = cut_children(u, Goal(root_box(u.variables), Validity()), cut)
    (ru, _), (tu, _) = children.reach, children.tail
    searches = []
    for problem, share in ((ru, SCHEDULE.cut_valid_reach), (tu, 1.0)):
        searches.append(pieces.run(problem, Validity(), share))
        if not _proved(searches[-1]):
            return pieces.failed()
    return CutResult(Outcome.PROVED, None, cut, tuple(r.root for r in searches), (ru, tu), pieces.nodes,
                     pieces.smt_calls)


def _reward_cut(u, k: int, S, bound: Fraction | None, gap: Fraction, pieces: _Pieces) -> CutResult:
    """`cut k, S, b1` on R(π) ≥ bound (None: tightest): reach, then the head's tightest b1, then
    the tail's b − b1 (or its own tightest bound, the cut certifying their sum)."""
    probe = Cut(k, S, Fraction(0))
    children = cut_children(u, Goal(root_box(u.variables), AtLeast(bound if bound is not None else Fraction(0))), probe)
    (ru, _), (hu, _), (tu, _) = children.reach, children.head, children.tail
    reach = pieces.run(ru, Validity(), SCHEDULE.cut_reach)
    if not _proved(reach):
        return pieces.failed()
    head = pieces.run(hu, Tightest(gap), SCHEDULE.cut_head)
    if not _proved(head) or head.lower_bound is None:
        return pieces.failed()
    b1 = head.lower_bound
    tail = pieces.run(tu, Tightest(gap) if bound is None else AtLeast(bound - b1), 1.0)
    if not _proved(tail) or tail.lower_bound is None:
        return pieces.failed()
    lower = bound if bound is not None else b1 + tail.lower_bound
    # the tail's proof trees were built for the claim R_tail ≥ its own bound; the certificate
    # states b − b1 with b = lower, which is exactly the tail's certified bound
    return CutResult(Outcome.PROVED, lower, Cut(k, S, b1), tuple(r.root for r in (reach, head, tail)), (ru, hu, tu),
                     pieces.nodes, pieces.smt_calls)


def _proved(r: SearchResult | None) -> bool:
    """A piece's search ran (the node budget had room for it) and proved its claim."""
    return r is not None and r.status is Outcome.PROVED
