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
from dsl.exact import Q, to_fraction, to_q
from dsl.ranges import MaybeZeroDivisor, RangeEvaluator
from prover.bounds.enclosure import Enclosures
from prover.bounds.mean_value_exact import ExactMeanValue, decide
from prover.calculus.goals import Box


def _exact(x):
    return x if isinstance(x, bool) else to_q(x)


def exact_rational(x):
    """`x` (a Fraction, int or mpq) as the checker's exact rational type (`dsl.exact`)."""
    return to_q(x)


_INF = float("inf")
PRECISION = 192          # significant bits kept when an endpoint's denominator grows past LIMIT
LIMIT = 256              # ... bits; shorter rationals are never touched


def outward(x, up: bool, limit: int = LIMIT):
    """`x` itself when its denominator is short; otherwise the nearest rational with PRECISION
    significant bits below (`up` False) or above (`up` True) it. Widening an interval endpoint
    outward keeps every enclosure sound, and stops exact digits from doubling at every product
    of a long nonlinear unrolling (SIR at horizon 16 reaches 10^5-digit endpoints otherwise).
    The relative widening, 2^-192, is far below the float search's own rounding, so a bound the
    search proved in outward-rounded floats is still confirmed here."""
    n, d = x.numerator, x.denominator
    if d.bit_length() <= limit:
        return x
    shift = PRECISION - (abs(n).bit_length() - d.bit_length())
    if shift >= 0:
        scaled_n, scaled_d, scale = n << shift, d, Q(1, 1 << shift)
    else:
        scaled_n, scaled_d, scale = n, d << -shift, Q(1 << -shift)
    m = -((-scaled_n) // scaled_d) if up else scaled_n // scaled_d
    return Q(m) * scale


class MemoRangeEvaluator(RangeEvaluator):
    """`RangeEvaluator` (memoised, with the square rule for `x * x` of a shared node) in GMP
    rationals (gmpy2 `mpq`) for speed, and endpoints with long denominators rounded outward
    (see `outward`): rational and sound either way."""

    def __init__(self, bounds: dict, horizon: int = 1, limit: int = LIMIT):
        super().__init__({k: (_exact(a), _exact(b)) for k, (a, b) in bounds.items()}, horizon)
        self.limit = limit
        self.rounded = False                 # whether some endpoint was widened

    def _Num(self, e):
        v = to_q(e.value)
        return v, v

    def finish(self, e, r):
        lo, hi = r
        if not isinstance(lo, bool) and (lo.denominator.bit_length() > self.limit
                                         or hi.denominator.bit_length() > self.limit):
            self.rounded = True
            return outward(lo, False, self.limit), outward(hi, True, self.limit)
        return r


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

    def facts(self, box: Box, claim=None) -> ExactFacts:
        """Facts on `box`; for a validity `claim` (prover.calculus.objective) the reward is not
        evaluated (lo None), for a claim on R the conditions are not (undecided empty): a leaf
        needs one or the other. Without a claim, both."""
        ev = self.evaluator(box)
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
