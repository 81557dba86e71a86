"""The `lp` leaf for the search: build a box's lifted relaxation exactly, let HiGHS suggest
duals, and keep the exact weak-duality bounds they give (`prover.relaxation`), with the LP's
primal points as scenarios worth replaying. A reward leaf bounds R; a validity leaf bounds the
margin of every comparison of every condition intervals leave undecided. The certificate stores
the duals; the checker rebuilds the rows from the box and recomputes the same bounds."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

from prover.goals import Box
from prover.interval_exact import ExactBoxFacts, exact_rational, to_fraction
from prover.lp_highs import LpModel
from prover.relaxation import dual_bound, margin_holds, margins, relax
from prover.unroll import Unrolled

DENOMINATOR = 720720       # lcm(1..16): rounded duals are multiples of its inverse


@dataclass(frozen=True)
class LpBound:
    bound: Fraction                # exact: R ≥ bound on the box's admissible scenarios
    duals: dict                    # row → exact multiplier (what the certificate stores)
    point: tuple                   # the LP solution's inputs, clipped into the box


@dataclass(frozen=True)
class LpValidity:
    proofs: dict | None            # margin → duals proving it ≥ 0 (> 0); None: not all proved
    points: tuple                  # the LP solutions minimising margins: scenarios to replay


class LpBounder:
    """`lp` leaves over boxes of one unrolled plan."""

    def __init__(self, u: Unrolled, seconds: float = 2.0):
        self.u, self.facts, self.seconds = u, ExactBoxFacts(u), seconds
        bools = frozenset(v.name for v in u.variables if v.vtype == "bool")
        self.margins, self.of_condition = margins(u.conditions, bools)

    def bound(self, box: Box) -> LpBound | None:
        """The best exact lower bound of R on `box` that the relaxation's duals give."""
        rel = relax(self.u, self.facts.evaluator(box), [self.u.reward])
        objective = rel.objectives[0]
        if objective is None or not rel.rows:
            return None
        answer = LpModel(rel).minimize(objective, self.seconds)
        best = self._best(rel, objective, answer, exact=True)
        return None if best is None else LpBound(to_fraction(best[0]), best[1], self._point(rel, answer.point, box))

    def validity(self, box: Box, undecided) -> LpValidity:
        """Duals proving every comparison of the `undecided` conditions on `box` (stops at the
        first margin the relaxation cannot prove)."""
        wanted = [self.of_condition[c] for c in undecided]
        if any(w is None for w in wanted):
            return LpValidity(None, ())
        rel = relax(self.u, self.facts.evaluator(box), [m.expr for m in self.margins])
        model, deadline = None, time.monotonic() + self.seconds
        proofs, points = {}, []
        for j in (j for w in wanted for j in w):
            objective = rel.objectives[j]
            if objective is None:
                return LpValidity(None, tuple(points))
            if margin_holds(rel.lo[objective], self.margins[j]):
                continue                               # intervals prove this comparison
            model = model or LpModel(rel)
            answer = model.minimize(objective, deadline - time.monotonic())
            if answer.point is not None:
                points.append(self._point(rel, answer.point, box))
            best = self._best(rel, objective, answer, exact=False)
            if best is None or not margin_holds(best[0], self.margins[j]):
                return LpValidity(None, tuple(points))
            proofs[j] = best[1]
        return LpValidity(proofs, tuple(points))

    @staticmethod
    def _best(rel, objective: int, answer, exact: bool):
        """(bound, duals) of HiGHS's duals, or (`exact`) of the better of them and the same
        rounded to rationals over DENOMINATOR: a linear goal's duals are small rationals, and
        rounded they give its exact minimum instead of a float just below it."""
        if not answer.optimal:
            return None
        candidates = [{i: exact_rational(y) for i, y in answer.duals.items()}]
        if exact:
            short = ((i, round(y * DENOMINATOR)) for i, y in answer.duals.items())
            candidates.append({i: exact_rational(Fraction(k, DENOMINATOR)) for i, k in short if k})
        best = None
        for duals in candidates:
            value = dual_bound(rel, objective, duals)
            if value is not None and (best is None or value > best[0]):
                best = value, duals
        return best

    def _point(self, rel, x, box: Box) -> tuple:
        out = []
        for v, (lo, hi) in zip(self.u.variables, box):
            c = rel.inputs.get(v.name)
            if c is None or v.vtype == "bool" or not math.isfinite(x[c]):
                out.append(lo)
                continue
            value = min(max(Fraction(float(x[c])), lo), hi)
            out.append(Fraction(math.floor(value)) if v.vtype == "int" else value)
        return tuple(out)


def float_below(x: Fraction) -> float:
    """The largest float ≤ x (the search orders and closes leaves by floats)."""
    f = float(x)
    return math.nextafter(f, -math.inf) if f > x else f
