"""Exact rational interval facts about a box, for the certificate checker.

The same rules as the float evaluator (`prover.bounds.interval`) — squares of a shared node, even
powers, decided `if`s — in exact `Fraction` arithmetic, memoized by node identity because
unrolled expressions are DAGs. Exact intervals lie inside the float ones, so whatever the
search proved in float, the checker can confirm exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl import ast
from dsl.exact import to_fraction, to_q
from dsl.ranges import MaybeZeroDivisor
from prover.bounds.enclosure import Enclosures
from prover.bounds.mean_value_exact import ExactMeanValue, decide
from prover.calculus.exact_ranges import LIMIT, PRECISION, MemoRangeEvaluator, outward
from prover.calculus.goals import Box
from prover.calculus.lifted import quantities, seed

__all__ = ["LIMIT", "PRECISION", "MemoRangeEvaluator", "outward", "ExactBoxFacts", "ExactFacts", "LiftedFacts",
           "exact_rational"]


def exact_rational(x):
    """`x` (a Fraction, int or mpq) as the checker's exact rational type (`dsl.exact`)."""
    return to_q(x)


_INF = float("inf")


@dataclass(frozen=True, slots=True)
class ExactFacts:
    lo: Fraction | None                # exact lower bound of R (None: unbounded, a divisor may be 0)
    undecided: tuple[int, ...]         # conditions that may be false on the box
    infeasible: bool                   # some assume is false on the whole box


class ExactBoxFacts(Enclosures):
    """Exact facts about boxes of one unrolled plan (the exact twin: the checker's)."""

    def _form(self, exprs):
        return ExactMeanValue(self, exprs)

    def mean_value_lower(self, box: Box):
        """The exact mean-value lower bound of R on `box` (None: there is none)."""
        form = self.reward_form.enclosures(box, [0])[0]
        return None if form is None else form[0]

    def mean_value_undecided(self, box: Box, undecided) -> tuple[int, ...]:
        """The conditions of `undecided` the exact mean-value form of their comparisons
        (intersected with intervals) does not decide true on `box`."""
        atoms = self.atoms
        wanted = {j for c in undecided for j in atoms.of_condition[c] or ()}
        forms = self.atom_form.enclosures(box, sorted(wanted), naive=True)

        def interval(cmp):
            form = forms[atoms.index[id(cmp)]]
            return form if form is not None else (-_INF, _INF)
        return tuple(c for c in undecided if atoms.of_condition[c] is None
                     or decide(self.u.conditions[c].expr, interval)[0])

    def evaluator(self, box: Box, kind: type = MemoRangeEvaluator) -> MemoRangeEvaluator:
        """An exact interval evaluator over `box` (bools as the set of their values); `kind`: a
        subclass with other rules for its endpoints (`prover.bounds.tightening.LpEvaluator`)."""
        bounds = {}
        for v, (lo, hi) in zip(self.u.variables, box):
            bounds[v.name] = (lo == 0, hi == 1) if v.vtype == "bool" else (lo, hi)
        return kind(bounds, self.u.domain.horizon)

    def enclosure(self, box: Box):
        """`expr → (lo, hi)` over `box`, or None where a divisor's interval may contain 0."""
        ev = self.evaluator(box)
        return lambda e: _safe(ev, e, None)

    def facts(self, box: Box, claim=None, lifted=()) -> ExactFacts:
        """Facts on `box`; for a validity `claim` (prover.calculus.objective) the reward is not
        evaluated (lo None), for a claim on R the conditions are not (undecided empty): a leaf
        needs one or the other. Without a claim, both. `lifted` bounds (prover.calculus.lifted)
        are intersected in; when one is empty the box is infeasible."""
        ev = self.evaluator(box)
        if not seed(ev, self.u, lifted):
            return ExactFacts(None, (), True)
        infeasible = any(not _safe(ev, a, (True, True))[1] for a in self.u.assumes)
        undecided = () if claim is not None and claim.bounds_reward else \
            tuple(i for i, c in enumerate(self.u.conditions) if _safe(ev, c.expr, (True, True))[0])
        r = None if claim is not None and not claim.bounds_reward else _safe(ev, self.u.reward, None)
        return ExactFacts(None if r is None else to_fraction(r[0]), undecided, infeasible)


def _safe(ev: MemoRangeEvaluator, e: ast.Expr, unbounded):
    """Evaluate; a possibly-zero divisor makes the enclosure `unbounded` (never an error)."""
    try:
        return ev.eval(e)
    except MaybeZeroDivisor:
        return unbounded


class LiftedFacts:
    """Exact facts of one problem's boxes under a goal's lifted bounds (prover.calculus.lifted):
    its evaluators intersect each bounded state's interval with its bound as they compute it
    (children first, so every interval above shrinks, and bounds seeded later by the lp leaf's
    tightening still reach them), so the lp leaf's relaxation (search and checker alike) is
    built from the smaller intervals. An empty intersection is left unintersected (sound: the
    goal is vacuous; its facts say infeasible)."""

    def __init__(self, base: ExactBoxFacts, lifted):
        self.base, self.lifted, self.u = base, lifted, base.u
        nodes = quantities(base.u)
        self.clamp = {id(nodes[q]): (lo, hi) for q, lo, hi in lifted}

    def evaluator(self, box: Box, kind: type = MemoRangeEvaluator) -> MemoRangeEvaluator:
        ev = self.base.evaluator(box, kind)
        inner, clamp = ev.finish, self.clamp

        def finish(e, r):
            r = inner(e, r)
            bound = clamp.get(id(e))
            return r if bound is None or not isinstance(r, tuple) else _intersect(r, bound)
        ev.finish = finish
        return ev

    def facts(self, box: Box, claim=None, lifted=()) -> ExactFacts:
        return self.base.facts(box, claim, self.lifted)

    def __getattr__(self, name):
        return getattr(self.base, name)


def _intersect(r, bound):
    lo, hi = r
    a = lo if bound[0] is None else max(lo, to_q(bound[0]))
    b = hi if bound[1] is None else min(hi, to_q(bound[1]))
    return r if a > b else (a, b)
