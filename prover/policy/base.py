"""What every search policy is: the `Policy` interface and the `Context` it sees.

A policy answers two questions of the search loop: which open leaf to expand next
(`priority`) and which tactic to apply to it (`choose`, or `choose_batch` for all the leaves
popped in one iteration). The hand rules (prover.policy.hand) and the network
(prover.policy.learned) implement it; the strategy registry (prover.policy.registry) names them.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dsl.exact import to_float
from prover.calculus.tactics import Smt, Split
from prover.search.tree import Node


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
    """The interface: `choose` is required; the rest have the defaults every hand rule uses."""

    name = "base"

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


def splittable(node: Node) -> np.ndarray:
    """(V,) which variables of the node's box still have width."""
    return np.array([lo < hi for lo, hi in node.goal.box])


def search_target(node: Node, ctx: Context) -> float | None:
    """The bound a reward search must reach (its claim's, else the tightest search's target)."""
    bound = node.goal.claim.bound
    return to_float(bound) if bound is not None else ctx.target
