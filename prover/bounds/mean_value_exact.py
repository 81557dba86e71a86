"""The checker's mean-value form: exact rational enclosures of R and of the validity
conditions' comparison margins at the box's exact midpoint (the float search's screen is
`prover.bounds.mean_value`, which shares the condition atoms and `decide` from here).

For f Lipschitz on a box X with midpoint m and intervals G_i ⊇ ∂f/∂x_i over X (see
`prover.bounds.derivative`), every x in X has f(x) ∈ f(m) + Σ_i G_i · (x_i − m_i); monotone
variables are pinned to their minimizing (maximizing) end. Exact code only: the checker
imports this module, never the float one.
"""
from __future__ import annotations

from fractions import Fraction

from dsl import ast
from dsl.exact import to_fraction, to_q
from dsl.ranges import compare
from dsl.walk import DagWalker
from prover.bounds.derivative import gradients

_NOWHERE = ast.Pos(0, 0, 0, 0)


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


class ExactMeanValue:
    """The checker's mean-value enclosures of a list of expressions over one problem's boxes, in
    exact rational intervals (`facts`: the problem's `interval_exact.ExactBoxFacts`)."""

    def __init__(self, facts, exprs, monotone: bool = True):
        self.facts, self.variables = facts, facts.u.variables
        self.exprs = list(exprs)
        self.monotone = monotone        # pin the variables a form is monotone in (off: the plain form)
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
                                                            at_point if self.monotone else None)
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
