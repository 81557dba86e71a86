"""Objectives: what a proof search (or one goal's claim) is after, as one value.

`Validity()` — every requires/range/safe condition of the plan holds; `AtLeast(b)` —
R(π) ≥ b; `Tightest(gap)` — the highest b the search can certify, stopping once it is within
`gap` (relative) of the worst reward found. Validity and AtLeast are also the claims of goals
and certificates (`Claim`); a Tightest search's nodes carry the Tightest objective, whose
bound is unknown until the search ends (`proved_claim`). The cut pieces are ordinary
objectives over a cut's child problems (prover.calculus.cut): reach is Validity, head and
tail are AtLeast (or, in a tightest cut search, Tightest).

Each objective answers what the search, the SMT tactic and the checker would otherwise ask by
testing a mode: which leaves close, the target a leaf's lower bound of R must reach, what
the SMT call asks, how the certified bound is read off the leaves, and which replayed
outcome is a counterexample. Frozen and hashable: goals (and search nodes) carry them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, ClassVar, Iterable

from dsl.exact import to_float


@dataclass(frozen=True, slots=True)
class Validity:
    """`valid(π)`: every validity condition of the plan holds on the box."""

    kind: ClassVar[str] = "valid"           # the certificate's proof tree of this claim
    bound: ClassVar[None] = None
    bounds_reward: ClassVar[bool] = False   # a claim about R (else about the plan's conditions)
    chases_worst: ClassVar[bool] = False    # the target follows the worst reward found
    stage: ClassVar[str] = "validity"       # the search's name in progress events

    def __str__(self) -> str:
        return "valid(π)"

    def target(self, worst: Fraction | None) -> float | None:
        """The float bound a leaf's lower bound of R must reach to close (None: R is not asked)."""
        return None

    def closes(self, lo: float, undecided: tuple, target: float | None) -> bool:
        """Whether a leaf's float facts prove the claim: no condition is left undecided."""
        return not undecided

    def proven(self, leaf_bound: Callable[[], Fraction]) -> Fraction | None:
        """What a leaf closed by its facts proves about R (nothing, for validity)."""
        return None

    def smt_claim(self, worst: Fraction | None) -> "Claim | None":
        """What the SMT tactic is asked on a leaf (None: nothing to ask yet)."""
        return self

    def refutes(self, outcome) -> bool:
        """Whether an interpreter outcome (dsl.interp) is a counterexample to the claim."""
        return not outcome.valid

    def certified(self, proved: bool, leaf_values: Callable[[], Iterable[Fraction | None]]) -> Fraction | None:
        """The certified bound of R (None: none): validity certifies none."""
        return None

    def settled(self, proved: bool, lower: Fraction | None) -> bool:
        """Whether a search that ended with the root `proved` (and `lower` certified) proved it."""
        return proved

    def proved_claim(self, lower: Fraction | None) -> "Validity | AtLeast | Tightest":
        """The claim a finished search states: itself, or what a tightest search certified."""
        return self


@dataclass(frozen=True, slots=True)
class AtLeast:
    """`R(π) ≥ bound` on the box."""

    bound: Fraction
    kind: ClassVar[str] = "reward"
    bounds_reward: ClassVar[bool] = True
    chases_worst: ClassVar[bool] = False
    stage: ClassVar[str] = "reward"

    def __str__(self) -> str:
        return f"R(π) >= {self.bound}"

    def target(self, worst: Fraction | None) -> float | None:
        return to_float(self.bound)

    def closes(self, lo: float, undecided: tuple, target: float | None) -> bool:
        return target is not None and lo >= target

    def proven(self, leaf_bound: Callable[[], Fraction]) -> Fraction | None:
        return self.bound

    def smt_claim(self, worst: Fraction | None) -> "Claim | None":
        return self

    def refutes(self, outcome) -> bool:
        return not outcome.valid or outcome.reward < self.bound

    def certified(self, proved: bool, leaf_values: Callable[[], Iterable[Fraction | None]]) -> Fraction | None:
        return self.bound if proved else None

    def settled(self, proved: bool, lower: Fraction | None) -> bool:
        return lower is not None

    def proved_claim(self, lower: Fraction | None) -> "Validity | AtLeast | Tightest":
        return self


@dataclass(frozen=True, slots=True)
class Tightest:
    """`R(π) ≥ b` for the highest b found: the search aims just below the worst reward found
    (no bound above it can be proved) and stops once within `gap` · |worst| of it."""

    gap: Fraction = Fraction(1, 100)
    kind: ClassVar[str] = "reward"
    bound: ClassVar[None] = None
    bounds_reward: ClassVar[bool] = True
    chases_worst: ClassVar[bool] = True
    stage: ClassVar[str] = "reward"

    def __str__(self) -> str:
        return "R(π) >= (tightest)"

    def target(self, worst: Fraction | None) -> float | None:
        w = None if worst is None else to_float(worst)
        return math.inf if w is None else w - to_float(self.gap) * abs(w)

    def closes(self, lo: float, undecided: tuple, target: float | None) -> bool:
        return target is not None and lo >= target

    def proven(self, leaf_bound: Callable[[], Fraction]) -> Fraction | None:
        return leaf_bound()

    def smt_claim(self, worst: Fraction | None) -> "Claim | None":
        # Ask for the worst found itself: either it is the true minimum on the box (the leaf
        # closes with no gap at all) or the solver's model is a new, lower worst case.
        return None if worst is None else AtLeast(worst)

    def refutes(self, outcome) -> bool:
        return not outcome.valid

    def certified(self, proved: bool, leaf_values: Callable[[], Iterable[Fraction | None]]) -> Fraction | None:
        """The minimum over the leaves of what each proves (None if some leaf proves nothing)."""
        values = []
        for v in leaf_values():
            if v is None:
                return None
            values.append(v)
        return min(values) if values else None

    def settled(self, proved: bool, lower: Fraction | None) -> bool:
        return lower is not None

    def proved_claim(self, lower: Fraction | None) -> "Validity | AtLeast | Tightest":
        return self if lower is None else AtLeast(lower)

    def short_of_gap(self, lower: Fraction, worst: Fraction) -> bool:
        """The certified bound is further than `gap` (relative) below the worst found."""
        return worst - lower > self.gap * abs(worst)


Objective = Validity | AtLeast | Tightest
Claim = Validity | AtLeast            # what a goal of a certificate states


def reward_objective(bound: Fraction | None, gap: Fraction) -> AtLeast | Tightest:
    """`R ≥ bound`, or (bound None) the tightest bound within `gap`."""
    return Tightest(gap) if bound is None else AtLeast(bound)
