"""The horizon cut `cut k, S, b1` (DESIGN.md's proof calculus) and the goals it produces.

For a goal `R(π) ≥ b` on a box B, the cut at step k with a box S for the state s_k and a split
b1 of the bound has three children, each an ordinary goal over its own unrolled problem:

1. reach: `s_k ∈ S` on B (a validity claim whose conditions are S's bounds);
2. head:  `R_{0..k} ≥ b1` on B (the discounted rewards of steps 0..k−1);
3. tail:  `R_{k..H} ≥ b − b1` on B × S, where the state at step k is a fresh variable per
   state (`temp@k`, kind "cut") ranging over S, and the rewards of steps k..H−1 and the final
   reward are unrolled from it.

They cover the parent: at an admissible scenario x of B, reach gives s_k(x) ∈ S, so the tail's
claim holds at (x, s_k(x)), where the tail's rewards equal R_{k..H}(x); with the head,
R(x) = R_{0..k}(x) + R_{k..H}(x) ≥ b1 + (b − b1) = b. The assumes of the parent stay on every
child (over the same variables), so no child quantifies over scenarios the parent excludes.

The validity cut `cut k, S` (no b1) on a goal `valid(π)` has two children:

1. reach: on B, every condition the plan checks before the action of step k (the requires of
   steps 0..k−1, the range and safe conditions of s_0..s_k) holds, and `s_k ∈ S`;
2. tail:  on B × S, every condition from the action of step k on (the requires of steps
   k..H−1, the range and safe conditions of s_{k+1}..s_H), unrolled from the fresh state.

They cover the parent the same way: at an admissible x, reach gives the early conditions and
s_k(x) ∈ S, and the tail's conditions at (x, s_k(x)) are the plan's later conditions at x.

Shared by the search and the independent checker: the checker rebuilds the child problems from
the plan's unrolling and the cut's arguments, never from the search's boxes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import ClassVar

from dsl import ast
from prover.calculus.goals import Goal
from prover.calculus.objective import AtLeast, Validity
from prover.calculus.tactics import Child, TacticError, rational
from prover.calculus.unroll import Condition, Unrolled, UVar, conditions_from, num, total, unroll_from, var_name

_NOWHERE = ast.Pos(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Cut:
    """`cut k, S, b1`. `box` holds (lo, hi) for every state of the domain, in declaration
    order (bools as 0/1; int states with integer ends). `b1` is None on a validity claim."""

    k: int
    box: tuple[tuple[Fraction, Fraction], ...]
    b1: Fraction | None
    key: ClassVar[str] = "cut"              # its certificate JSON key
    sub_boxes: ClassVar[bool] = False       # the children are goals of other problems

    def to_json(self, problem) -> dict:
        spec = {"k": self.k, "box": {s.name: [str(lo), str(hi)] for s, (lo, hi) in zip(problem.domain.states, self.box)}}
        if self.b1 is not None:
            spec["b1"] = str(self.b1)
        return spec

    @classmethod
    def from_json(cls, spec, problem) -> "Cut":
        states = problem.domain.states
        box = spec["box"]
        if not isinstance(box, dict) or set(box) != {s.name for s in states}:
            raise ValueError("the cut's box must name every state exactly once")
        if type(spec["k"]) is not int:
            raise ValueError(f"cut position must be an integer, got {spec['k']!r}")
        return cls(spec["k"], tuple((rational(box[s.name][0]), rational(box[s.name][1])) for s in states),
                   rational(spec["b1"]) if "b1" in spec else None)

    def children(self, problem, goal: Goal) -> tuple[Child, ...]:
        pieces = cut_children(problem, goal, self)
        return tuple(Child(name, cu, g) for name, (cu, g) in zip(pieces.names, pieces))

    @staticmethod
    def arity_error(names) -> str:
        return f"this cut needs exactly {len(names)} children ({', '.join(names)})"


@dataclass(frozen=True)
class CutChildren:
    reach: tuple[Unrolled, Goal]
    head: tuple[Unrolled, Goal] | None       # None under a validity claim
    tail: tuple[Unrolled, Goal]

    @property
    def names(self) -> tuple[str, ...]:
        return ("reach", "tail") if self.head is None else ("reach", "head", "tail")

    def __iter__(self):
        return iter(getattr(self, name) for name in self.names)


def cut_children(u: Unrolled, goal: Goal, cut: Cut) -> CutChildren:
    """The child problems and goals of `cut` applied to `goal` (a reward claim with a bound, or
    the validity claim, on `u`, the plan's own unrolling), or TacticError when it does not apply."""
    _check(u, goal, cut)
    states = u.domain.states
    reach_conditions = []
    for s, (lo, hi) in zip(states, cut.box):
        e = u.states[cut.k][s.name]
        if s.vtype == "bool":
            if lo == hi:       # a bool pinned by S: s_k = (lo == 1)
                cond = e if lo == 1 else ast.Not(e, _NOWHERE)
                reach_conditions.append(Condition(cond, cut.k, "reach", f"{s.name} = {bool(lo)}", None))
            continue
        cond = ast.BoolOp("and", ast.Compare(">=", e, num(lo), _NOWHERE),
                          ast.Compare("<=", e, num(hi), _NOWHERE), _NOWHERE)
        reach_conditions.append(Condition(cond, cut.k, "reach", f"{s.name} in [{lo}, {hi}]", None))
    cut_vars = tuple(UVar(var_name(s.name, cut.k), "cut", s.name, cut.k, s.vtype,
                          None if s.vtype == "bool" else lo, None if s.vtype == "bool" else hi)
                     for s, (lo, hi) in zip(states, cut.box))
    fresh = {s.name: ast.Name(v.name, _NOWHERE) for s, v in zip(states, cut_vars)}
    no_reward = {"rewards": (num(0),), "reward": num(0)}
    tail_box = goal.box + tuple(cut.box)
    if isinstance(goal.claim, Validity):
        early = tuple(c for c in u.conditions if c.step < cut.k or (c.step == cut.k and c.kind != "requires"))
        reach = replace(u, part="reach", conditions=early + tuple(reach_conditions), **no_reward)
        tail = replace(u, part="tail", variables=u.variables + cut_vars, conditions=conditions_from(u, cut.k, fresh),
                       **no_reward)
        return CutChildren((reach, Goal(goal.box, Validity())), None, (tail, Goal(tail_box, Validity())))
    reach = replace(u, part="reach", conditions=tuple(reach_conditions), **no_reward)
    head_rewards = u.rewards[:cut.k]
    head = replace(u, part="head", conditions=(), rewards=head_rewards, reward=total(head_rewards))
    tail_rewards = unroll_from(u, cut.k, fresh)
    tail = replace(u, part="tail", variables=u.variables + cut_vars, conditions=(), rewards=tail_rewards,
                   reward=total(tail_rewards))
    b = goal.claim.bound
    return CutChildren((reach, Goal(goal.box, Validity())),
                       (head, Goal(goal.box, AtLeast(cut.b1))),
                       (tail, Goal(tail_box, AtLeast(b - cut.b1))))


def _check(u: Unrolled, goal: Goal, cut: Cut) -> None:
    H = u.domain.horizon
    if u.part != "plan":
        raise TacticError("a cut applies only to the plan's own goals, not inside another cut")
    if isinstance(goal.claim, Validity):
        if cut.b1 is not None:
            raise TacticError("a cut of the validity claim has no b1")
    elif goal.claim.bound is None or cut.b1 is None:
        raise TacticError("a cut of a reward claim needs the claim's bound and b1")
    if not isinstance(cut.k, int) or not 1 <= cut.k < H:
        raise TacticError(f"cut position {cut.k} must be a step strictly inside 1..{H - 1}")
    states = u.domain.states
    if len(cut.box) != len(states):
        raise TacticError(f"the cut's box must bound each of the {len(states)} states")
    for s, (lo, hi) in zip(states, cut.box):
        if not lo <= hi:
            raise TacticError(f"the cut's box for {s.name} is empty: [{lo}, {hi}]")
        if s.vtype != "real" and (Fraction(lo).denominator != 1 or Fraction(hi).denominator != 1):
            raise TacticError(f"the cut's box for {s.vtype} state {s.name} needs integer ends")
        if s.vtype == "bool" and not 0 <= lo <= hi <= 1:
            raise TacticError(f"the cut's box for bool state {s.name} must lie in [0, 1]")

