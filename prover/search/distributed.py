"""One proof split across workers (`verify --split-workers N [--executor ray]`).

The driver first starts every worker on building the plan (`Warm`), runs a short lead search
on each claim (validity, then the reward bound), then ships the open leaves of its tree to the
workers as independent sub-goals (`SubGoal`: boxes with the float facts their search had
(`Seed`), claim, policy spec, the global worst found and the remaining allowance); until a
worker is up it searches slices of the queue itself. A worker searches its box and returns its
proof subtree (`SubProof`) with the leaves it left open, which go back on the queue: a hard
box keeps being cut into pieces that every worker can take, so the load balances itself. A
counterexample from any worker, replayed again by the driver's interpreter, stops the others.
`--tightest` keeps one anytime bound: every worker aims at the global worst found, and the
certified bound is the minimum over all leaves of the merged tree.

The subtrees are grafted into one certificate that the independent checker verifies as a
whole before `proved` is reported (`prover.search.certify.checked_certificate`): its walk re-derives
every branch here, and its exact leaf checks run on the same workers (`prover.check.parallel`). A sub-goal whose
worker died is run again (the executor's retries); one that is lost for good, or a run
out of budget, leaves its leaf open: the verdict is then `unknown`, and the note says what
was proved. Horizon cuts are not tried here (a cut's pieces are not boxes of the root).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

from dsl.model import Domain, Plan, plan_str
from prover.calculus.certificate import leaf_json
from prover.calculus.registry import branch_json
from prover.calculus.tactics import Leaf
from prover.check.parallel import on_executor
from prover.search.certify import checked_certificate
from prover.bounds.evaluation import GoalEvaluator
from prover.calculus.goals import Box
from prover.calculus.objective import Objective, Validity, reward_objective
from prover.search.jobs import DomainRef, _plan
from prover.policy.registry import strategy as strategy_of
from prover.policy.spec import PolicySpec
from prover.search.allowance import SCHEDULE, Allowance, Budget
from prover.search.certified import leaf_bound
from prover.search.loop import BATCH, Forest, Search
from prover.search.problem import Problem, SmtTactic
from prover.calculus.outcome import Outcome
from prover.search.tree import Node, Seed
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import is_linear, unroll
from prover.search.verify import NONLINEAR_SMT_CALLS, SMT_SECONDS, VerifyResult, smt_tactic
from prover.search.worst import Witness, WorstTracker, explore, replayed

LEAD_NODES = 16          # per worker: the lead search's nodes before its open leaves are shipped
SLICES = 4               # a sub-goal gets 1/(SLICES·workers) of the nodes left, at most SLICE_CAP: hard
SLICE_CAP = 400          # boxes come back split, so an idle worker takes a share of them (work stealing)
MIN_SLICE = 64           # nodes: below this a sub-goal's search costs less than its shipping
MIN_PIECE = 8            # nodes left at least for one more sub-goal to be worth starting
LEAD_SLICE = 48          # nodes: a slice the driver searches itself while no worker is up yet
GRACE_S = 10.0           # seconds past the deadline (at most 15% of the limit) a worker may take


@dataclass(frozen=True)
class SubGoal:
    """A job: prove `objective` on each of `boxes` within `budget` (one search over all of
    them: its batches stay full from the start)."""

    domain: DomainRef
    plan: str
    objective: Objective
    boxes: tuple[Box, ...]
    policy: PolicySpec
    budget: Budget
    worst: Witness | None = None     # the global worst found: only a lower reward is worth a replay
                                     # (tightest: the target's anchor too)
    seed: int = 0
    lifted: tuple | None = None      # each box's lifted bounds (its goal's: the merged proof re-derives them)
    seeds: tuple | None = None       # each box's float facts where its last search had them (Seed or None)


@dataclass(frozen=True)
class SubProof:
    """A worker's answer: the proof subtree of each box and the leaves it left open."""

    trees: tuple                     # certificate JSON per box; open leaves are leaves of their method
    open: tuple = ()                 # (box index then child indices, (box, lifted, seed), float lo of R,
                                     # exact bound or None)
    proven: Fraction | None = None   # reward: the least bound a closed leaf proved
    counterexample: Witness | None = None
    worst: Witness | None = None
    nodes: int = 0
    smt_calls: int = 0


