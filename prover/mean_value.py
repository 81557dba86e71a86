"""The mean-value leaf: a lower bound of R on a box from its value at the midpoint and an
interval enclosure of its gradient over the box.

For f Lipschitz on a box X with midpoint m and intervals G_i ⊇ ∂f/∂x_i over X (see
`prover.derivative`), every x in X has f(x) ∈ f(m) + Σ_i G_i · (x_i − m_i). Unlike plain
interval evaluation, whose overestimation shrinks linearly with the box, this one shrinks
quadratically, and it sees cancellations across steps (a gust that raises one step's reward
and lowers the next). `FloatMeanValue` is the search's outward-rounded screen (batched, numpy);
`exact_lower_bound` is the checker's, in exact rational interval arithmetic at the exact
midpoint. Only real and int variables move (an int box is bounded by its real relaxation, on
which R is the same expression); bools never enter R's arithmetic.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from prover.derivative import gradient
from prover.interval import BoxEvaluator
from prover.unroll import Unrolled

# The search closes a box by the mean-value bound only with this relative margin to spare, so
# that the checker (exact arithmetic, the exact midpoint) never disagrees by a rounding error.
MARGIN = 1e-9


class FloatMeanValue:
    """Batched mean-value lower bounds of one problem's reward (None: R is not Lipschitz)."""

    def __init__(self, u: Unrolled):
        names = tuple(v.name for v in u.variables)
        self.moving = np.array([v.vtype != "bool" for v in u.variables])
        grad = gradient(u.reward, names)
        self.available = grad is not None
        if self.available:
            self.value = BoxEvaluator([u.reward], u.variables)
            self.grad = BoxEvaluator(list(grad), u.variables)

    def lower(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """(N,) lower bounds of R on N boxes [lo, hi] (each (N, V)); −inf where there is none."""
        n = lo.shape[0]
        if not self.available or n == 0:
            return np.full(n, -np.inf)
        mid = np.where(self.moving, (lo + hi) / 2, lo)                            # (N, V)
        mid_hi = np.where(self.moving, mid, hi)                                   # bools keep their box
        at_mid = self.value.eval(mid, mid_hi)[0][0]                               # (N,) f(m) lower end
        grads = self.grad.eval(lo, hi)                                            # V × ((N,), (N,))
        total = np.asarray(at_mid, dtype=np.float64)
        with np.errstate(all="ignore"):
            for i, (g_lo, g_hi) in enumerate(grads):
                if not self.moving[i]:
                    continue
                a = np.nextafter(lo[:, i] - mid[:, i], -np.inf)                   # ≤ x_i − m_i
                b = np.nextafter(hi[:, i] - mid[:, i], np.inf)
                prods = np.minimum(np.minimum(g_lo * a, g_lo * b), np.minimum(g_hi * a, g_hi * b))
                total = np.nextafter(total + np.nextafter(prods, -np.inf), -np.inf)
        total = np.where(np.isnan(total), -np.inf, total)
        return total - MARGIN * np.maximum(1.0, np.abs(total))


class ExactMeanValue:
    """The checker's mean-value bound of one problem's reward, in exact rational intervals
    (`facts`: the problem's `interval_exact.ExactBoxFacts`)."""

    def __init__(self, facts):
        self.facts, self.u = facts, facts.u
        self.grad = gradient(self.u.reward, tuple(v.name for v in self.u.variables))

    def lower(self, box) -> Fraction | None:
        """The mean-value lower bound of R on `box` (exact (lo, hi) pairs) at its exact midpoint,
        or None when R is not Lipschitz in its variables or an enclosure is unbounded (a
        divisor's interval may contain 0)."""
        if self.grad is None:
            return None
        mid = tuple(((lo + hi) / 2, (lo + hi) / 2) if v.vtype != "bool" else (lo, hi)
                    for v, (lo, hi) in zip(self.u.variables, box))
        at_mid = self.facts.enclosure(mid)(self.u.reward)
        if at_mid is None:
            return None
        over_box = self.facts.enclosure(box)
        total = Fraction(int(at_mid[0].numerator), int(at_mid[0].denominator))
        for v, (lo, hi), (m, _), g in zip(self.u.variables, box, mid, self.grad):
            if v.vtype == "bool":
                continue
            enclosure = over_box(g)
            if enclosure is None:
                return None
            g_lo, g_hi = (Fraction(int(x.numerator), int(x.denominator)) for x in enclosure)
            a, b = lo - m, hi - m
            total += min(g_lo * a, g_lo * b, g_hi * a, g_hi * b)
        return total
