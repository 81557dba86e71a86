"""Primal heuristic: local optimisation of R over the box and the assumes (SLSQP).

From a few starts (the best points found so far, an LP solution), SLSQP minimises the float
reward over the box's real variables, with each comparison of the assumes' top-level
conjunctions as a smooth constraint (kept a hair inside: `SLACK`); integers and booleans stay
at their start's values. Gradients are forward differences, all of a point's in one batched
evaluation. The float optimum is only a candidate: it is offered to the worst-found tracker,
which replays it by the reference interpreter (or the rigorous enclosure for long numbers)
before anything is reported.
"""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import numpy as np

from prover.bounds.interval import BoxEvaluator
from prover.bounds.relaxation import margins
from prover.calculus.goals import Box

SLACK = 1e-9          # constraints as margin ≥ SLACK: float optima stay admissible
STEP = 1e-7           # relative forward-difference step
ITERATIONS = 60       # SLSQP iterations per start


class Polisher:
    """Local optimisation of one unrolled plan's reward (see the module doc)."""

    def __init__(self, u):
        self.u = u
        kinds = [SimpleNamespace(expr=a) for a in u.assumes]
        found, of_assume = margins(kinds, frozenset(v.name for v in u.variables if v.vtype == "bool"))
        self.whole = [a for a, m in zip(u.assumes, of_assume) if m is None]   # kept as 0/1 checks
        self.engine = BoxEvaluator([u.reward, *(m.expr for m in found), *self.whole], u.variables)
        self.n_margins = len(found)
        self.reals = np.array([i for i, v in enumerate(u.variables) if v.vtype == "real"], dtype=int)

    def values(self, x: np.ndarray):
        """(rewards (N,), margins (N, M), whole assumes hold (N,)) at the points x (N, V)."""
        out = self.engine.point(x)
        n = x.shape[0]
        r = np.broadcast_to(np.asarray(out[0], dtype=np.float64), (n,))
        m = np.array([np.broadcast_to(np.asarray(a, dtype=np.float64), (n,)) for a in out[1:1 + self.n_margins]])
        ok = np.ones(n, dtype=bool)
        for a in out[1 + self.n_margins:]:
            ok &= np.broadcast_to(np.asarray(a, dtype=bool), (n,))
        return r, (m.T if self.n_margins else np.zeros((n, 0))), ok

    def polish(self, box: Box, start) -> tuple | None:
        """The point SLSQP reaches from `start` (a point of the box), as exact rationals; None
        when there is nothing to optimise or it ends outside the assumes' float feasibility."""
        from scipy.optimize import minimize
        if not len(self.reals):
            return None
        base = np.array([float(x) for x in start], dtype=np.float64)
        lo = np.array([float(box[i][0]) for i in self.reals])
        hi = np.array([float(box[i][1]) for i in self.reals])
        cache = _Differences(self, base, lo, hi)
        constraints = [{"type": "ineq", "fun": cache.margins, "jac": cache.margin_jacobian}] if self.n_margins else []
        with np.errstate(all="ignore"):
            res = minimize(cache.reward, np.clip(base[self.reals], lo, hi), jac=cache.gradient, method="SLSQP",
                           bounds=list(zip(lo, hi)), constraints=constraints,
                           options={"maxiter": ITERATIONS})
        x = base.copy()
        x[self.reals] = np.clip(res.x, lo, hi)
        r, m, ok = self.values(x[None, :])
        if not (np.isfinite(r[0]) and ok[0] and np.all(m >= 0)):
            return None
        out = list(start)
        for i in self.reals.tolist():
            out[i] = min(max(Fraction(float(x[i])), box[i][0]), box[i][1])
        return tuple(out)


class _Differences:
    """Reward, margins and their forward-difference derivatives at SLSQP's iterates, one batched
    evaluation per iterate (x and x + h·e_i for every real variable)."""

    def __init__(self, p: Polisher, base, lo, hi):
        self.p, self.base, self.lo, self.hi = p, base, lo, hi
        self.at: bytes | None = None

    def _eval(self, y):
        key = np.asarray(y, dtype=np.float64).tobytes()
        if key == self.at:
            return
        k = len(self.p.reals)
        h = STEP * np.maximum(1.0, np.abs(y))
        h = np.where(y + h > self.hi, -h, h)           # stay inside the box
        pts = np.tile(self.base, (k + 1, 1))
        pts[:, self.p.reals] = y
        pts[np.arange(1, k + 1), self.p.reals] += h
        r, m, _ = self.p.values(pts)
        self.r, self.g = r[0], (r[1:] - r[0]) / h
        self.m, self.j = m[0] - SLACK, ((m[1:] - m[0]) / h[:, None]).T
        self.at = key

    def reward(self, y):
        self._eval(y)
        return self.r if np.isfinite(self.r) else 1e300

    def gradient(self, y):
        self._eval(y)
        return np.nan_to_num(self.g)

    def margins(self, y):
        self._eval(y)
        return np.nan_to_num(self.m, nan=-1.0)

    def margin_jacobian(self, y):
        self._eval(y)
        return np.nan_to_num(self.j)
