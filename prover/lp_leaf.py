"""The `lp` leaf for the search: build a box's lifted relaxation exactly, let HiGHS suggest
duals, and keep the exact weak-duality bound they give (`prover.relaxation`), with the LP's
primal point as a scenario worth replaying. The certificate stores the duals; the checker
rebuilds the rows from the box and recomputes the same bound."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from prover.goals import Box
from prover.interval_exact import ExactBoxFacts, exact_rational, to_fraction
from prover.lp_highs import solve
from prover.relaxation import dual_bound, relax
from prover.unroll import Unrolled


@dataclass(frozen=True)
class LpBound:
    bound: Fraction                # exact: R ≥ bound on the box's admissible scenarios
    duals: dict                    # row → exact multiplier (what the certificate stores)
    point: tuple                   # the LP solution's inputs, clipped into the box


class LpBounder:
    """`lp` leaves of reward claims over boxes of one unrolled plan."""

    def __init__(self, u: Unrolled, seconds: float = 2.0):
        self.u, self.facts, self.seconds = u, ExactBoxFacts(u), seconds

    def bound(self, box: Box) -> LpBound | None:
        rel = relax(self.u, self.facts.evaluator(box), self.u.reward)
        if rel is None or not rel.rows:
            return None
        answer = solve(rel, self.seconds)
        if not answer.optimal:
            return None
        best = None
        for duals in self._candidates(answer.duals):
            value = dual_bound(rel, duals)
            if value is not None and (best is None or value > best[0]):
                best = value, duals
        if best is None:
            return None
        return LpBound(to_fraction(best[0]), best[1], self._point(rel, answer.point, box))

    @staticmethod
    def _candidates(duals: dict[int, float]):
        """HiGHS's duals as they are, and rounded to short rationals: a linear goal's duals are
        small rationals, and the rounded ones then give its exact minimum, not a float below it."""
        yield {i: exact_rational(y) for i, y in duals.items()}
        short = {i: exact_rational(Fraction(y).limit_denominator(DENOMINATOR)) for i, y in duals.items()}
        yield {i: y for i, y in short.items() if y != 0}

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


DENOMINATOR = 10 ** 6      # the rounded duals' largest denominator


def float_below(x: Fraction) -> float:
    """The largest float ≤ x (the search orders and closes leaves by floats)."""
    f = float(x)
    return math.nextafter(f, -math.inf) if f > x else f
