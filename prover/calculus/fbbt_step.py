"""The `fbbt` tactic: a goal's box narrowed by forward-backward bound tightening (prover.calculus.fbbt)
with the assumes and the negated claim; an empty result closes the goal (the `fbbt` leaf).

Every counterexample x of the goal lies in the box, meets the assumes, and violates the claim:
`R(x) < below` for a claim `R ≥ b` (`below` ≥ b: a tightest search uses its target, and counts
`below` among what its proof certifies), or some condition undecided on the box false at x for
`valid(π)`. FBBT keeps every point of the box meeting those requirements (a validity goal: the
hull over one requirement per undecided condition, or the assumes alone past MAX_CASES of them),
so the one child, the box it returns rounded outward to floats, holds every counterexample of
the parent; a None result means the parent has none. The goal's lifted bounds (prover.calculus.
lifted) are requirements too, and the states' ranges FBBT proves at every counterexample become
the child's lifted bounds (carried down the tree: what the root's tightening proved is not
redone below it). The search and the checker both run
`fbbt_outcome`, so the checker re-derives the child's box (and the leaf's emptiness) from the
parent's box and the stored `below`, never from the search's boxes.

Certificate JSON: a branch `{"fbbt": {"below": "-52"}, "children": [child]}` and a leaf
`{"leaf": "fbbt", "below": "-52"}` (`below` absent on validity goals, and on a reward goal whose
search had no target yet: then only the assumes narrow).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import ClassVar

from dsl.exact import float_bounds, to_fraction, to_q
from dsl.ranges import MaybeZeroDivisor
from prover.calculus.exact_ranges import CappedRangeEvaluator
from prover.calculus.fbbt import Requirement, tighten, tighten_watching
from prover.calculus.goals import Box, Goal
from prover.calculus.lifted import bounded, quantities
from prover.calculus.tactics import Child, TacticError, rational

MAX_CASES = 4       # a validity goal's undecided conditions tightened one by one, at most


@dataclass(frozen=True, slots=True)
class Fbbt:
    """`fbbt`: one child, the box FBBT narrows the parent's to (never empty: that is the leaf)."""

    below: Fraction | None = None           # reward goals: counterexamples have R < below
    key: ClassVar[str] = "fbbt"             # its certificate JSON key
    sub_boxes: ClassVar[bool] = True        # the child is a box of the parent's problem

    def to_json(self, problem) -> dict:
        return below_json(self.below)

    @classmethod
    def from_json(cls, spec, problem) -> "Fbbt":
        return cls(below_from_json(spec))

    def children(self, problem, goal: Goal) -> tuple[Child]:
        child, _ = fbbt_outcome(problem, goal, self.below)
        if child is None:
            raise TacticError("fbbt leaves no counterexample in this box: it is an `fbbt` leaf, not a branch")
        return (Child("0", problem, child),)

    @staticmethod
    def arity_error(names) -> str:
        return "an fbbt step needs exactly one child"


def below_json(below: Fraction | None) -> dict:
    return {} if below is None else {"below": str(below)}


def below_from_json(spec) -> Fraction | None:
    if not isinstance(spec, dict):
        raise ValueError("an fbbt step is an object {'below': rational} ('below' optional)")
    return rational(spec["below"]) if "below" in spec else None


def fbbt_outcome(u, goal: Goal, below: Fraction | None) -> tuple[Goal | None, bool]:
    """(the goal FBBT narrows `goal` to: its box, and its lifted bounds intersected with the
    states' ranges FBBT proved; None when no counterexample is left in it; whether the assumes
    and lifted bounds alone leave nothing: the goal holds only vacuously). TacticError when
    `below` does not fit the claim."""
    claim = goal.claim
    if not claim.bounds_reward and below is not None:
        raise TacticError("an fbbt step on a validity goal has no 'below'")
    if claim.bounds_reward and claim.bound is not None and below is not None and below < claim.bound:
        raise TacticError(f"fbbt's bound {below} is below the claimed {claim.bound}")
    nodes = quantities(u)
    given = [Requirement(a, truth=True) for a in u.assumes] + \
        [Requirement(nodes[q], _q(lo), _q(hi)) for q, lo, hi in goal.lifted]
    horizon = u.domain.horizon
    box = tighten(u.variables, goal.box, given, horizon) if given else goal.box
    if box is None:
        return None, True
    cases = _negated_claim(u, claim, box, below)
    watch = tuple(nodes.values())
    found = [(box, [None] * len(watch))] if cases is None else \
        [tighten_watching(u.variables, box, given + [c], watch, horizon) for c in cases]
    kept = [f for f in found if f is not None]
    if not kept:
        return None, False
    lifted = goal.lifted
    for name, r in zip(nodes, _hull_ranges([r for _, r in kept])):
        if r is not None:
            lifted = bounded(lifted, name, *_outward_range(*r))
    return replace(goal, box=_outward(_hull([b for b, _ in kept]), goal.box), lifted=lifted), False


def _q(x):
    return None if x is None else to_q(x)


def _hull_ranges(per_case: list[list]) -> list:
    """Per watched quantity, the hull of its ranges over the cases (None where some case has none)."""
    out = []
    for ranges in zip(*per_case):
        out.append(None if any(r is None for r in ranges) else (min(r[0] for r in ranges), max(r[1] for r in ranges)))
    return out


def _outward_range(lo, hi) -> tuple:
    a, b = float_bounds(lo)[0], float_bounds(hi)[1]
    return (to_fraction(a) if math.isfinite(a) else None), (to_fraction(b) if math.isfinite(b) else None)


def _negated_claim(u, claim, box: Box, below: Fraction | None) -> list[Requirement] | None:
    """One requirement per way a point can violate the claim (None: no narrowing by the claim)."""
    if claim.bounds_reward:
        return None if below is None else [Requirement(u.reward, hi=to_q(below))]
    ev = CappedRangeEvaluator({v.name: ((lo == 0, hi == 1) if v.vtype == "bool" else (lo, hi))
                               for v, (lo, hi) in zip(u.variables, box)}, u.domain.horizon)
    undecided = [c for c in u.conditions if _may_fail(ev, c.expr)]
    if len(undecided) > MAX_CASES:
        return None
    return [Requirement(c.expr, truth=False) for c in undecided]


def _may_fail(ev, expr) -> bool:
    try:
        return ev.eval(expr)[0]
    except MaybeZeroDivisor:
        return True


def _hull(boxes: list[Box]) -> Box:
    return tuple((min(b[i][0] for b in boxes), max(b[i][1] for b in boxes)) for i in range(len(boxes[0])))


def _outward(box: Box, parent: Box) -> Box:
    """`box` with each end rounded outward to a float (short certificates' split points),
    within the parent's box."""
    out = []
    for (lo, hi), (plo, phi) in zip(box, parent):
        flo, fhi = float_bounds(lo)[0], float_bounds(hi)[1]
        out.append((max(plo, to_fraction(flo)) if math.isfinite(flo) else plo,
                    min(phi, to_fraction(fhi)) if math.isfinite(fhi) else phi))
    return tuple(out)
