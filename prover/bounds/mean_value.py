"""The mean-value leaf: enclosures of R and of the validity conditions' comparison margins
from their values at the box's midpoint and interval enclosures of their gradients.

For f Lipschitz on a box X with midpoint m and intervals G_i ⊇ ∂f/∂x_i over X (see
`prover.bounds.derivative`), every x in X has f(x) ∈ f(m) + Σ_i G_i · (x_i − m_i). Unlike plain
interval evaluation, whose overestimation shrinks linearly with the box, this one shrinks
quadratically, and it sees cancellations across steps (a gust that raises one step's reward
and lowers the next). A reward leaf closes when the lower end reaches the bound; a validity
leaf when every condition still undecided by intervals is decided true with its comparisons'
margins `l − r` enclosed by the intersection of both forms (conditions built from comparisons
with `and`, `or`, `not`; others are left to intervals).

Monotone variables are pinned: where G_i ≥ 0 (≤ 0) on the whole box, f's minimum lies on the
face x_i = lo_i (hi_i), so the lower end is also f at the point that puts every such variable
at its minimizing end, plus the terms of the others only (the upper end likewise); the form
keeps the tighter bound. A reward monotone in every variable is bounded by its exact value at
the worst corner.

`FloatMeanValue` is the search's outward-rounded screen (batched, numpy); `ExactMeanValue` the
checker's, in exact rational intervals at the exact midpoint (`prover.bounds.mean_value_exact`). Only real and int variables
move (an int box is bounded by its real relaxation, on which the expressions are the same);
bools never enter arithmetic.
"""
from __future__ import annotations

import numpy as np

from prover.bounds.derivative import gradients
from prover.bounds.interval import BoxEvaluator
from prover.bounds.mean_value_exact import ConditionAtoms, decide, margin  # noqa: F401 (shared with the float form)

__all__ = ["ConditionAtoms", "FloatMeanValue", "decide", "margin"]

# The search closes a box by the mean-value form only with this relative margin to spare, so
# that the checker (exact arithmetic, the exact midpoint) never disagrees by a rounding error.
MARGIN = 1e-9
ENGINE_CACHE = 64        # evaluators kept per problem, one per set of expressions asked for


