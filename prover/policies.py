"""Search policies: which leaf to expand next and which tactic to apply to it.

`largest-first` (dReal's rule: widest variable at its midpoint), `smear` (largest sampled
sensitivity × width — the standard interval-solver rule, kept fixed as a reference) and
`heuristic` (our best hand rule: strong branching over smear's top candidates, scored by the
children's interval facts). The learned policy plugs into the same interface.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from prover.goals import midpoint
from prover.search_tree import Node
from prover.tactics import Smt, Split, split_children


@dataclass
class Context:
    """What a policy may look at besides the node: the plan's evaluators and the claim."""

    variables: tuple
    evaluator: object          # prover.evaluation.GoalEvaluator
    sensitivity: object        # prover.sensitivity.Sensitivity
    claim_kind: str            # "valid" | "reward"
    target: float | None       # the bound the reward search is trying to reach


class Policy:
    name = "base"

    def priority(self, node: Node, ctx: Context) -> float:
        """Smaller is expanded first: the lowest interval bound for reward claims."""
        return node.lo if ctx.claim_kind == "reward" else float(node.depth)

    def choose(self, node: Node, ctx: Context) -> Split | Smt:
        raise NotImplementedError


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
        widths = np.array([float(hi - lo) for lo, hi in node.goal.box])
        widths[~_splittable(node)] = -1
        return mid_split(node, int(np.argmax(widths)), ctx)


class Smear(Policy):
    name = "smear"

    def scores(self, node: Node, ctx: Context) -> np.ndarray:
        lo = np.array([float(a) for a, _ in node.goal.box])
        hi = np.array([float(b) for _, b in node.goal.box])
        undecided = None if ctx.claim_kind == "reward" else node.undecided
        s = ctx.sensitivity.scores(lo, hi, undecided)
        s = np.where(_splittable(node), s, -1.0)
        if np.all(s[_splittable(node)] <= 0):      # flat objective: fall back to the widest
            s = np.where(_splittable(node), hi - lo, -1.0)
        return s

    def choose(self, node, ctx):
        return mid_split(node, int(np.argmax(self.scores(node, ctx))), ctx)


class Heuristic(Smear):
    """Strong branching over smear's top-k variables: try each split on the interval evaluator
    (one batched call) and keep the one whose worse child is best."""

    name = "heuristic"
    top_k = 3

    def choose(self, node, ctx):
        scores = self.scores(node, ctx)
        order = [int(i) for i in np.argsort(-scores) if scores[i] >= 0][: self.top_k]
        if len(order) <= 1:
            return mid_split(node, order[0] if order else int(np.argmax(scores)), ctx)
        splits = [mid_split(node, i, ctx) for i in order]
        kids = [g.box for s in splits for g in split_children(node.goal, s, ctx.variables)]
        facts = ctx.evaluator.boxes(kids)
        best, best_score = splits[0], -np.inf
        for j, s in enumerate(splits):
            a, b = facts[2 * j], facts[2 * j + 1]
            sa, sb = self._child_score(a, ctx), self._child_score(b, ctx)
            score = min(sa, sb) + 1e-3 * min(max(sa, sb), 1e12)   # ties: the better other child
            if score > best_score:
                best, best_score = s, score
        return best

    @staticmethod
    def _child_score(f, ctx: Context) -> float:
        if f.infeasible:
            return 1e300
        if ctx.claim_kind == "reward":
            return f.lo
        return -float(len(f.undecided))


POLICIES = {p.name: p for p in (LargestFirst, Smear, Heuristic)}


def make_policy(name: str) -> Policy:
    return POLICIES[name]()
