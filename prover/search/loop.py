"""Best-first proof search over the AND tree of splits, with anytime bounds.

One loop: pop the most urgent open leaf, ask the policy for a tactic, expand, evaluate the
children in one batch (interval facts, then the mean-value bound of R for the children those
leave open; a validity search tries the mean-value form on a leaf when it pops it), close what
they prove, back up, offer the children's
midpoints to the worst-found tracker, check the budget. A reward search with a fixed bound
closes leaves whose interval lower bound reaches it; a `--tightest` search chases a target
just below the worst found, and its certified bound is the minimum over all leaves.
"""
from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from dsl.exact import approx
from prover.bounds.evaluation import BoxFacts, child_arrays, to_arrays
from prover.calculus.goals import Goal, midpoint, root_box
from prover.calculus.objective import Objective
from prover.bounds.lp_leaf import float_below
from prover.policy.base import Context, Policy
from prover.search.check_clock import CheckClock
from prover.search.fbbt_search import fbbt_below, settle_fbbt
from prover.search.allowance import SCHEDULE, Allowance, Budget
from prover.search.problem import Problem, SmtTactic
from prover.calculus.progress import Progress, Reporter, silent
from prover.calculus.outcome import Outcome
from prover.search.tree import Node, back_up
from prover.search.certified import collapse, leaf_bound, leaf_values
from prover.calculus.tactics import Leaf, Smt
from prover.search.worst import Witness, explore

__all__ = ["Budget", "Forest", "Search", "SearchResult"]   # Budget: its old import path

BATCH = 16        # leaves expanded per iteration: one batched evaluation for all their children
PROBE_EVERY = 8   # iterations between local searches for the worst case in the most urgent box
TIGHTEN_DEPTH = 0   # lp leaves tighten bounds (OBBT rounds) on nodes this deep at most (SCHEDULE.tighten),
                    # and deeper where the plain relaxation falls below the parent's bound (_lp_reward)
SMT_RETRIES = 6   # SMT calls on one node while each of its models lowers the worst found


@dataclass(frozen=True)
class Forest:
    """The `split` of the node above a search's several root boxes (never in a certificate)."""


@dataclass(frozen=True)
class SearchResult:
    status: Outcome                         # PROVED, REFUTED or UNKNOWN
    objective: Objective                   # what was searched for
    claim: Objective                       # what was proved (for --tightest: R ≥ the certified bound)
    lower_bound: Fraction | None           # certified (reward searches)
    counterexample: Witness | None
    nodes: int
    smt_calls: int
    time_s: float
    root: Node = field(repr=False, compare=False)
    dominated: bool = False                # stopped because a scenario earned ≤ stop_at_or_below
    out_of_time: bool = False              # it ended at or past its allowance's deadline
    check_s: float = 0.0                   # estimated seconds to check its tree (Search.check_s; 0 without check_by)