class FloatMeanValue:
    """Batched outward-rounded mean-value enclosures of a list of expressions."""

    def __init__(self, exprs, variables, pins: bool = True):
        self.exprs, self.variables = list(exprs), variables
        self.pins = pins            # pin the variables a form is monotone in (off: the plain form, to measure)
        self.moving = np.array([v.vtype != "bool" for v in variables])
        self.grads = gradients(self.exprs, tuple(v.name for v in variables))
        self.engines: dict[tuple[int, ...], tuple] = {}

    def _engines(self, wanted: tuple[int, ...]):
        """The evaluators of the expressions `wanted` and of their gradients (cached per set:
        a search asks again and again for the few conditions its boxes leave undecided)."""
        if wanted not in self.engines:
            if len(self.engines) >= ENGINE_CACHE:
                self.engines.pop(next(iter(self.engines)))
            usable = [j for j in wanted if self.grads[j] is not None]
            value = BoxEvaluator([self.exprs[j] for j in wanted], self.variables)
            grad = BoxEvaluator([d for j in usable for d in self.grads[j]], self.variables) if usable else None
            self.engines[wanted] = (value, grad, usable)
        return self.engines[wanted]

    def enclosures(self, lo: np.ndarray, hi: np.ndarray, naive: bool = False,
                   wanted: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(N, E) lower and upper ends on N boxes [lo, hi] (each (N, V)) of the expressions
        `wanted` (default all; the others' columns stay ∓inf, as do those with no form).
        `naive`: intersected with plain interval evaluation (better on large boxes)."""
        n, n_vars = lo.shape[0], len(self.variables)
        wanted = tuple(range(len(self.exprs))) if wanted is None else tuple(wanted)
        out_lo, out_hi = np.full((n, len(self.exprs)), -np.inf), np.full((n, len(self.exprs)), np.inf)
        if n == 0 or not wanted:
            return out_lo, out_hi
        value, grad, usable = self._engines(wanted)
        if naive or n_vars == 0:            # no variables: the form is the value itself
            for col, (v_lo, v_hi) in zip(wanted, value.eval(lo, hi)):
                out_lo[:, col] = np.where(np.isnan(v_lo), -np.inf, v_lo)
                out_hi[:, col] = np.where(np.isnan(v_hi), np.inf, v_hi)
        if grad is None or n_vars == 0:
            return out_lo, out_hi
        mid = np.where(self.moving, (lo + hi) / 2, lo)                            # (N, V)
        at_mid = dict(zip(wanted, value.eval(mid, np.where(self.moving, mid, hi))))   # bools keep their box
        grads = grad.eval(lo, hi)
        g_lo = [np.stack([grads[k * n_vars + i][0] for i in range(n_vars)], axis=1) for k in range(len(usable))]
        g_hi = [np.stack([grads[k * n_vars + i][1] for i in range(n_vars)], axis=1) for k in range(len(usable))]
        pinned = self._pinned(value, wanted, usable, g_lo, g_hi, lo, hi, mid) if self.pins else None
        a = np.nextafter(lo - mid, -np.inf)                                       # (N, V) ≤ x − m
        b = np.nextafter(hi - mid, np.inf)                                        # (N, V) ≥ x − m
        with np.errstate(all="ignore"):
            for k, col in enumerate(usable):
                p = (g_lo[k] * a, g_lo[k] * b, g_hi[k] * a, g_hi[k] * b)              # (N, V) each
                term_lo = np.where(self.moving, np.nextafter(np.minimum.reduce(p), -np.inf), 0.0)
                term_hi = np.where(self.moving, np.nextafter(np.maximum.reduce(p), np.inf), 0.0)
                low, high = _outward_sum(*at_mid[col], term_lo, term_hi)
                if pinned is not None:      # pinned variables move the point, not the sum
                    f_low, f_high, fixed = pinned[k]
                    p_low, _ = _outward_sum(f_low, f_low, np.where(fixed, 0.0, term_lo), term_hi)
                    _, p_high = _outward_sum(f_high, f_high, term_lo, np.where(fixed, 0.0, term_hi))
                    low, high = np.fmax(low, p_low), np.fmin(high, p_high)
                slack = MARGIN * np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
                out_lo[:, col] = np.maximum(out_lo[:, col], np.where(np.isnan(low), -np.inf, low - slack))
                out_hi[:, col] = np.minimum(out_hi[:, col], np.where(np.isnan(high), np.inf, high + slack))
        return out_lo, out_hi

    def _pinned(self, value, wanted, usable, g_lo, g_hi, lo, hi, mid) -> list[tuple]:
        """Per usable expression: the lower end of f at the point that pins every variable f is
        monotone in to the end that minimizes it and the upper end at the maximizing point, (N,)
        each, and the (N, V) mask of pinned variables; the others sit at the midpoint. One
        batched call for all of them."""
        n, k_all = lo.shape[0], len(usable)
        low_pts, high_pts, fixed = [], [], []
        for k in range(k_all):
            inc, dec = _signs(g_lo[k], g_hi[k], self.moving)
            low_pts.append(np.where(inc, lo, np.where(dec, hi, mid)))               # (N, V)
            high_pts.append(np.where(inc, hi, np.where(dec, lo, mid)))              # (N, V)
            fixed.append(inc | dec)                                                 # (N, V)
        pts = np.concatenate(low_pts + high_pts)                                    # (2KN, V)
        column = {col: j for j, col in enumerate(wanted)}
        values = value.eval(pts, np.where(self.moving, pts, np.concatenate([hi] * (2 * k_all))))
        out = []
        for k, col in enumerate(usable):
            v_lo, v_hi = (np.broadcast_to(np.asarray(x, dtype=np.float64), (2 * k_all * n,)) for x in values[column[col]])
            out.append((v_lo[k * n:(k + 1) * n], v_hi[(k_all + k) * n:(k_all + k + 1) * n], fixed[k]))
        return out


def _signs(g_lo: np.ndarray, g_hi: np.ndarray, moving: np.ndarray):
    """Where f is nondecreasing (G ≥ 0) and nonincreasing (G ≤ 0, and not the former) in a
    real or int variable over the box (bools never move)."""
    inc = (g_lo >= 0) & moving
    return inc, (g_hi <= 0) & moving & ~inc


def _outward_sum(f_lo, f_hi, term_lo, term_hi):
    """f's ends at a point plus the row sums of the (N, V) terms, rounded outward."""
    low, high = np.asarray(f_lo, dtype=np.float64), np.asarray(f_hi, dtype=np.float64)
    for i in range(term_lo.shape[1]):
        low = np.nextafter(low + term_lo[:, i], -np.inf)
        high = np.nextafter(high + term_hi[:, i], np.inf)
    return low, high
