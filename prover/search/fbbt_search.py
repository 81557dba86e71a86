"""The search's use of the `fbbt` tactic (prover.calculus.fbbt_step): a leaf about to be split is
first narrowed by bound tightening with the assumes and the negated claim.

An empty result closes the leaf (an `fbbt` leaf; on a reward goal it proves R ≥ the bound it
used). A box narrowed by at least SHRINK of some width becomes the leaf's one child, which is
evaluated and split in its place; a smaller gain is dropped (the leaf is split as it is). The
bound used is the claim's, or a tightest search's target rounded up to a short rational (the
search counts it among the values its certified bound is the minimum of).
"""
from __future__ import annotations

import math
from fractions import Fraction

from prover.bounds.evaluation import round_down, to_arrays
from prover.calculus.fbbt_step import Fbbt, fbbt_outcome
from prover.calculus.tactics import Leaf
from prover.search.tree import Node, back_up

SHRINK = Fraction(1, 10)    # keep a narrowed box when some width shrank by at least this share


def fbbt_below(objective, target: float | None) -> Fraction | None:
    """The bound R is tightened below: the claim's, a tightest search's target, or None."""
    if not objective.bounds_reward:
        return None
    if objective.bound is not None:
        return objective.bound
    if target is None or not math.isfinite(target):
        return None
    return -round_down(-target)      # a short rational ≥ the target: what it proves keeps the gap


def settle_fbbt(search, nodes: list[Node]) -> list[Node]:
    """`nodes` with the leaves FBBT closes removed and those it narrows replaced by their
    (evaluated) child; each node is tried once."""
    out, steps = [], []
    for n in nodes:
        if n.fbbt_tried:
            out.append(n)
            continue
        n.fbbt_tried = True
        below = fbbt_below(search.objective, search.target)
        child, vacuous = fbbt_outcome(search.problem.u, n.goal, below)
        if child is None:
            _close(n, below, vacuous)
            search.recost(n)
        elif shrank(n.goal.box, child.box):
            n.split, n.fbbt_below = Fbbt(below), below
            search.recost(n)
            steps.append((n, child))
        else:
            out.append(n)
    return out + _adopt(search, steps)


def _adopt(search, steps: list) -> list[Node]:
    """Evaluate the one child of each `fbbt` step `(parent, goal)` in one batch and hang it
    under its parent; returns the children left open."""
    if not steps:
        return []
    flo, fhi = to_arrays([goal.box for _, goal in steps])
    facts = search.ev.facts(flo, fhi)
    out = []
    for (parent, goal), f, lo, hi, mv in zip(steps, facts, flo, fhi, search._mean_values(facts, flo, fhi)):
        child = search._node(goal, parent, f, lo, hi, mv)
        child.fbbt_tried, child.fbbt_steps = True, parent.fbbt_steps + 1
        parent.children.append(child)
        if search._settle(child).closed_by is None:
            out.append(child)
    return out


def _close(node: Node, below: Fraction | None, vacuous: bool) -> None:
    """An `fbbt` leaf; a vacuous one (the assumes and lifted bounds leave nothing) needs no bound,
    and stores none: a tightest search's certified bound may end above it."""
    below = None if vacuous else below
    node.closed_by, node.fbbt_below, node.infeasible, node.proven = Leaf.FBBT, below, vacuous, below
    back_up(node)


def shrank(old, new, share: Fraction = SHRINK) -> bool:
    """Whether some range of `new` is narrower than in `old` by at least `share` of its width."""
    return any(h > l and (h - l) - (nh - nl) >= share * (h - l) for (l, h), (nl, nh) in zip(old, new))
