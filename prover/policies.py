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

from prover.evaluation import child_arrays
from prover.search_tree import Node
from prover.tactics import Smt, Split


@dataclass
class Context:
    """What a policy may look at besides the node: the plan's evaluators and the claim."""

    variables: tuple
    evaluator: object          # prover.evaluation.GoalEvaluator
    sensitivity: object        # prover.sensitivity.Sensitivity
    claim_kind: str            # "valid" | "reward"
    target: float | None       # the bound the reward search is trying to reach
    smt: bool = False          # an SMT tactic is available to this search
    smt_failures: int = 0      # consecutive SMT calls that did not close their goal


class Policy:
    name = "base"

    def priority(self, node: Node, ctx: Context) -> float:
        """Smaller is expanded first: the lowest interval bound for reward claims."""
        return node.lo if ctx.claim_kind == "reward" else float(node.depth)

    def choose(self, node: Node, ctx: Context) -> Split | Smt:
        raise NotImplementedError

    def choose_batch(self, nodes: list[Node], ctx: Context) -> list[Split | Smt]:
        """One tactic per node; policies that can batch their own work override this."""
        return [self.choose(n, ctx) for n in nodes]


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

    def scores_batch(self, nodes: list[Node], ctx: Context) -> np.ndarray:
        """(B, V) smear scores; unsplittable variables get -1, flat objectives fall back to width."""
        lo = np.array([n.flo for n in nodes])                                          # (B, V)
        hi = np.array([n.fhi for n in nodes])                                          # (B, V)
        undecided = [None if ctx.claim_kind == "reward" else n.undecided for n in nodes]
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
    """Strong branching over smear's top-k variables: try each candidate split on the interval
    evaluator (one batched call for the whole batch of nodes) and keep, per node, the split
    whose worse child is best (ties: the better other child)."""

    name = "heuristic"
    top_k = 3
    smt_every = 4              # try SMT on a node at depths 0, 4, 8, ... (each node once)
    smt_give_up = 2            # stop calling SMT after this many failures in a row

    def wants_smt(self, node: Node, ctx: Context, planned: int) -> bool:
        if not ctx.smt or node.smt_tried or ctx.smt_failures + planned >= self.smt_give_up:
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
        cands: list[list[Split]] = []
        kids_lo, kids_hi = [], []
        for n, row in zip(nodes, scores):
            order = [int(i) for i in np.argsort(-row) if row[i] >= 0][: self.top_k]
            splits = [mid_split(n, i, ctx) for i in order]
            cands.append(splits)
            for sp in splits:
                for _, lo, hi in child_arrays(n, sp, ctx.variables):
                    kids_lo.append(lo)
                    kids_hi.append(hi)
        facts = ctx.evaluator.facts(np.array(kids_lo), np.array(kids_hi)) if kids_lo else []
        out, k = [], 0
        for splits in cands:
            best, best_score = splits[0], -np.inf
            for sp in splits:
                sa, sb = self._child_score(facts[k], ctx), self._child_score(facts[k + 1], ctx)
                k += 2
                score = min(sa, sb) + 1e-3 * min(max(sa, sb), 1e12)
                if score > best_score:
                    best, best_score = sp, score
            out.append(best)
        return out

    @staticmethod
    def _child_score(f, ctx: Context) -> float:
        if f.infeasible:
            return 1e300
        if ctx.claim_kind == "reward":
            return f.lo
        return -float(len(f.undecided))


def _learned() -> Policy:
    """The network policy; imported on first use so torch loads only when it is asked for."""
    from prover.policy.learned import LearnedPolicy
    return LearnedPolicy()


POLICIES = {**{p.name: p for p in (LargestFirst, Smear, Heuristic)}, "learned": _learned}


def make_policy(name: str) -> Policy:
    return POLICIES[name]()
