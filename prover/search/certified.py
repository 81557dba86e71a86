"""What a tightest proof tree certifies about R: each proof leaf's bound, their minimum, and where
the proof ends (`collapse`: at an expanded node whose own bound beats its subtree's)."""
from __future__ import annotations

import math
from fractions import Fraction

from prover.bounds.evaluation import round_down
from prover.calculus.tactics import Leaf
from prover.search.tree import Node


def collapse(root: Node) -> None:
    """Mark (`Node.collapsed`) each expanded node whose own bound on R is at least what its
    subtree certifies, so the proof tree ends there: a tightest bound is the minimum over the
    proof's leaves, and a node's own leaf proof (re-checked on its box) may beat its children's
    (e.g. children whose lp leaves got no bound tightening). Recomputed from scratch: a search
    that goes on may make a subtree better again."""
    order, stack = [], [root]
    while stack:                                    # pre-order; values are computed in reverse
        n = stack.pop()
        order.append(n)
        if not n.is_leaf:
            stack.extend(n.children)
    value: dict = {}
    for n in reversed(order):
        n.collapsed = False
        if n.is_leaf:
            value[n] = _certifies(n)
            continue
        below = _least([*(value[c] for c in n.children), *([] if n.fbbt_below is None else [n.fbbt_below])])
        own = leaf_bound(n) if math.isfinite(n.lo) and n.closed_by is None else None
        if own is not None and (below is None or own >= below):
            n.collapsed, below = True, own
        value[n] = below


def _certifies(leaf: Node):
    """What a proof leaf certifies about R: a bound, None (nothing finite) or inf (inadmissible)."""
    if leaf.closed_by is Leaf.INFEASIBLE or leaf.infeasible:      # (an fbbt leaf may be vacuous)
        return math.inf
    if leaf.proven is not None:
        return leaf.proven
    return leaf_bound(leaf) if math.isfinite(leaf.lo) else None


def _least(values):
    out = math.inf
    for v in values:
        if v is None:
            return None
        out = v if out is math.inf or v < out else out
    return out


def leaf_values(root: Node):
    """What each proof leaf proves about R (None: nothing finite), and each `fbbt` step above
    them its bound (R ≥ it on what the step cut away); inadmissible leaves are skipped."""
    for node in root.walk():
        if not node.ends_proof:
            if node.fbbt_below is not None:
                yield node.fbbt_below
            continue
        value = _certifies(node)
        if value is not math.inf:
            yield value


def leaf_bound(leaf: Node) -> Fraction:
    """What an open or closed leaf certifies about R: an `lp` leaf its exact dual bound (when it
    is short: LP duals make linear goals exact), any other a short rational below its float `lo`."""
    if leaf.method is Leaf.LP and leaf.lp_bound is not None:
        return leaf.lp_bound if leaf.lp_bound.denominator <= SHORT else round_down(leaf.lp_bound)
    return round_down(leaf.lo)


SHORT = 10 ** 6     # denominators up to this are printed and certified as they are
