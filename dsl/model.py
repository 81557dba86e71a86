"""The checked domain model: what the type checker returns and every later component reads.

Constants are folded into numbers, bounds are exact `Fraction`s, and each expression has
passed the typing and scope rules of DSL.md. The model knows nothing of any engine.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from dsl import ast

Value = Fraction | bool


@dataclass(frozen=True, slots=True)
class Var:
    """A param, disturbance or state. Bool variables have no range (lo = hi = None)."""

    kind: str                        # "param" | "disturbance" | "state"
    name: str
    vtype: str                       # "int" | "real" | "bool"
    lo: Fraction | None
    hi: Fraction | None
    nominal: Value                   # model value for the graph search (states: the initial one)
    init: Value | None               # states with a known initial value
    init_range: tuple[Fraction, Fraction] | None   # states with an uncertain initial value
    pos: ast.Pos

    @property
    def uncertain_init(self) -> bool:
        return self.init_range is not None


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    lo: int
    hi: int
    pos: ast.Pos


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    args: tuple[Arg, ...]
    requires: tuple[ast.Expr, ...]
    effects: tuple[tuple[str, ast.Expr], ...]    # (state name, expression), in source order
    reward: ast.Expr | None
    pos: ast.Pos

    def instances(self) -> list["ActionInstance"]:
        """Every instance of this schema, arguments in lexicographic order."""
        combos: list[tuple[int, ...]] = [()]
        for a in self.args:
            combos = [c + (v,) for c in combos for v in range(a.lo, a.hi + 1)]
        return [ActionInstance(self.name, c) for c in combos]


@dataclass(frozen=True, slots=True)
class ActionInstance:
    """An action schema with its integer arguments, e.g. `heat(2)`."""

    action: str
    args: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.action}({', '.join(map(str, self.args))})" if self.args else self.action


Plan = tuple[ActionInstance, ...]


def plan_str(plan: Plan) -> str:
    return "; ".join(map(str, plan))


@dataclass(frozen=True, eq=False)
class Domain:
    """A type-checked .rwd domain."""

    name: str
    horizon: int
    discount: Fraction
    params: tuple[Var, ...]
    disturbances: tuple[Var, ...]
    states: tuple[Var, ...]
    assumes: tuple[ast.Expr, ...]
    actions: tuple[Action, ...]
    step_reward: ast.Expr | None
    final_reward: ast.Expr | None
    safes: tuple[ast.Expr, ...]
    consts: tuple[tuple[str, Fraction], ...]
    filename: str
    source: str = field(repr=False)
    # The type checker's own re-run of this domain's program at another horizon: a function
    # value, so that the model imports no checker (`with_horizon`).
    recheck: Callable[[int], "Domain"] | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    def var(self, name: str) -> Var | None:
        for v in self.params + self.disturbances + self.states:
            if v.name == name:
                return v
        return None

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def text(self, node) -> str:
        """The source text of a node (e.g. a condition, for violation reports)."""
        return self.source[node.pos.start:node.pos.end]

    def with_horizon(self, horizon: int) -> "Domain":
        """The same domain with another horizon (the CLI's `--horizon`), type-checked again,
        because some checks (sizes of `sum`/`count`) depend on the horizon."""
        if horizon == self.horizon:
            return self
        if self.recheck is None:
            raise TypeError("a Domain built outside the type checker cannot change its horizon")
        return self.recheck(horizon)

    @property
    def uncertain_states(self) -> tuple[Var, ...]:
        return tuple(s for s in self.states if s.uncertain_init)

    def instances(self) -> list[ActionInstance]:
        return [i for a in self.actions for i in a.instances()]


@dataclass(frozen=True)
class Scenario:
    """One value for every uncertain quantity of a domain (`dsl.scenario` reads, draws and
    validates them)."""

    params: dict             # name → value
    init: dict               # uncertain initial state name → value
    disturbances: dict       # name → tuple of H values
