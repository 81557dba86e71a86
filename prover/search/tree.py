"""The AND tree of a proof search: nodes, their status, and the one place status is backed up.

Each node holds a goal. A leaf is closed by a leaf tactic (`interval`, `smt`) or left open;
an expanded node has the children of one `Split` (or the one child of an `fbbt` step). A node
is PROVED when it is a closed leaf or all its children are PROVED, else UNKNOWN (open). The
certified lower bound of a reward search is the minimum of the leaves' proven values (interval
lower bounds, or the bound an SMT call proved) and of the `fbbt` steps' bounds (R ≥ `below` on
the part of the box a step cut away).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from prover.calculus.goals import Goal
from prover.calculus.outcome import Outcome
from prover.calculus.tactics import Leaf, Split


@dataclass(eq=False)
class Node:
    goal: Goal
    parent: "Node | None"
    depth: int
    lo: float = -math.inf            # lower bound of R on the box (reward searches), by `method`
    hi: float = math.inf
    undecided: tuple[int, ...] = ()  # conditions not proved true on the box (validity searches)
    infeasible: bool = False         # some assume is false on the whole box
    closed_by: Leaf | None = None    # the leaf method that closed a closed leaf
    proven: Fraction | None = None   # bound proved for R on this leaf (reward searches)
    split: Split | None = None
    children: list["Node"] = field(default_factory=list)
    status: Outcome = Outcome.UNKNOWN
    smt_tried: bool = False
    smt_calls: int = 0
    flo: object = None               # (V,) float box enclosing goal.box, for batched evaluation
    fhi: object = None
    method: Leaf = Leaf.INTERVAL     # the leaf method behind `lo` / `undecided`: interval, mean-value or lp
    lp_tried: bool = False
    lp_duals: dict | None = None     # the exact duals behind an `lp` leaf's `lo` (row → multiplier)
    lp_bound: Fraction | None = None # ... and the exact bound they give
    lp_tighten: tuple = ()           # the bound-tightening rounds the duals' relaxation follows
    lp_solution: dict | None = None  # the last lp bound's LP solution: id(node) → value, and its inputs
    lp_point: tuple | None = None
    fbbt_tried: bool = False
    fbbt_below: Fraction | None = None  # an `fbbt` step's or leaf's bound: R ≥ it where it cut the box
    fbbt_steps: int = 0              # `fbbt` steps above this node (its depth counts splits and them)
    collapsed: bool = False          # tightest: the node's own bound beats its subtree's (see collapse)
    check_s: float = 0.0             # estimated seconds the checker spends on it (prover.search.check_clock)
    lp_s: float = 0.0                # seconds its lp bound took the search (an lp leaf's check costs about as much)

    @property
    def is_leaf(self) -> bool:
        return self.split is None

    @property
    def ends_proof(self) -> bool:
        """A leaf of the proof tree the certificate writes: a leaf, or an expanded node whose
        own bound is better than its subtree's (`collapsed`)."""
        return self.split is None or self.collapsed

    def leaves(self):
        """Every leaf of the proof tree below (and including) this node, iteratively."""
        return (n for n in self.walk() if n.ends_proof)

    def walk(self):
        """Every node of the proof tree below (and including) this one: its leaves (`ends_proof`)
        and the expanded nodes above them, iteratively."""
        stack = [self]
        while stack:
            n = stack.pop()
            yield n
            if not n.ends_proof:
                stack.extend(n.children)


@dataclass(frozen=True)
class Seed:
    """What a search already knows of an open leaf it hands on (a split proof ships its open
    leaves to other workers): the leaf's float facts and the method behind them, so the search
    that takes the leaf over starts from them instead of evaluating the box again. Floats only
    steer a search; whatever closes the leaf is checked exactly, as ever."""

    lo: float
    hi: float
    undecided: tuple[int, ...]
    infeasible: bool
    method: Leaf                     # interval, or mean-value (tried: not to be tried again)

    @staticmethod
    def of(node: Node) -> "Seed | None":
        """The seed of an open leaf; None where its bound came from elsewhere (an lp leaf's
        duals, an fbbt step), which the taker computes again."""
        if node.method not in (Leaf.INTERVAL, Leaf.MEAN_VALUE) or node.fbbt_tried or node.lp_tried:
            return None
        return Seed(node.lo, node.hi, node.undecided, node.infeasible, node.method)


def back_up(node: Node) -> None:
    """Propagate PROVED upward from a node whose status just changed."""
    while node is not None:
        if node.is_leaf:
            proved = node.closed_by is not None
        else:
            proved = all(c.status is Outcome.PROVED for c in node.children)
        new = Outcome.PROVED if proved else Outcome.UNKNOWN
        if new is node.status:
            return
        node.status = new
        node = node.parent


def check_invariants(root: Node) -> None:
    """Assert the tree is consistent; tests call this after searches."""
    stack = [root]
    while stack:
        n = stack.pop()
        if n.is_leaf:
            assert not n.children, "a leaf has no children"
            want = Outcome.PROVED if n.closed_by else Outcome.UNKNOWN
        else:
            arity = 1 if getattr(n.split, "key", None) == "fbbt" else 2
            assert len(n.children) == arity, f"a branching node has exactly {arity} children"
            assert n.closed_by is None, "an expanded node is not a closed leaf"
            for c in n.children:
                assert c.parent is n and c.depth == n.depth + 1, "child links are consistent"
            want = Outcome.PROVED if all(c.status is Outcome.PROVED for c in n.children) else Outcome.UNKNOWN
        assert n.status is want, f"node at depth {n.depth} has status {n.status}, expected {want}"
        stack.extend(n.children)
