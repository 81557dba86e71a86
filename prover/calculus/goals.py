"""Goals of the proof calculus: a box over a plan's uncertain variables and a claim.

A `Box` is a tuple of exact `(lo, hi)` pairs aligned with `Unrolled.variables` (bools use
0/1). Everything here is frozen and hashable so goals can key caches and search nodes.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from prover.calculus.unroll import UVar

Box = tuple[tuple[Fraction, Fraction], ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """`valid` — every validity condition of the plan holds; `reward` — R(π) ≥ bound.
    A reward claim with bound None is a `--tightest` search's: the bound is what it certifies."""

    kind: str                          # "valid" | "reward"
    bound: Fraction | None = None      # for "reward"

    def __post_init__(self):
        assert self.kind in ("valid", "reward"), f"unknown claim kind {self.kind!r}"
        assert self.kind == "reward" or self.bound is None, "a validity claim has no bound"

    def __str__(self) -> str:
        if self.kind == "valid":
            return "valid(π)"
        return f"R(π) >= {self.bound}" if self.bound is not None else "R(π) >= (tightest)"


@dataclass(frozen=True, slots=True)
class Goal:
    box: Box
    claim: Claim


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
