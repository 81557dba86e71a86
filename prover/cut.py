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

Shared by the search and the independent checker: the checker rebuilds the three problems from
the plan's unrolling and the cut's arguments, never from the search's boxes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from dsl import ast
from prover.goals import Claim, Goal
from prover.tactics import TacticError
from prover.unroll import Condition, Unrolled, UVar, num, total, unroll_from, var_name

_NOWHERE = ast.Pos(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Cut:
    """`cut k, S, b1`. `box` holds (lo, hi) for every state of the domain, in declaration
    order (bools as 0/1; int states with integer ends)."""

    k: int
    box: tuple[tuple[Fraction, Fraction], ...]
    b1: Fraction


@dataclass(frozen=True)
class CutChildren:
    reach: tuple[Unrolled, Goal]
    head: tuple[Unrolled, Goal]
    tail: tuple[Unrolled, Goal]

    def __iter__(self):
        return iter((self.reach, self.head, self.tail))


def cut_children(u: Unrolled, goal: Goal, cut: Cut) -> CutChildren:
    """The three child problems and goals of `cut` applied to `goal` (a reward claim on `u`,
    the plan's own unrolling), or TacticError when the cut does not apply."""
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
    reach = replace(u, part="reach", conditions=tuple(reach_conditions), rewards=(num(0),), reward=num(0))
    head_rewards = u.rewards[:cut.k]
    head = replace(u, part="head", conditions=(), rewards=head_rewards, reward=total(head_rewards))
    cut_vars = tuple(UVar(var_name(s.name, cut.k), "cut", s.name, cut.k, s.vtype,
                          None if s.vtype == "bool" else lo, None if s.vtype == "bool" else hi)
                     for s, (lo, hi) in zip(states, cut.box))
    fresh = {s.name: ast.Name(v.name, _NOWHERE) for s, v in zip(states, cut_vars)}
    tail_rewards = unroll_from(u, cut.k, fresh)
    tail = replace(u, part="tail", variables=u.variables + cut_vars, conditions=(), rewards=tail_rewards,
                   reward=total(tail_rewards))
    b = goal.claim.bound
    return CutChildren((reach, Goal(goal.box, Claim("valid"))),
                       (head, Goal(goal.box, Claim("reward", cut.b1))),
                       (tail, Goal(goal.box + tuple(cut.box), Claim("reward", b - cut.b1))))


def _check(u: Unrolled, goal: Goal, cut: Cut) -> None:
    H = u.domain.horizon
    if u.part != "plan":
        raise TacticError("a cut applies only to the plan's own reward goal, not inside another cut")
    if goal.claim.kind != "reward" or goal.claim.bound is None:
        raise TacticError("a cut needs a reward claim with a bound")
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

