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
checker's, in exact rational intervals at the exact midpoint. Only real and int variables
move (an int box is bounded by its real relaxation, on which the expressions are the same);
bools never enter arithmetic.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from dsl import ast
from dsl.exact import to_fraction, to_q
from dsl.ranges import compare
from dsl.walk import DagWalker
from prover.bounds.derivative import gradients
from prover.bounds.interval import BoxEvaluator

_NOWHERE = ast.Pos(0, 0, 0, 0)
# The search closes a box by the mean-value form only with this relative margin to spare, so
# that the checker (exact arithmetic, the exact midpoint) never disagrees by a rounding error.
MARGIN = 1e-9
ENGINE_CACHE = 64        # evaluators kept per problem, one per set of expressions asked for
MONOTONE = True          # pin the variables a form is monotone in (off: the plain form, to measure)


def margin(cmp: ast.Compare) -> ast.Expr:
    return ast.BinOp("-", cmp.left, cmp.right, _NOWHERE)


class ConditionAtoms:
    """The numeric comparisons of the conditions the mean-value form can decide: conditions
    made of comparisons between numbers with `and` / `or` / `not` (others: None)."""

    def __init__(self, conditions, bool_vars: frozenset):
        self.atoms: list[ast.Compare] = []
        self.index: dict[int, int] = {}                  # id(Compare) → atom number
        self.of_condition: list[tuple[int, ...] | None] = []   # None: not supported
        for c in conditions:
            found = self._collect(c.expr, bool_vars)
            for a in found or ():
                if id(a) not in self.index:
                    self.index[id(a)] = len(self.atoms)
                    self.atoms.append(a)
            self.of_condition.append(None if found is None else tuple(self.index[id(a)] for a in found))

    @staticmethod
    def _collect(e, bool_vars):
        out, stack = [], [e]
        while stack:
            n = stack.pop()
            if isinstance(n, (ast.BoolOp, ast.Not)):
                stack.extend(ast.children(n))
            elif isinstance(n, ast.Compare) and not ast.is_boolean(n.left, bool_vars):
                out.append(n)
            else:
                return None
        return out


def decide(e, atom_interval) -> tuple[bool, bool]:
    """(can be false, can be true) of a supported condition, given `atom_interval(compare)` →
    an enclosure (lo, hi) of its margin l − r."""
    return _Decide(atom_interval).eval(e)


class _Decide(DagWalker):
    """`decide` on the and/or/not structure of a condition (iterative: conditions can be deep)."""

    def __init__(self, atom_interval):
        super().__init__()
        self.atom_interval = atom_interval

    def _Not(self, e):
        f, t = yield e.operand
        return t, f

    def _BoolOp(self, e):
        lf, lt = yield e.left
        rf, rt = yield e.right
        return (lf or rf, lt and rt) if e.op == "and" else (lf and rf, lt or rt)

    def _Compare(self, e):
        return compare(e.op, self.atom_interval(e), (0, 0))         # l − r against 0


class FloatMeanValue:
    """Batched outward-rounded mean-value enclosures of a list of expressions."""

    def __init__(self, exprs, variables):
        self.exprs, self.variables = list(exprs), variables
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
        pinned = self._pinned(value, wanted, usable, g_lo, g_hi, lo, hi, mid) if MONOTONE else None
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


class ExactMeanValue:
    """The checker's mean-value enclosures of a list of expressions over one problem's boxes, in
    exact rational intervals (`facts`: the problem's `interval_exact.ExactBoxFacts`)."""

    def __init__(self, facts, exprs):
        self.facts, self.variables = facts, facts.u.variables
        self.exprs = list(exprs)
        self.grads = gradients(self.exprs, tuple(v.name for v in self.variables))

    def enclosures(self, box, wanted, naive: bool = False) -> dict[int, tuple[Fraction, Fraction] | None]:
        """Expression number → its enclosure on `box` (exact (lo, hi) pairs) at the exact
        midpoint (`naive`: intersected with plain interval evaluation), or None when there is
        none (not Lipschitz, or a divisor's interval may contain 0)."""
        # GMP rationals throughout (the same exact values as Fractions, several times faster);
        # the results are converted back to Fractions at the end
        box = tuple((to_q(lo), to_q(hi)) for lo, hi in box)
        mid = tuple(((lo + hi) / 2, (lo + hi) / 2) if v.vtype != "bool" else (lo, hi)
                    for v, (lo, hi) in zip(self.variables, box))
        at_mid, over_box = self.facts.enclosure(mid), self.facts.enclosure(box)
        points: dict = {}           # one evaluator per pinned point (atoms share most of them)

        def at_point(point):
            if point not in points:
                points[point] = self.facts.enclosure(point)
            return points[point]
        out = {}
        for j in wanted:
            form = None if self.grads[j] is None else _form(self.exprs[j], self.grads[j], box, mid,
                                                            self.variables, at_mid, over_box,
                                                            at_point if MONOTONE else None)
            plain = over_box(self.exprs[j]) if naive else None
            if plain is not None:
                form = plain if form is None else (max(form[0], plain[0]), min(form[1], plain[1]))
            out[j] = None if form is None else (to_fraction(form[0]), to_fraction(form[1]))
        return out


def _form(e, grad, box, mid, variables, at_mid, over_box, at_point=None):
    """The exact form of `e` on `box`; with `at_point` (point box → evaluator), also pinned:
    f at the point that moves every variable f is monotone in to its minimizing (maximizing)
    end, plus the terms of the others — intersected with the plain form. Exact arithmetic makes
    the pinned bound at least the plain one and at least any bound with fewer pins (f(m_P∪j)
    − f(m_P) ∈ G_j · (end_j − m_j), Lebourg), so pinning more than the float search did never
    loses what it found."""
    f = at_mid(e)
    if f is None:
        return None
    terms, signs = [], []           # per variable; bools never move: no term, sign 0
    for v, (lo, hi), (m, _), g in zip(variables, box, mid, grad):
        if v.vtype == "bool":
            terms.append((0, 0))
            signs.append(0)
            continue
        enclosure = over_box(g)
        if enclosure is None:
            return None
        g_lo, g_hi = enclosure
        p = (g_lo * (lo - m), g_lo * (hi - m), g_hi * (lo - m), g_hi * (hi - m))
        terms.append((min(p), max(p)))
        signs.append(1 if g_lo >= 0 else -1 if g_hi <= 0 else 0)
    low = f[0] + sum(t[0] for t in terms)
    high = f[1] + sum(t[1] for t in terms)
    if at_point is None:
        return low, high
    # An expression with a gradient reads no bool (an `if` on a variable has none, and bools
    # never enter arithmetic), so its values at these points are exact.
    low_pt = tuple(m if s == 0 else (lo, lo) if s > 0 else (hi, hi) for (lo, hi), m, s in zip(box, mid, signs))
    high_pt = tuple(m if s == 0 else (hi, hi) if s > 0 else (lo, lo) for (lo, hi), m, s in zip(box, mid, signs))
    f_low, f_high = at_point(low_pt)(e), at_point(high_pt)(e)
    free = [t for t, s in zip(terms, signs) if s == 0]
    if f_low is not None:
        low = max(low, f_low[0] + sum(t[0] for t in free))
    if f_high is not None:
        high = min(high, f_high[1] + sum(t[1] for t in free))
    return low, high