class Search:
    """One proof search for an objective: `valid(π)`, `R(π) ≥ b` or the tightest such b."""

    def __init__(self, problem: Problem, objective: Objective, policy: Policy, allowance: Allowance,
                 smt: SmtTactic | None = None, *, stop_at_or_below=None, progress: Reporter = silent):
        self.problem, self.objective, self.policy, self.allowance = problem, objective, policy, allowance
        self.ev, self.tracker, self.lp = problem.evaluator, problem.tracker, problem.lp
        self.smt = None if smt is None else smt.call
        # The policy's view of the search (prover.policy.hand.Context); the search updates its
        # target and SMT counts as it goes.
        self.ctx = Context(problem.u.variables, problem.evaluator, problem.sensitivity, objective, None,
                           smt=smt is not None, smt_left=math.inf if smt is None else smt.calls)
        self.progress, self.stop = progress, stop_at_or_below
        self.target: float | None = None
        self.nodes = self.smt_calls = 0
        self.heap: list = []
        self.tie = itertools.count()
        self.batch = BATCH
        self.rounds = 0
        self.check_s = 0.0           # estimated seconds to check the tree (the clock's cost of every
                                     # node; 0 without a check deadline)
        # The estimate matters only against a check deadline: without one (a split proof's sub-goals,
        # whose driver keeps the deadline) its sampled exact checks would be work nothing reads.
        self.clock = CheckClock(problem.u) if math.isfinite(allowance.check_by) else None

    def run(self) -> SearchResult:
        start = time.monotonic()
        self.deadline = self.allowance.deadline
        self._update_target()
        root = self._roots(self.problem.boxes or (root_box(self.ev.u.variables),))
        self._report()
        while root.status is not Outcome.PROVED:
            cex = self._counterexample()
            if cex is not None:
                return self._result(root, start, cex)
            # A split adds two nodes: stop before one would overrun the node budget.
            if not self.heap or self.nodes + 2 > self.allowance.nodes or time.monotonic() > self.deadline \
                    or self._check_overruns():
                break
            if self._dominated():
                return replace(self._result(root, start, None), dominated=True)
            self._update_target()
            batch = self._pop_batch()
            if batch:
                self._expand(batch)
                self._probe(batch[0])
            self._report()
        return self._result(root, start, self._counterexample())

    # ---- pieces of the loop -----------------------------------------------------------
    def _check_overruns(self) -> bool:
        """Checking the certificate with this tree as it stands would end past `check_by`."""
        a = self.allowance
        return time.monotonic() + a.check_before + self.check_s > a.check_by

    def recost(self, node: Node) -> None:
        """Re-estimate what checking `node` costs, after its method or split changed."""
        if self.clock is None:
            return
        cost = self.clock.cost(node)
        self.check_s += cost - node.check_s
        node.check_s = cost

    def _report(self) -> None:
        worst = self.tracker.value
        detail = "" if not self.objective.bounds_reward or worst is None else f"worst found ≈ {approx(worst)}"
        self.progress(Progress(f"{self.objective.stage} search", self.nodes, self.allowance.nodes, detail))

    def _pop_batch(self) -> list[Node]:
        """Up to `batch` open leaves, most urgent first; closes those the target now covers."""
        out = []
        limit = min(self.batch, (self.allowance.nodes - self.nodes) // 2)
        while self.heap and len(out) < limit:
            node = heapq.heappop(self.heap)[2]
            if node.closed_by or not node.is_leaf or self._close_if_done(node):
                continue
            out.append(node)
        if self.problem.fbbt:
            out = settle_fbbt(self, out)
        return self._settle_lp(self._settle_validity(out))

    def _expand(self, nodes: list[Node]) -> None:
        tactics = self.policy.choose_batch(nodes, self.ctx)
        splits = []
        for node, tactic in zip(nodes, tactics):
            if isinstance(tactic, Smt):
                self._try_smt(node)
            else:
                splits.append((node, tactic))
        if not splits:
            return
        kids, los, his, known = [], [], [], []
        for node, tactic in splits:
            node.split = tactic
            self.recost(node)
            facts = self.policy.known_facts(node, tactic)       # strong branching evaluated them
            for j, (goal, lo, hi) in enumerate(child_arrays(node, tactic, self.ev.u.variables)):
                kids.append((node, goal))
                los.append(lo)
                his.append(hi)
                known.append(None if facts is None else facts[j])
        flo, fhi = np.array(los), np.array(his)                     # (2B, V)
        todo = [i for i, f in enumerate(known) if f is None]
        if todo:
            for i, f in zip(todo, self.ev.facts(flo[todo], fhi[todo])):
                known[i] = f
        better = self._mean_values(known, flo, fhi)
        for (parent, goal), facts, lo, hi, mv in zip(kids, known, flo, fhi, better):
            parent.children.append(self._make(goal, parent, facts, lo, hi, mv))
        for node, _ in splits:
            back_up(node)
        self.tracker.offer([midpoint(g.box, self.ev.u.variables) for _, g in kids])

    def _probe(self, node: Node) -> None:
        """Every few rounds, a short local search for bad scenarios inside the most urgent box:
        the worst case hides where the interval bound is lowest."""
        self.rounds += 1
        if self.rounds % PROBE_EVERY == 0:
            explore(self.tracker, box=node.goal.box, seed=self.rounds, samples=16, rounds=3)

    def _polish(self, box, point) -> None:
        """The root's relaxation leaves a gap to the worst found: local optimisation (a primal
        heuristic) from the LP's solution and the worst point, then a new target."""
        polish = getattr(self.tracker, "polish", None)
        if polish is not None:
            polish(box, [point])
            self._update_target()

    def _try_smt(self, node: Node) -> None:
        """Close the leaf with Z3 if it can; a model it returns is replayed as a candidate."""
        node.smt_tried = True
        if self.smt is None:
            self._push(node)
            return
        self.smt_calls += 1
        self.ctx.smt_left -= 1
        claim = self.objective.smt_claim(self.tracker.value)
        if claim is None:
            self._push(node)
            return
        answer = self.smt(node.goal.box, claim)
        if answer.status is Outcome.PROVED:
            node.closed_by, node.proven = Leaf.SMT, claim.bound
            self.ctx.smt_failures = 0
            back_up(node)
            return
        before = self.tracker.value
        if answer.status is Outcome.REFUTED:
            self.tracker.replay(answer.point)
        lowered = self.objective.chases_worst and self.tracker.value is not None \
            and (before is None or self.tracker.value < before)
        node.smt_calls += 1
        if lowered and node.smt_calls < SMT_RETRIES:
            node.smt_tried = False      # a new, lower worst case: ask again with it as the target
        else:
            self.ctx.smt_failures += 1
        self._push(node)

    def _mean_values(self, facts: list[BoxFacts], flo, fhi) -> list:
        """Reward searches: per box, the mean-value lower bound of R where it beats the interval
        bound and that alone does not close the box (else None), in one batched call; the better
        bound also orders the search. (Validity: see `_settle_validity`.)"""
        out: list = [None] * len(facts)
        if self.objective.bounds_reward:
            target = self.target
            todo = [i for i, f in enumerate(facts) if not f.infeasible and (target is None or f.lo < target)]
            if todo:
                for i, mv in zip(todo, self.ev.mean_value(flo[todo], fhi[todo])):
                    if mv > facts[i].lo:
                        out[i] = float(mv)
        return out

    def _settle_validity(self, nodes: list[Node]) -> list[Node]:
        """Validity searches try the mean-value form on a leaf when it is about to be split (once
        per leaf, one batched call): the form costs a gradient per comparison, so trying it on
        every new child would double the cost where most children are split anyway. Leaves it
        proves are closed; the others are returned for splitting with their interval facts
        unchanged (steering smear by only the conditions the form left open made drone's
        validity proofs 20x larger: the others still need the splits)."""
        todo = [n for n in nodes if n.method is Leaf.INTERVAL and n.undecided and not self._tightens(n)]
        if self.objective.bounds_reward or not todo:
            return nodes
        lo, hi = np.array([n.flo for n in todo]), np.array([n.fhi for n in todo])
        for n, left in zip(todo, self.ev.mean_value_undecided(lo, hi, [n.undecided for n in todo])):
            n.method = Leaf.MEAN_VALUE
            self.recost(n)
            if not left:
                n.undecided = left
        return [n for n in nodes if not self._close_if_done(n)]

    def _tightens(self, node: Node) -> bool:
        """Whether the node's lp leaf is still to come with bound tightening: the root's, which
        at long horizons proves what the mean-value form cannot, and costs less than it there."""
        return self.lp is not None and not node.lp_tried and node.depth <= TIGHTEN_DEPTH

    def _roots(self, boxes) -> Node:
        """The root goal's node, evaluated in one batch. Several boxes (a worker's share of a
        split proof, prover.search.distributed) hang under one `Forest` node, proved when all are."""
        claim, lifted = self.objective, self.problem.lifted or ((),) * len(boxes)
        seeds = self.problem.seeds or (None,) * len(boxes)
        flo, fhi = to_arrays(list(boxes))
        facts, mvs = self._root_facts(seeds, flo, fhi)
        forest = None if len(boxes) == 1 else Node(Goal(boxes[0], claim), None, -1, split=Forest())
        nodes = [self._node(Goal(b, claim, lf), forest, f, lo, hi, mv)
                 for b, lf, f, lo, hi, mv in zip(boxes, lifted, facts, flo, fhi, mvs)]
        for node, seed in zip(nodes, seeds):
            if seed is not None and seed.method is Leaf.MEAN_VALUE:
                node.method = Leaf.MEAN_VALUE       # tried already: a validity leaf is not tried again
        if forest is None:
            return self._settle(nodes[0])
        forest.children = nodes
        for node in nodes:                  # closed only once all are attached (see back_up)
            self._settle(node)
        return forest

    def _root_facts(self, seeds, flo, fhi) -> tuple[list, list]:
        """The roots' float facts and mean-value bounds: a seeded root's from its seed, the
        others' evaluated in one batch."""
        facts = [None if s is None else BoxFacts(s.lo, s.hi, s.undecided, (), s.infeasible) for s in seeds]
        mvs = [s.lo if s is not None and s.method is Leaf.MEAN_VALUE and self.objective.bounds_reward else None
               for s in seeds]
        todo = [i for i, f in enumerate(facts) if f is None]
        if todo:
            got = self.ev.facts(flo[todo], fhi[todo])
            for i, f, mv in zip(todo, got, self._mean_values(got, flo[todo], fhi[todo])):
                facts[i], mvs[i] = f, mv
        return facts, mvs

    def _settle_lp(self, nodes: list[Node]) -> list[Node]:
        """With an LP bounder, a leaf about to be split first gets the bounds of its lifted
        relaxation (once; exact from HiGHS's duals): of R for a reward claim, of every undecided
        comparison's margin for validity. Leaves they prove are closed; a reward leaf keeps the
        better bound (it orders the search and counts for --tightest). LP solutions are
        scenarios worth replaying."""
        if self.lp is None:
            return nodes
        for n in nodes:
            if n.lp_tried or (not self.objective.bounds_reward and not n.undecided):
                continue
            n.lp_tried = True
            now = time.monotonic()
            try:
                self._lp_leaf(n, now)
            finally:
                n.lp_s = time.monotonic() - now
                self.recost(n)
        return [n for n in nodes if not self._close_if_done(n)]

    def _lp_leaf(self, n: Node, now: float) -> None:
        """One leaf's lp bounds (see `_settle_lp`)."""
        until = now + SCHEDULE.tighten * (self.deadline - now) if n.depth - n.fbbt_steps <= TIGHTEN_DEPTH else None
        if not self.objective.bounds_reward:
            got = self.lp.lifted(n.goal.lifted).validity(n.goal.box, n.undecided, until)
            self.tracker.offer(list(got.points))
            if got.proofs is not None:
                n.method, n.lp_duals, n.undecided, n.lp_tighten = Leaf.LP, got.proofs, (), got.tighten
            return
        got = self._lp_reward(n, until)
        if got is None:
            return
        self.tracker.offer([got.point])
        n.lp_solution, n.lp_point = got.solution, got.point
        lo = float_below(got.bound)
        if got.below is not None and got.bound >= got.below:
            lo = max(lo, self.target)  # R ≥ below, at least the claim (the float target may round above it)
        if n.depth == 0:
            self._update_target()      # the LP's point may have lowered the worst found
            if not self.objective.closes(max(lo, n.lo), (), self.target):
                self._polish(n.goal.box, got.point)
        if lo > n.lo:
            n.lo, n.method, n.lp_duals, n.lp_bound, n.lp_tighten = lo, Leaf.LP, got.duals, got.bound, got.tighten

    def _lp_reward(self, n: Node, until: float | None):
        """The lp bound of a reward leaf: with tightening at the top of the tree; deeper, the
        plain relaxation, tightened too when it is worse than the parent's bound (a child's
        untightened relaxation is often far looser than its tightened parent's). Tightening on
        the full relaxation assumes the claim false (R ≤ the claim's bound, or a tightest
        search's target): on portfolio_wide H=32 that closes the root, which bounds over all
        scenarios leave 2.5% short."""
        lp = self.lp.lifted(n.goal.lifted)
        below = fbbt_below(self.objective, self.target)     # tightening assumes R ≤ it (SCIP's cutoff)
        got = lp.bound(n.goal.box, self.target, until, below)
        if until is None and n.parent is not None and (got is None or float_below(got.bound) < n.parent.lo):
            now = time.monotonic()
            tightened = lp.bound(n.goal.box, self.target, now + SCHEDULE.tighten * (self.deadline - now), below)
            if tightened is not None and (got is None or tightened.bound > got.bound):
                return tightened
        return got

    def _make(self, goal: Goal, parent: Node | None, facts: BoxFacts, flo, fhi, mean_value=None) -> Node:
        return self._settle(self._node(goal, parent, facts, flo, fhi, mean_value))

    def _node(self, goal: Goal, parent: Node | None, facts: BoxFacts, flo, fhi, mean_value=None) -> Node:
        self.nodes += 1
        node = Node(goal, parent, 0 if parent is None else parent.depth + 1, facts.lo, facts.hi,
                    facts.undecided, facts.infeasible, flo=flo, fhi=fhi)
        if mean_value is not None:
            node.lo, node.method = mean_value, Leaf.MEAN_VALUE
        self.recost(node)
        return node

    def _settle(self, node: Node) -> Node:
        if not self._close_if_done(node):
            self._push(node)
        return node

    def _close_if_done(self, node: Node) -> bool:
        """Close a leaf whose interval facts prove the claim (or whose box is inadmissible)."""
        if node.infeasible:
            node.closed_by = Leaf.INFEASIBLE
        elif self.objective.closes(node.lo, node.undecided, self.target):
            node.closed_by = node.method
            node.proven = self.objective.proven(lambda: leaf_bound(node))
        else:
            return False
        back_up(node)
        return True

    def _push(self, node: Node) -> None:
        if any(lo < hi for lo, hi in node.goal.box) or (self.smt and not node.smt_tried):
            heapq.heappush(self.heap, (self.policy.priority(node, self.ctx), next(self.tie), node))

    # ---- targets and results ----------------------------------------------------------
    def _update_target(self) -> None:
        """The bound leaves must reach: the claim's, or just below the worst found (tightest)."""
        self.target = self.ctx.target = self.objective.target(self.tracker.value)

    def _dominated(self) -> bool:
        return self.stop is not None and self.tracker.value is not None and self.tracker.value <= self.stop

    def _counterexample(self) -> Witness | None:
        if self.tracker.invalid is not None:
            return self.tracker.invalid
        low = self.tracker.lowest
        if low and self.objective.refutes(low.outcome):
            return low
        return None

    def _result(self, root: Node, start: float, cex: Witness | None) -> SearchResult:
        proved = root.status is Outcome.PROVED
        if self.objective.chases_worst:
            collapse(root)
        lower = None if cex else self.objective.certified(proved, lambda: leaf_values(root))
        if cex is not None:
            status = Outcome.REFUTED
        else:
            status = Outcome.PROVED if self.objective.settled(proved, lower) else Outcome.UNKNOWN
        end = time.monotonic()
        return SearchResult(status, self.objective, self.objective.proved_claim(lower), lower, cex, self.nodes,
                            self.smt_calls, end - start, root, out_of_time=end >= self.deadline or self._check_overruns(),
                            check_s=self.check_s)

