"""The hand-written search policies: which leaf to expand next and which tactic to apply to it.

`largest-first` (dReal's rule: widest variable at its midpoint), `smear` (largest sampled
sensitivity × width — the standard interval-solver rule, kept fixed as a reference) and
`heuristic` (our best hand rule: strong branching over every variable, scored by what the
search would know of the children). The learned policy plugs into the same interface
(prover.policy.base); the strategy registry (prover.policy.registry) names them all.
"""
from __future__ import annotations

import numpy as np

from dsl.exact import to_float
from prover.calculus.tactics import Smt, Split
from prover.policy.base import Context, Policy, mid_split, search_target, splittable
from prover.policy.branching import Branch, strong_branch, worst_child
from prover.search.tree import Node

__all__ = ["Context", "Policy", "LargestFirst", "Smear", "Heuristic", "mid_split", "search_target"]


class LargestFirst(Policy):
    name = "largest-first"

    def choose(self, node, ctx):
        widths = np.array([to_float(hi - lo) for lo, hi in node.goal.box])
        widths[~splittable(node)] = -1
        return mid_split(node, int(np.argmax(widths)), ctx)


class Smear(Policy):
    name = "smear"

    def scores_batch(self, nodes: list[Node], ctx: Context) -> np.ndarray:
        """(B, V) smear scores; unsplittable variables get -1, flat objectives fall back to width."""
        lo = np.array([n.flo for n in nodes])                                          # (B, V)
        hi = np.array([n.fhi for n in nodes])                                          # (B, V)
        undecided = [None if ctx.objective.bounds_reward else n.undecided for n in nodes]
        s = ctx.sensitivity.scores_batch(lo, hi, undecided)                            # (B, V)
        ok = np.array([splittable(n) for n in nodes])                                  # (B, V)
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
    smear, halves the reward proof): docs/benchmarks.md.

    Subclasses change what is tried (`candidates`) and how it is ranked (`score`, one of
    prover.policy.branching's scores); the strong branching itself is shared."""

    name = "heuristic"
    score = staticmethod(worst_child)
    smt_every = 4              # try SMT on a node at depths 0, 4, 8, ... (each node once)
    smt_give_up = 2            # stop calling SMT after this many failures in a row

    def __init__(self):
        self.tried: dict = {}

    def wants_smt(self, node: Node, ctx: Context, planned: int) -> bool:
        if not ctx.smt or node.smt_tried or ctx.smt_failures + planned >= self.smt_give_up \
                or planned >= ctx.smt_left:
            return False
        return node.depth % self.smt_every == 0 or not splittable(node).any()

    def choose_batch(self, nodes, ctx):
        smt: list[bool] = []
        for n in nodes:      # at most as many calls as could still fail before giving up
            smt.append(self.wants_smt(n, ctx, sum(smt)))
        rest = [n for n, s in zip(nodes, smt) if not s and splittable(n).any()]
        chosen = iter(self._splits(rest, ctx) if rest else [])
        return [Smt() if s or not splittable(n).any() else next(chosen) for n, s in zip(nodes, smt)]

    def candidates(self, nodes: list[Node], ctx: Context) -> list[list[Split]]:
        """Per node, every splittable variable at its midpoint, in smear's order."""
        scores = self.scores_batch(nodes, ctx)
        return [[mid_split(n, int(i), ctx) for i in np.argsort(-row, kind="stable") if row[i] >= 0]
                for n, row in zip(nodes, scores)]

    def _splits(self, nodes, ctx) -> list[Split]:
        branches: list[Branch] = strong_branch(nodes, self.candidates(nodes, ctx), ctx, self.score)
        self.tried = {id(n): (n, b.split, b.facts) for n, b in zip(nodes, branches)}
        return [b.split for b in branches]

    def known_facts(self, node: Node, split: Split):
        """The children's facts of a split this policy already evaluated while choosing it."""
        hit = self.tried.get(id(node))
        return hit[2] if hit is not None and hit[0] is node and hit[1] == split else None