@lru_cache(maxsize=8)
def _problem(ref: DomainRef, plan: str):
    """The unrolled plan and its evaluators, built once per worker process."""
    u = unroll(ref.load(), _plan(ref, plan))
    ev = GoalEvaluator(u)
    return u, ev, Sensitivity(u)


@lru_cache(maxsize=8)
def _lp(ref: DomainRef, plan: str):
    """The plan's LP bounder (`lp` leaves), built once per worker process."""
    from prover.bounds.lp_leaf import LpBounder
    return LpBounder(_problem(ref, plan)[0])


def searcher(u, ev, sens, tracker, policy, strategy: str, objective: Objective, budget: Budget, boxes=None,
             lp=None, lifted=None, seeds=None) -> Search:
    """A Search set up as `verify_search` sets up its plain searches (SMT and LP per the strategy's flags)."""
    use_smt = strategy_of(strategy).uses_smt
    linear = is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes])
    per_call = min(SMT_SECONDS if linear else SMT_SECONDS / 10, budget.seconds / 20)
    smt = SmtTactic(smt_tactic(u, per_call), math.inf if linear else NONLINEAR_SMT_CALLS) if use_smt else None
    entry = strategy_of(strategy)
    problem = Problem(u, ev, sens, tracker, lp if entry.uses_lp else None, boxes, fbbt=entry.uses_fbbt, lifted=lifted,
                      seeds=seeds)
    return Search(problem, objective, policy, Allowance.within(budget.nodes, budget.seconds), smt)


@dataclass(frozen=True)
class Warm:
    """What a worker builds before its first sub-goal (`Driver` starts it on every worker at
    once): the plan's unrolling and evaluators, its LP bounder, and the checker's problem."""

    domain: DomainRef
    plan: str
    lp: bool


def warm(job: Warm) -> None:
    from prover.check.parallel import warm as warm_check
    _problem(job.domain, job.plan)
    if job.lp:
        _lp(job.domain, job.plan)
    warm_check(job.domain.load(), _plan(job.domain, job.plan))


def run_subgoal(job: SubGoal) -> SubProof:
    """A worker's search of one sub-goal."""
    u, ev, sens = _problem(job.domain, job.plan)
    tracker = WorstTracker(u, ev)
    tracker.lowest = job.worst
    if job.objective.chases_worst:     # tightest: a lower worst in this box lowers the target
        for i, box in enumerate(job.boxes):
            explore(tracker, box=box, seed=job.seed + i, samples=32, rounds=2)
    lp = _lp(job.domain, job.plan) if job.policy.strategy.uses_lp else None
    r = searcher(u, ev, sens, tracker, job.policy.make(), job.policy.name, job.objective, job.budget,
                 job.boxes, lp, job.lifted, job.seeds).run()
    trees, opened, proven = subtrees(r.root, u)
    cex = r.counterexample if r.status is Outcome.REFUTED else None
    shipped = tuple((p, _taken(n), n.lo, _value(n)) for p, n in opened)
    return SubProof(tuple(trees), shipped, proven, cex,
                    tracker.lowest, r.nodes, r.smt_calls)


def _taken(leaf: Node) -> tuple:
    """What the sub-goal that takes an open leaf over needs of it: (box, lifted bounds, seed)."""
    return leaf.goal.box, leaf.goal.lifted, Seed.of(leaf)


def _value(leaf: Node) -> Fraction | None:
    """What an open leaf certifies about R (None: nothing finite)."""
    if leaf.method is Leaf.LP and leaf.lp_bound is not None:
        return leaf_bound(leaf)
    return leaf_bound(leaf) if math.isfinite(leaf.lo) else None


