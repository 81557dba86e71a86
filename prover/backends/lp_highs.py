"""HiGHS, in floating point, on a lifted relaxation: it only *suggests* dual multipliers (and a
primal point); `prover.bounds.relaxation.dual_bound` judges them exactly. The only module that
imports highspy (lazily: most runs never solve an LP)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:       # the rows are given; this backend depends on no bound code
    from prover.bounds.relaxation import Relaxation


HUGE = 1e15


@dataclass(frozen=True)
class LpAnswer:
    optimal: bool
    value: float | None                   # the float LP minimum (not trusted)
    duals: dict[int, float]               # row → multiplier, ≥ 0 on ≥ rows (clipped)
    point: np.ndarray | None              # the LP's primal solution, one value per column


def _float(x, up: bool) -> float:
    """A float at or beyond x (outward); beyond HUGE, infinite: such a bound carries no
    information the LP could use in floating point."""
    try:
        f = float(x)                          # nearest; then one step outward if it is inside
    except OverflowError:
        return math.inf if x > 0 else -math.inf
    if f != x and (f < x) == up:             # (rationals and floats compare exactly)
        f = math.nextafter(f, math.inf if up else -math.inf)
    return math.copysign(math.inf, f) if abs(f) > HUGE else f


class LpModel:
    """One relaxation loaded into HiGHS once, minimised for one column after another (each
    solve starts from the last basis)."""

    def __init__(self, rel: Relaxation):
        import highspy
        self.highspy, self.rel = highspy, rel
        self.h = _model(highspy, rel)
        self.last = None

    def minimize(self, column: int, seconds: float, sign: int = 1) -> LpAnswer:
        """min sign · x_column over the relaxation, in floats (bounds widened outward to floats)."""
        if seconds <= 0:
            return LpAnswer(False, None, {}, None)
        if self.last is not None:
            self.h.changeColCost(self.last, 0.0)
        self.h.changeColCost(column, float(sign))
        self.last = column
        self.h.setOptionValue("time_limit", max(0.01, seconds))
        self.h.run()
        return _answer(self.highspy, self.h, self.rel)


def _model(highspy, rel: Relaxation):
    n, m = len(rel.lo), len(rel.rows)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array([_float(v, up=False) for v in rel.lo])
    lp.col_upper_ = np.array([_float(v, up=True) for v in rel.hi])
    lp.row_lower_ = np.array([float(r.rhs) for r in rel.rows])
    lp.row_upper_ = np.array([float(r.rhs) if r.equality else highspy.kHighsInf for r in rel.rows])
    starts, index, value = [0], [], []
    by_col: list[list] = [[] for _ in range(n)]
    for i, r in enumerate(rel.rows):
        for c, a in r.coeffs:
            by_col[c].append((i, float(a)))
    for entries in by_col:
        index.extend(i for i, _ in entries)
        value.extend(a for _, a in entries)
        starts.append(len(index))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value)
    h.passModel(lp)
    return h


def _answer(highspy, h, rel: Relaxation) -> LpAnswer:
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return LpAnswer(False, None, {}, None)
    sol = h.getSolution()
    y = np.asarray(sol.row_dual, dtype=np.float64)
    y = np.where(_equalities(rel), y, np.maximum(y, 0.0))
    keep = np.flatnonzero((y != 0.0) & np.isfinite(y))
    duals = dict(zip(keep.tolist(), y[keep].tolist()))
    return LpAnswer(True, h.getInfo().objective_function_value, duals, np.array(sol.col_value))


def _equalities(rel: Relaxation) -> np.ndarray:
    return np.fromiter((r.equality for r in rel.rows), dtype=bool, count=len(rel.rows))
