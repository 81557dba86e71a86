"""Search policies: which leaf to expand next and which tactic to apply to it.

`largest-first` (dReal's rule: widest variable at its midpoint), `smear` (largest sampled
sensitivity × width — the standard interval-solver rule, kept fixed as a reference) and
`heuristic` (our best hand rule: strong branching over every variable, scored by what the
search would know of the children). The learned policy plugs into the same interface.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dsl.exact import to_float
from prover.policy.branching import evaluate_candidates, pair_score
from prover.search.tree import Node
from prover.calculus.tactics import Smt, Split


@dataclass
class Context:
    """What a policy may look at besides the node: the plan's evaluators and the claim."""

    variables: tuple
    evaluator: object          # prover.bounds.evaluation.GoalEvaluator
    sensitivity: object        # prover.bounds.sensitivity.Sensitivity
    objective: object          # prover.calculus.objective: Validity, AtLeast or Tightest
    target: float | None       # the bound the reward search is trying to reach
    smt: bool = False          # an SMT tactic is available to this search
    smt_failures: int = 0      # consecutive SMT calls that did not close their goal
    smt_left: float = float("inf")   # SMT calls this search may still make


class Policy:
    name = "base"
    cuts = False               # may `verify` try a horizon cut when splitting stalls?

    def priority(self, node: Node, ctx: Context) -> float:
        """Smaller is expanded first: the lowest interval bound for reward claims."""
        return node.lo if ctx.objective.bounds_reward else float(node.depth)

    def choose(self, node: Node, ctx: Context) -> Split | Smt:
        raise NotImplementedError

    def choose_batch(self, nodes: list[Node], ctx: Context) -> list[Split | Smt]:
        """One tactic per node; policies that can batch their own work override this."""
        return [self.choose(n, ctx) for n in nodes]

    def known_facts(self, node: Node, split: Split):
        """Facts of the two children of `split` if the policy computed them already, else None."""
        return None


def mid_split(node: Node, i: int, ctx: Context) -> Split:
    """Split variable i at its midpoint (ints: floor of the midpoint)."""
    lo, hi = node.goal.box[i]
    if ctx.variables[i].vtype == "real":
        return Split(i, (lo + hi) / 2)
    c = (lo + hi) / 2
    return Split(i, Fraction(c.numerator // c.denominator))


def _splittable(node: Node) -> np.ndarray:
    return np.array([lo < hi for lo, hi in node.goal.box])


class LargestFirst(Policy):
    name = "largest-first"

    def choose(self, node, ctx):
        widths = np.array([to_float(hi - lo) for lo, hi in node.goal.box])
        widths[~_splittable(node)] = -1
        return mid_split(node, int(np.argmax(widths)), ctx)


class Smear(Policy):
    name = "smear"

    def scores_batch(self, nodes: list[Node], ctx: Context) -> np.ndarray:
        """(B, V) smear scores; unsplittable variables get -1, flat objectives fall back to width."""
        lo = np.array([n.flo for n in nodes])                                          # (B, V)
        hi = np.array([n.fhi for n in nodes])                                          # (B, V)
        undecided = [None if ctx.objective.bounds_reward else n.undecided for n in nodes]
        s = ctx.sensitivity.scores_batch(lo, hi, undecided)                            # (B, V)
        ok = np.array([_splittable(n) for n in nodes])                                 # (B, V)
        flat = ~np.any((s > 0) & ok, axis=1)                                           # (B,)
        s = np.where(flat[:, None], hi - lo, s)
        return np.where(ok, s, -1.0)

    def choose_batch(self, nodes, ctx):
        scores = self.scores_batch(nodes, ctx)
        return [mid_split(n, int(np.argmax(row)), ctx) for n, row in zip(nodes, scores)]

    def choose(self, node, ctx):
        return self.choose_batch([node], ctx)[0]


class Heuristic(Smear):
    """Strong branching over every splittable variable at its midpoint: each candidate's children
    are judged as the search would judge them (interval facts, then the mean-value form; one
    batched call each for all candidates of all nodes), and per node the split whose worse
    child is best wins (ties: the better other child, then smear's order). Trying only smear's
    top three missed the splits that matter most on drone (the drag parameter, ranked fifth by
    smear, halves the reward proof): docs/benchmarks.md."""

    name = "heuristic"
    cuts = True
    smt_every = 4              # try SMT on a node at depths 0, 4, 8, ... (each node once)
    smt_give_up = 2            # stop calling SMT after this many failures in a row

    def __init__(self):
        self.tried: dict = {}

    def wants_smt(self, node: Node, ctx: Context, planned: int) -> bool:
        if not ctx.smt or node.smt_tried or ctx.smt_failures + planned >= self.smt_give_up \
                or planned >= ctx.smt_left:
            return False
        return node.depth % self.smt_every == 0 or not _splittable(node).any()

    def choose_batch(self, nodes, ctx):
        smt: list[bool] = []
        for n in nodes:      # at most as many calls as could still fail before giving up
            smt.append(self.wants_smt(n, ctx, sum(smt)))
        rest = [n for n, s in zip(nodes, smt) if not s and _splittable(n).any()]
        chosen = iter(self._splits(rest, ctx) if rest else [])
        return [Smt() if s or not _splittable(n).any() else next(chosen) for n, s in zip(nodes, smt)]

    def _splits(self, nodes, ctx):
        scores = self.scores_batch(nodes, ctx)
        cands = [[mid_split(n, int(i), ctx) for i in np.argsort(-row, kind="stable") if row[i] >= 0]
                 for n, row in zip(nodes, scores)]
        tried = evaluate_candidates(nodes, cands, ctx, search_target(nodes[0], ctx))
        out = []
        self.tried = {}
        for n, splits, row in zip(nodes, cands, tried):
            j = max(range(len(splits)), key=lambda j: (pair_score(*row[j][1]), -j))
            out.append(splits[j])
            self.tried[id(n)] = (n, splits[j], row[j][0])
        return out

    def known_facts(self, node: Node, split: Split):
        """The children's facts of a split this policy already evaluated while choosing it."""
        hit = self.tried.get(id(node))
        return hit[2] if hit is not None and hit[0] is node and hit[1] == split else None


def search_target(node: Node, ctx: Context) -> float | None:
    """The bound a reward search must reach (its claim's, else the tightest search's target)."""
    bound = node.goal.claim.bound
    return to_float(bound) if bound is not None else ctx.target


def _learned() -> Policy:
    """The network policy; imported on first use so torch loads only when it is asked for."""
    from prover.policy.learned import LearnedPolicy
    return LearnedPolicy()


POLICIES = {**{p.name: p for p in (LargestFirst, Smear, Heuristic)}, "learned": _learned}


def make_policy(name: str) -> Policy:
    return POLICIES[name]()