def subtrees(root: Node, problem) -> tuple[list, list, Fraction | None]:
    """The proof tree of each root box (`root`, or the children of its Forest) as certificate
    JSON, the open leaves with their paths (root index first), and the least bound the closed
    leaves proved about R."""
    roots = root.children if isinstance(root.split, Forest) else [root]
    trees: list = [{} for _ in roots]
    opened, proven = [], None
    stack = [(r, t, (i,)) for i, (r, t) in enumerate(zip(roots, trees))]
    while stack:
        node, slot, path = stack.pop()
        if node.ends_proof:
            slot.update(leaf_json(node))      # its method, and an `lp` leaf's duals
            if node.closed_by is None:
                opened.append((path, node))
            elif node.proven is not None:
                proven = node.proven if proven is None else min(proven, node.proven)
            continue
        if node.fbbt_below is not None:        # an fbbt step: R ≥ its bound where it cut the box
            proven = node.fbbt_below if proven is None else min(proven, node.fbbt_below)
        slot.update(branch_json(node.split, problem, [{} for _ in node.children]))
        stack.extend((c, s, path + (i,)) for i, (c, s) in enumerate(zip(node.children, slot["children"])))
    return trees, opened, proven


def _at(trees, path) -> dict:
    tree = trees[path[0]]
    for i in path[1:]:
        tree = tree["children"][i]
    return tree


@dataclass
class ClaimRun:
    """The merged proof of one claim while its sub-goals are out."""

    tree: dict
    queue: list                                   # open leaves: (slot in tree, (box, lifted, seed), float lo, exact bound)
    proven: list = field(default_factory=list)    # bounds closed leaves proved (reward)
    lost: list = field(default_factory=list)      # open leaves whose sub-goal was lost or timed out
    stuck: list = field(default_factory=list)     # open leaves a worker could not expand (no tactic applies)
    counterexample: Witness | None = None
    shipped: int = 0


