"""`spatial`: spatial branching on lifted quantities, the global optimizers' rule: at a leaf
whose lp bound left an LP solution, split the state whose lifted value in that solution is
furthest from its true value at the solution's inputs (the largest relaxation error), at its LP
value (`split q at c`, prover.calculus.tactics.LiftedSplit). The children's lifted bounds reach
their boxes through the `fbbt` step the search applies next (the strategy uses FBBT), which
narrows the inputs to the scenarios with q on each side; the lp leaves of the narrowed boxes
then relax over tighter bounds. Leaves without an LP solution, and the children of a lifted
split FBBT could not narrow, are split by the heuristic's strong branching.
"""
from __future__ import annotations

from dsl.exact import to_fraction
from dsl.ranges import MaybeZeroDivisor
from prover.calculus.exact_ranges import MemoRangeEvaluator
from prover.calculus.lifted import as_dict, quantities
from prover.calculus.tactics import LiftedSplit
from prover.policy.hand import Heuristic

ERROR = 1e-6        # errors at most this (relative to the quantity's size) are the relaxation being exact
BITS = 64           # the exact replay of the LP inputs rounds outward past this many bits


class Spatial(Heuristic):
    name = "spatial"

    def choose_batch(self, nodes, ctx):
        lifted = [self.lifted_split(n, ctx) for n in nodes]
        rest = [n for n, s in zip(nodes, lifted) if s is None]
        chosen = iter(super().choose_batch(rest, ctx) if rest else [])
        return [s if s is not None else next(chosen) for s in lifted]

    def lifted_split(self, node, ctx) -> LiftedSplit | None:
        """The split of the lifted quantity with the largest relaxation error (None: none fits)."""
        if node.lp_solution is None or node.lp_point is None or _stalled(node):
            return None
        u = ctx.evaluator.u
        value = _values_at(u, node.lp_point)
        have, best = as_dict(node.goal.lifted), None
        for name, q in quantities(u).items():
            lp, true = node.lp_solution.get(id(q)), value(q)
            if lp is None or true is None or abs(lp - true) <= ERROR * (1 + abs(true)):
                continue
            c = to_fraction(lp)
            lo, hi = have.get(name, (None, None))
            if (lo is None or lo < c) and (hi is None or c < hi) and (best is None or abs(lp - true) > best[0]):
                best = (abs(lp - true), name, c)
        return None if best is None else LiftedSplit(best[1], best[2])


def _stalled(node) -> bool:
    """A child of a lifted split whose box FBBT left as it was: split its inputs instead."""
    parent = node.parent
    return parent is not None and isinstance(parent.split, LiftedSplit) and parent.goal.box == node.goal.box


def _values_at(u, point):
    """q → its value (float) at the scenario `point` (exact intervals, outward past BITS bits)."""
    bounds = {v.name: ((p == 1, p == 1) if v.vtype == "bool" else (p, p)) for v, p in zip(u.variables, point)}
    ev = MemoRangeEvaluator(bounds, u.domain.horizon, limit=BITS)

    def value(q):
        try:
            lo, hi = ev.eval(q)
        except MaybeZeroDivisor:
            return None
        return (float(lo) + float(hi)) / 2
    return value
