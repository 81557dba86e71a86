"""Reliability branching (Achterberg, Koch and Martin 2005; SCIP's default rule), as a named
hand-rule baseline: strong branching only on variables whose pseudocosts are not yet reliable.

A variable's pseudocost is the mean gain its splits brought per unit of its width (relative to
the root's width of it, so variables of any scale compare): how much each child's bound rose
over its parent's (reward claims; a child that closes counts as reaching the target), or how
many undecided conditions each child decided (validity). A candidate's estimated gain is its
pseudocost times the node's relative width of its variable (boxes shrink, and so do gains). Every split the search makes is
observed when one of its children is next expanded, and every strong-branching evaluation is an
observation too. A candidate whose variable has `RELIABLE` observations is scored from its
pseudocosts alone; the others are evaluated by strong branching (`prover.policy.branching`). Both
are ranked by the product of the two children's gains (SCIP's product score), so one strong
child cannot hide a useless other. After the first few nodes most variables are reliable and a
node costs no candidate evaluation at all: fewer evaluations than `heuristic` (full strong
branching) for splits that are nearly as good (`stats` counts both kinds).
"""
from __future__ import annotations

import math

from prover.calculus.tactics import Split
from prover.policy.base import Context, search_target
from prover.policy.branching import CLOSED, ChildView, evaluate_candidates
from prover.policy.hand import Heuristic
from prover.search.tree import Node

RELIABLE = 4        # observations of a variable after which its pseudocosts replace strong branching
EPS = 1e-6          # the product score's floor for a gain of zero


class Reliability(Heuristic):
    name = "reliability"

    def __init__(self):
        super().__init__()
        self.gains: dict[int, list[float]] = {}       # variable → [sum of gains down, up, observations]
        self.seen: set = set()                        # expanded nodes whose children were observed
        self.stats = {"strong": 0, "pseudocost": 0}

    def _splits(self, nodes: list[Node], ctx: Context) -> list[Split]:
        for n in nodes:
            self._observe_parent(n, ctx)
        cands = self.candidates(nodes, ctx)
        strong = [[sp for sp in row if not self._reliable(sp.var)] for row in cands]
        tried = evaluate_candidates(nodes, strong, ctx, search_target(nodes[0], ctx))
        chosen, self.tried = [], {}
        for n, row, evaluated in zip(nodes, cands, tried):
            looked = {sp: e for sp, e in zip((sp for sp in row if not self._reliable(sp.var)), evaluated)}
            best = max(range(len(row)), key=lambda j: (self._score(n, row[j], looked.get(row[j]), ctx), -j))
            split = row[best]
            if split in looked:
                self.tried[id(n)] = (n, split, looked[split][0])
            chosen.append(split)
        return chosen

    def _score(self, node: Node, split: Split, looked, ctx: Context) -> float:
        """The product of the children's gains: measured (strong branching) or estimated."""
        if looked is None:
            self.stats["pseudocost"] += 1
            down, up, count = self.gains[split.var]
            w = _share(node, split.var, ctx)
            return max(w * down / count, EPS) * max(w * up / count, EPS)
        self.stats["strong"] += 1
        a, b = looked[1]
        gains = (self._gain(node, a, ctx), self._gain(node, b, ctx))
        self._record(split.var, _share(node, split.var, ctx), *gains)
        return max(gains[0], EPS) * max(gains[1], EPS)

    def _observe_parent(self, node: Node, ctx: Context) -> None:
        """Record the gains of the split that made `node` (once per split)."""
        parent = node.parent
        if parent is None or parent in self.seen or not isinstance(parent.split, Split) \
                or len(parent.children) != 2:
            return
        self.seen.add(parent)
        a, b = (_view(c, ctx) for c in parent.children)
        self._record(parent.split.var, _share(parent, parent.split.var, ctx), self._gain(parent, a, ctx),
                     self._gain(parent, b, ctx))

    def _gain(self, parent: Node, child: ChildView, ctx: Context) -> float:
        if not ctx.objective.bounds_reward:                 # scores are −(conditions left open)
            return max(0.0, child.score + len(parent.undecided)) if child.score != CLOSED else \
                float(max(1, len(parent.undecided)))
        target = search_target(parent, ctx)
        score = child.score if child.score != CLOSED else (target if target is not None else math.inf)
        if target is not None:
            score = min(score, target)
        if not math.isfinite(parent.lo):
            return 1.0 if math.isfinite(score) else 0.0
        return max(0.0, score - parent.lo) if math.isfinite(score) else 1.0

    def _record(self, var: int, share: float, down: float, up: float) -> None:
        """One observation of splitting `var` where it had `share` of its root width."""
        row = self.gains.setdefault(var, [0.0, 0.0, 0])
        share = max(share, EPS)
        row[0], row[1], row[2] = row[0] + down / share, row[1] + up / share, row[2] + 1

    def _reliable(self, var: int) -> bool:
        row = self.gains.get(var)
        return row is not None and row[2] >= RELIABLE


def _share(node: Node, var: int, ctx: Context) -> float:
    """The node's width of `var` as a share of the variable's declared width."""
    lo, hi = node.goal.box[var]
    v = ctx.variables[var]
    full = 1 if v.vtype == "bool" else v.hi - v.lo
    return float((hi - lo) / full) if full else 0.0


def _view(child: Node, ctx: Context) -> ChildView:
    """A child already in the tree, seen as strong branching would have scored it."""
    closes = child.closed_by is not None or child.infeasible
    if ctx.objective.bounds_reward:
        return ChildView(CLOSED if closes else child.lo, closes)
    return ChildView(CLOSED if closes else -float(len(child.undecided)), closes)