class Driver:
    """The state of one split verification: the problem, the global worst, the node count."""

    def __init__(self, domain: Domain, plan: Plan, spec: PolicySpec, budget: Budget, executor, seed: int, task,
                 lead_nodes: int | None = None):
        self.domain, self.plan, self.spec, self.budget = domain, plan, spec, budget
        self.lead_nodes = LEAD_NODES * executor.workers if lead_nodes is None else lead_nodes
        self.executor, self.seed, self.task = executor, seed, task
        self.ref, self.plan_text = DomainRef.of(domain), plan_str(plan)
        self.u, self.ev, self.sens = _problem(self.ref, self.plan_text)
        executor.warm(warm, Warm(self.ref, self.plan_text, spec.strategy.uses_lp))
        self.tracker = WorstTracker(self.u, self.ev)
        explore(self.tracker, seed=seed)
        self.policy = spec.make()
        self.start = time.monotonic()
        self.deadline = self.start + SCHEDULE.search * budget.seconds
        self.nodes = self.smt_calls = self.shipped = 0

    def prove(self, objective: Objective) -> ClaimRun:
        """The lead search, then its open leaves shipped until none is left or the budget ends."""
        lead_nodes = min(self.budget.nodes, self.lead_nodes)
        lp = _lp(self.ref, self.plan_text) if self.spec.strategy.uses_lp else None
        r = searcher(self.u, self.ev, self.sens, self.tracker, self.policy, self.spec.name, objective,
                     Budget(lead_nodes, self.deadline - time.monotonic(), self.budget.gap), lp=lp).run()
        self.nodes, self.smt_calls = self.nodes + r.nodes, self.smt_calls + r.smt_calls
        trees, opened, proven = subtrees(r.root, self.u)
        run = ClaimRun(trees[0], [(_at(trees, p), _taken(n), n.lo, _value(n)) for p, n in opened],
                       [] if proven is None else [proven])
        if r.status is Outcome.REFUTED:
            run.counterexample = self._confirmed(r.counterexample)
            return run
        self._ship(run, objective)
        return run

    def _ship(self, run: ClaimRun, objective: Objective) -> None:
        out: dict = {}                                   # ticket → (leaves shipped, nodes reserved)
        reserved = 0
        while run.counterexample is None and (run.queue or out):
            run.queue.sort(key=lambda e: e[2])           # the lowest bound of R first
            if not out and not self.executor.warmed() and self._room(0):
                self._lead_on(run, objective)            # no worker is up yet: search here meanwhile
                continue
            while run.queue and len(out) < self.executor.workers and self._room(reserved):
                k = min(BATCH, -(-len(run.queue) // (self.executor.workers - len(out))))   # a fair share
                leaves, run.queue = run.queue[:k], run.queue[k:]
                alloc = (self.budget.nodes - self.nodes - reserved) // (SLICES * self.executor.workers)
                alloc = max(MIN_SLICE, min(SLICE_CAP, alloc))
                alloc = min(alloc, self.budget.nodes - self.nodes - reserved)
                out[self.executor.submit(self.task, self._job(run, objective, leaves, alloc))] = (leaves, alloc)
                reserved += alloc
            if not out:
                break                                    # no room left: the queue stays open
            grace = min(GRACE_S, 0.15 * self.budget.seconds)
            done = self.executor.wait(list(out), timeout=max(0.1, self.deadline + grace - time.monotonic()))
            if not done:                                 # hung past the deadline: give its sub-goals up
                self.executor.cancel(list(out))
                run.lost += [leaf for leaves, _ in out.values() for leaf in leaves]
                return
            for t in done:
                leaves, alloc = out.pop(t)
                reserved -= alloc
                self._merge_result(run, t, leaves, objective)
        if run.counterexample is not None:
            self.executor.cancel(list(out))

    def _lead_on(self, run: ClaimRun, objective: Objective) -> None:
        """One short slice of the queue searched in this process, merged as a worker's answer
        would be (fresh Ray workers take a second or more to start)."""
        leaves, run.queue = run.queue[:BATCH], run.queue[BATCH:]
        alloc = min(LEAD_SLICE, self.budget.nodes - self.nodes)
        self._merge(run, run_subgoal(self._job(run, objective, leaves, alloc)), leaves, objective)

    def _job(self, run: ClaimRun, objective: Objective, leaves: list, alloc: int) -> SubGoal:
        run.shipped += 1
        self.shipped += len(leaves)
        return SubGoal(self.ref, self.plan_text, objective, tuple(leaf[1][0] for leaf in leaves), self.spec,
                       Budget(alloc, max(0.0, self.deadline - time.monotonic()), self.budget.gap), self.tracker.lowest,
                       self.seed + run.shipped, tuple(leaf[1][1] for leaf in leaves), tuple(leaf[1][2] for leaf in leaves))

    def _room(self, reserved: int) -> bool:
        return self.budget.nodes - self.nodes - reserved >= MIN_PIECE and time.monotonic() < self.deadline

    def _merge_result(self, run: ClaimRun, ticket, leaves: list, objective: Objective) -> None:
        from prover.search.executor import WorkerLost
        try:
            sub: SubProof = self.executor.result(ticket)
        except WorkerLost:
            run.lost += leaves
            return
        self._merge(run, sub, leaves, objective)

    def _merge(self, run: ClaimRun, sub: SubProof, leaves: list, objective: Objective) -> None:
        # the sub-search's roots are the leaves they replace: counted once, as the tree's nodes
        self.nodes, self.smt_calls = self.nodes + sub.nodes - len(leaves), self.smt_calls + sub.smt_calls
        slots = [leaf[0] for leaf in leaves]
        for slot, tree in zip(slots, sub.trees):
            slot.clear()
            slot.update(tree)
        if sub.worst is not None and (self.tracker.value is None or sub.worst.outcome.reward < self.tracker.value):
            confirmed = self._confirmed(sub.worst)
            if confirmed is not None and confirmed.outcome.valid:
                self.tracker.lowest = confirmed
        cex = self._confirmed(sub.counterexample)
        if cex is not None and objective.refutes(cex.outcome):
            run.counterexample = cex
        if sub.proven is not None:
            run.proven.append(sub.proven)
        opened = [(_at(slots, p), b, lo, v) for p, b, lo, v in sub.open]
        if sub.nodes <= len(leaves):    # the search could not expand its boxes: shipping them again would loop
            run.stuck += opened
        else:
            run.queue += opened

    def _confirmed(self, w: Witness | None) -> Witness | None:
        """A worker's scenario, replayed again in this process (exactly, or by rigorous
        enclosures where its exact numbers would explode: `worst.replayed`)."""
        from dsl.scenario import failed_assumes
        if w is None or failed_assumes(self.domain, w.scenario):
            return None
        return replayed(self.u, w.scenario)


def verify_split(domain: Domain, plan: Plan, bound: Fraction | None, spec: PolicySpec, budget: Budget,
                 executor, seed: int = 0, task=run_subgoal, lead_nodes: int | None = None) -> VerifyResult:
    """Prove `valid(π) ∧ R(π) ≥ bound` (None: tightest) with sub-goals on `executor`'s workers;
    `task` runs one SubGoal in a worker (tests wrap it to kill a worker); `lead_nodes`: the
    lead search's nodes per claim (default LEAD_NODES per worker)."""
    d = Driver(domain, plan, spec, budget, executor, seed, task, lead_nodes)
    valid = d.prove(Validity())
    target = reward_objective(bound, budget.gap)
    reward = d.prove(target) if _closed(valid) else None
    return _result(d, target, valid, reward)


def _closed(run: ClaimRun) -> bool:
    return run.counterexample is None and not run.queue and not run.lost and not run.stuck


def _certified(run: ClaimRun, objective: Objective) -> Fraction | None:
    """The bound the merged reward tree proves: the claim's, or (tightest) the least over all leaves."""
    if run.counterexample is not None or run.lost:
        return None
    return objective.certified(_closed(run), lambda: [*(v for *_, v in run.queue + run.stuck), *run.proven])


def _result(d: Driver, target: Objective, valid: ClaimRun, reward: ClaimRun | None) -> VerifyResult:
    bound = target.bound
    base = dict(plan=d.plan, bound=bound, worst_found=d.tracker.lowest, nodes=d.nodes, smt_calls=d.smt_calls,
                strategy=d.spec.name)
    cex = valid.counterexample or (reward.counterexample if reward else None)
    if cex is None and d.tracker.lowest is not None and target.refutes(d.tracker.lowest.outcome):
        cex = d.tracker.lowest
    if cex is not None:
        worst = None if cex.outcome.violation else d.tracker.lowest
        return VerifyResult(Outcome.REFUTED, lower_bound=None, counterexample=cex, time_s=time.monotonic() - d.start,
                            **{**base, "worst_found": worst})
    lower = _certified(reward, target) if reward is not None else None
    if lower is None:
        return VerifyResult(Outcome.UNKNOWN, lower_bound=None, counterexample=None, time_s=time.monotonic() - d.start,
                            note=_partial_note(valid, reward), **base)
    stats = {"nodes": d.nodes, "smt_calls": d.smt_calls, "split_workers": d.executor.workers, "sub_goals": d.shipped}
    leaves = on_executor(d.executor) if d.executor.workers > 1 else None     # the leaves checked in parallel too
    cert = checked_certificate(d.domain, d.plan, lower, valid.tree, reward.tree, d.spec.name, stats, leaves=leaves)
    elapsed = time.monotonic() - d.start        # the independent check is part of the time reported
    return VerifyResult(Outcome.PROVED, lower_bound=lower, counterexample=None, time_s=elapsed, certificate=cert, **base)


def _partial_note(valid: ClaimRun, reward: ClaimRun | None) -> str:
    """What a run that ended short proved, and what it left open."""
    def left(run: ClaimRun) -> str:
        lost = f", {len(run.lost)} of them lost with their workers" if run.lost else ""
        return f"{len(run.queue) + len(run.lost) + len(run.stuck)} sub-goal(s) open{lost}"
    if reward is None:
        return f"partial: validity not proved within budget ({left(valid)})"
    return f"partial: validity proved; the reward bound not proved within budget ({left(reward)})"
