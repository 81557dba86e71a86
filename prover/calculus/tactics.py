"""Tactics: how a goal becomes child goals, or closes as a leaf. Each tactic's children provably
cover the parent.

Shared by the proof search and the independent certificate checker, which rebuilds every
child from its parent with the tactic's `children()` (re-reading the tactic from its JSON
form with `from_json()`) and so never trusts the search's own boxes. Branching tactics
(`Split` here, `Cut` in prover.calculus.cut) are entries of `prover.calculus.registry`;
leaf methods are the `Leaf` enum.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import ClassVar

from prover.calculus.goals import Goal
from prover.calculus.lifted import as_dict, bounded, quantities


class TacticError(ValueError):
    """A tactic does not apply to a goal (e.g. a split point outside the box)."""


class Leaf(enum.StrEnum):
    """How a leaf closes (its certificate JSON `leaf`): each is re-checked by the checker."""

    INTERVAL = "interval"          # outward-rounded (checker: exact) interval evaluation
    MEAN_VALUE = "mean-value"      # the mean-value form at the box's midpoint
    SMT = "smt"                    # Z3: box ∧ assumes ∧ ¬claim is unsat
    LP = "lp"                      # weak duality of the lifted linear relaxation (stored duals)
    INFEASIBLE = "infeasible"      # some assume is false on the whole box
    FBBT = "fbbt"                  # bound tightening with the assumes and ¬claim empties the box


@dataclass(frozen=True, slots=True)
class Smt:
    """The policy's choice of the `smt` leaf tactic for a node (see `Leaf.SMT`)."""


@dataclass(frozen=True, slots=True)
class Child:
    """One child of a branching tactic: its name in certificate paths, its problem and goal."""

    name: str
    problem: object                # prover.calculus.unroll.Unrolled
    goal: Goal


@dataclass(frozen=True, slots=True)
class Split:
    """`split v at c`: children v ≤ c and v ≥ c (ints: v ≥ c + 1; bools: c = 0)."""

    var: int                   # index into the goal's variables
    at: Fraction
    key: ClassVar[str] = "split"            # its certificate JSON key
    sub_boxes: ClassVar[bool] = True        # the children are boxes of the parent's problem

    def to_json(self, problem) -> dict:
        return {"var": problem.variables[self.var].name, "at": str(self.at)}

    @classmethod
    def from_json(cls, spec, problem) -> "Split | LiftedSplit":
        if "q" in spec:                     # `split q at c` on a lifted quantity
            return LiftedSplit.from_json(spec, problem)
        names = {v.name: i for i, v in enumerate(problem.variables)}
        return cls(names[spec["var"]], rational(spec["at"]))

    def children(self, problem, goal: Goal) -> tuple[Child, Child]:
        return tuple(Child(str(i), problem, g) for i, g in enumerate(split_children(goal, self, problem.variables)))

    @staticmethod
    def arity_error(names) -> str:
        return "a split needs exactly two children"


@dataclass(frozen=True, slots=True)
class LiftedSplit:
    """`split q at c` on a lifted quantity (`h@3`, prover.calculus.lifted): children q ≤ c and
    q ≥ c as lifted bounds of the same box (every scenario has q on one side: they cover it).
    JSON `{"split": {"q": "h@3", "at": "5"}}`; c must lie strictly inside q's bounds so far."""

    q: str
    at: Fraction
    key: ClassVar[str] = "split"
    sub_boxes: ClassVar[bool] = True

    def to_json(self, problem) -> dict:
        return {"q": self.q, "at": str(self.at)}

    @classmethod
    def from_json(cls, spec, problem) -> "LiftedSplit":
        if spec["q"] not in quantities(problem):
            raise ValueError(f"no lifted quantity {str(spec['q'])[:40]!r}")
        return cls(spec["q"], rational(spec["at"]))

    def children(self, problem, goal: Goal) -> tuple[Child, Child]:
        lo, hi = as_dict(goal.lifted).get(self.q, (None, None))
        c = self.at
        if (lo is not None and not lo < c) or (hi is not None and not c < hi):
            raise TacticError(f"split point {c} is not strictly inside {self.q}'s bounds [{lo}, {hi}]")
        return tuple(Child(str(i), problem, replace(goal, lifted=bounded(goal.lifted, self.q, a, b)))
                     for i, (a, b) in enumerate(((None, c), (c, None))))

    arity_error = Split.arity_error


Tactic = Split | LiftedSplit | Smt      # what a policy chooses for a node


def split_children(goal: Goal, split: Split, variables) -> tuple[Goal, Goal]:
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


_RATIONAL = re.compile(r"-?[0-9]+(/[0-9]+)?")      # ASCII digits only: str.isdigit and int()
                                                   # also take '٣' (3) and other Unicode digits


def rational(text) -> Fraction:
    """An exact rational from a certificate (any length: bounds of long nonlinear runs are big)."""
    if not isinstance(text, str) or len(text) > 1_000_000 or not _RATIONAL.fullmatch(text):
        raise ValueError(f"not a rational: {str(text)[:40]!r}")
    num, _, den = text.partition("/")
    if den and int(den) == 0:
        raise ValueError(f"not a rational: {text[:40]!r}")
    return Fraction(int(num), int(den or "1"))
