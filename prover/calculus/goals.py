"""Goals of the proof calculus: a box over a plan's uncertain variables (and bounds on lifted
quantities, prover.calculus.lifted) and a claim.

A `Box` is a tuple of exact `(lo, hi)` pairs aligned with `Unrolled.variables` (bools use
0/1). Everything here is frozen and hashable so goals can key caches and search nodes.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from prover.calculus.objective import Objective
from prover.calculus.unroll import UVar

Box = tuple[tuple[Fraction, Fraction], ...]


@dataclass(frozen=True, slots=True)
class Goal:
    """A box and what is claimed on it (a search node's goal carries the search's objective)."""

    box: Box
    claim: Objective
    lifted: tuple = ()      # bounds on lifted quantities: (name, lo, hi), sorted (prover.calculus.lifted)


def root_box(variables: tuple[UVar, ...]) -> Box:
    """The declared uncertainty box of a goal: each variable's full range."""
    return tuple((Fraction(0), Fraction(1)) if v.vtype == "bool" else (v.lo, v.hi) for v in variables)


def width(box: Box, i: int) -> Fraction:
    lo, hi = box[i]
    return hi - lo


def splittable(box: Box, i: int) -> bool:
    lo, hi = box[i]
    return lo < hi


def midpoint(box: Box, variables: tuple[UVar, ...]) -> tuple[Fraction, ...]:
    """A point of the box (ints rounded down, bools at their lower value)."""
    out = []
    for (lo, hi), v in zip(box, variables):
        mid = (lo + hi) / 2
        out.append(Fraction(mid.numerator // mid.denominator) if v.vtype != "real" else mid)
    return tuple(out)


def box_dict(box: Box, variables: tuple[UVar, ...]) -> dict[str, tuple[Fraction, Fraction]]:
    return {v.name: b for v, b in zip(variables, box)}
