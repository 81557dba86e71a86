"""Tactics: how a goal becomes child goals. Each tactic's children provably cover the parent.

Shared by the proof search and the independent certificate checker, which rebuilds every
child from its parent with `children()` and so never trusts the search's own boxes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from prover.calculus.goals import Goal
from prover.calculus.unroll import UVar


class TacticError(ValueError):
    """A tactic does not apply to a goal (e.g. a split point outside the box)."""


@dataclass(frozen=True, slots=True)
class Split:
    """`split v at c`: children v ≤ c and v ≥ c (ints: v ≥ c + 1; bools: c = 0)."""

    var: int                   # index into the goal's variables
    at: Fraction


@dataclass(frozen=True, slots=True)
class Interval:
    """Leaf: outward-rounded (checker: exact) interval evaluation proves the claim on the box."""


@dataclass(frozen=True, slots=True)
class Smt:
    """Leaf: Z3 reports `box ∧ assumes ∧ ¬claim` unsat within its time limit."""


Tactic = Split | Interval | Smt


def split_children(goal: Goal, split: Split, variables: tuple[UVar, ...]) -> tuple[Goal, Goal]:
    """The two halves of `goal` at `split`, or TacticError when the split does not cut the box."""
    if not 0 <= split.var < len(goal.box):
        raise TacticError(f"split variable index {split.var} out of range")
    lo, hi = goal.box[split.var]
    c, vtype = Fraction(split.at), variables[split.var].vtype
    if vtype == "real":
        if not lo < c < hi:
            raise TacticError(f"split point {c} is not strictly inside [{lo}, {hi}]")
        left, right = (lo, c), (c, hi)
    else:
        if c.denominator != 1 or not lo <= c < hi:
            raise TacticError(f"integer split point {c} must satisfy {lo} <= c < {hi}")
        left, right = (lo, c), (c + 1, hi)
    return tuple(replace(goal, box=_with(goal.box, split.var, b)) for b in (left, right))


def _with(box, i, bounds):
    return box[:i] + (bounds,) + box[i + 1:]
