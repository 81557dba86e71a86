"""What the search needs to know about boxes and points, computed in batches.

Wraps the batched interval evaluator (`prover.bounds.interval.BoxEvaluator`) for one unrolled plan:
for each box, the interval of R, which validity conditions are not yet proved true, and
whether some `assume` is false on the whole box; for each point, R, validity and
admissibility in float (screening only — anything reported is replayed exactly).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dsl.exact import float_bounds
from prover.calculus.goals import Box
from prover.bounds.enclosure import Enclosures
from prover.bounds.interval import BoxEvaluator, const_bounds
from prover.calculus.tactics import LiftedSplit, Split, split_children
from prover.calculus.unroll import Unrolled


@dataclass(frozen=True, slots=True)
class BoxFacts:
    lo: float                        # sound lower bound of R on the box
    hi: float
    undecided: tuple[int, ...]       # conditions that may be false somewhere on the box
    violated: tuple[int, ...]        # conditions false everywhere on the box
    infeasible: bool                 # some assume is false everywhere on the box


@dataclass(frozen=True, slots=True)
class PointFacts:
    reward: np.ndarray               # (N,) float R
    valid: np.ndarray                # (N,) bool, every condition true
    admissible: np.ndarray           # (N,) bool, every assume true


def to_arrays(boxes: list[Box]) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays (N, V) enclosing the exact boxes (lo rounded down, hi up)."""
    lo = np.array([[float_bounds(b[0])[0] for b in box] for box in boxes], dtype=np.float64)   # (N, V)
    hi = np.array([[float_bounds(b[1])[1] for b in box] for box in boxes], dtype=np.float64)   # (N, V)
    return lo, hi


def child_arrays(node, split: Split | LiftedSplit, variables):
    """The two children of a split with their float boxes (the split point rounded outward; a
    split of a lifted quantity keeps the box: its children differ in their lifted bounds)."""
    if isinstance(split, LiftedSplit):
        left, right = (c.goal for c in split.children(None, node.goal))
        return (left, node.flo, node.fhi), (right, node.flo, node.fhi)
    left, right = split_children(node.goal, split, variables)
    i = split.var
    l_hi, r_lo = left.box[i][1], right.box[i][0]
    lo_l, hi_l = node.flo, node.fhi.copy()
    hi_l[i] = const_bounds(l_hi)[1]
    lo_r, hi_r = node.flo.copy(), node.fhi
    lo_r[i] = const_bounds(r_lo)[0]
    return (left, lo_l, hi_l), (right, lo_r, hi_r)


class GoalEvaluator(Enclosures):
    """Batched facts about boxes and points of one unrolled plan (the float twin)."""

    def __init__(self, u: Unrolled, pins: bool = True):
        super().__init__(u)
        self.pins = pins                    # pins: mean-value forms pin monotone variables
        self.n_cond, self.n_assume = len(u.conditions), len(u.assumes)
        self.exprs = [u.reward, *(c.expr for c in u.conditions), *u.assumes]
        self.engine = BoxEvaluator(self.exprs, u.variables)
        self.boxes_evaluated = 0

    def _form(self, exprs):
        from prover.bounds.mean_value import FloatMeanValue
        return FloatMeanValue(exprs, self.u.variables, self.pins)

    def mean_value(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """(N,) mean-value lower bounds of R on N float boxes (−inf where there is none)."""
        return self.reward_form.enclosures(lo, hi)[0][:, 0]

    def mean_value_undecided(self, lo: np.ndarray, hi: np.ndarray, undecided: list) -> list[tuple[int, ...]]:
        """For N float boxes with the conditions intervals left undecided, those the mean-value
        form of their comparisons (intersected with intervals) cannot decide true either."""
        from prover.bounds.mean_value_exact import decide
        atoms = self.atoms
        if not atoms.atoms or lo.shape[0] == 0:
            return [tuple(u) for u in undecided]
        wanted = tuple(sorted({j for conds in undecided for c in conds for j in atoms.of_condition[c] or ()}))
        a_lo, a_hi = self.atom_form.enclosures(lo, hi, naive=True, wanted=wanted)   # (N, A)
        out = []
        for b, conds in enumerate(undecided):
            def interval(cmp, b=b):
                j = atoms.index[id(cmp)]
                return a_lo[b, j], a_hi[b, j]
            out.append(tuple(c for c in conds if atoms.of_condition[c] is None
                             or decide(self.u.conditions[c].expr, interval)[0]))
        return out

    def boxes(self, boxes: list[Box]) -> list[BoxFacts]:
        return self.facts(*to_arrays(boxes))

    def facts(self, lo: np.ndarray, hi: np.ndarray) -> list[BoxFacts]:
        """Facts about N float boxes [lo, hi] (each (N, V))."""
        n = lo.shape[0]
        out = self.engine.eval(lo, hi)
        self.boxes_evaluated += n
        r_lo, r_hi = out[0]
        conds = out[1:1 + self.n_cond]
        assumes = out[1 + self.n_cond:]
        can_false = np.array([c[0] for c in conds], dtype=bool).reshape(self.n_cond, n)   # (C, N)
        can_true = np.array([c[1] for c in conds], dtype=bool).reshape(self.n_cond, n)    # (C, N)
        infeasible = np.zeros(n, dtype=bool)                                           # (N,)
        for _, a_true in assumes:
            infeasible |= ~np.asarray(a_true, dtype=bool)
        facts = []
        for j in range(n):
            facts.append(BoxFacts(_num(r_lo[j], -math.inf), _num(r_hi[j], math.inf),
                                  tuple(np.flatnonzero(can_false[:, j]).tolist()),
                                  tuple(np.flatnonzero(~can_true[:, j]).tolist()),
                                  bool(infeasible[j])))
        return facts

    def points(self, x: np.ndarray) -> PointFacts:
        """Float facts at N points (N, V)."""
        out = self.engine.point(x)
        n = x.shape[0]
        valid = np.ones(n, dtype=bool)
        for c in out[1:1 + self.n_cond]:
            valid &= np.asarray(c, dtype=bool)
        admissible = np.ones(n, dtype=bool)
        for a in out[1 + self.n_cond:]:
            admissible &= np.asarray(a, dtype=bool)
        return PointFacts(np.asarray(out[0], dtype=np.float64).reshape(n), valid, admissible)


def _num(x, default: float) -> float:
    x = float(x)
    return default if math.isnan(x) else x


def round_down(x: float, digits: int = 6) -> Fraction:
    """A short rational ≤ x (x finite): certificates carry readable bounds."""
    exact = Fraction(x)
    if exact == 0:
        return exact
    scale = 10 ** max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return Fraction(math.floor(exact * scale), scale)
