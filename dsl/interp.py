"""The reference interpreter: exact rational semantics of DSL.md §5.

This module *defines* what a domain means. Every other evaluator (Z3, intervals, batched
numpy) is tested against it. All arithmetic is exact rational; booleans are `bool`. Values
in and out are `fractions.Fraction`; inside `run`, gmpy2's `mpq` (the same exact rationals,
several times faster on the long digit strings of nonlinear dynamics) carries the state.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl import ast
from dsl.errors import InternalError
from dsl.exact import Q, approx, rational_text, to_fraction, to_q
from dsl.model import ActionInstance, Domain, Plan, Scenario, Value
from dsl.walk import DagWalker, Fold

def _inside(x: Value):
    return x if isinstance(x, bool) else to_q(x)


def _outside(x: Value) -> Value:
    return x if isinstance(x, bool) else to_fraction(x)


def _out_dict(d: dict) -> dict:
    return {k: _outside(v) for k, v in d.items()}


class Evaluator(DagWalker):
    """Evaluates expressions in an environment (name → value). One handler per node kind;
    iterative and memoised (`dsl.walk`): unrolled expressions are deep DAGs."""

    def __init__(self, env: dict[str, Value], disturbances: dict[str, tuple[Value, ...]] | None = None):
        super().__init__()
        self.env, self.disturbances = env, disturbances

    def _Num(self, e):
        return e.value

    def _BoolLit(self, e):
        return e.value

    def _Name(self, e):
        return self.env[e.id]

    def _Neg(self, e):
        return -(yield e.operand)

    def _Not(self, e):
        return not (yield e.operand)

    def _BinOp(self, e):
        a = yield e.left
        b = yield e.right
        if e.op in ast.ARITHMETIC:
            return ast.ARITHMETIC[e.op](a, b)
        if e.op == "/":
            if b == 0:
                raise InternalError(f"division by zero at line {e.pos.line} although the type "
                                    f"checker proved the divisor's range excludes 0")
            return to_q(a) / b
        if e.op == "^":
            return a ** int(b)
        raise InternalError(f"unknown arithmetic operator {e.op!r}")

    def _BoolOp(self, e):
        # Both sides are evaluated: the language has no side effects, and totality matters more.
        a = yield e.left
        b = yield e.right
        return (a and b) if e.op == "and" else (a or b)

    def _Compare(self, e):
        a = yield e.left
        b = yield e.right
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[e.op]

    def _Ite(self, e):
        return (yield e.then) if (yield e.cond) else (yield e.orelse)

    def _Call(self, e):
        if e.func in ("sum", "count"):
            values = self.disturbances[e.args[0].id]
            return sum(map(to_q, values), Q(0)) if e.func == "sum" else Q(sum(1 for v in values if v))
        vals = []
        for a in e.args:
            vals.append((yield a))
        if e.func == "abs":
            return abs(vals[0])
        if e.func == "min":
            return min(vals)
        if e.func == "max":
            return max(vals)
        raise InternalError(f"unknown function {e.func!r}")


def evaluate(e: ast.Expr, env: dict[str, Value]) -> Value:
    """The value of `e` in `env`, as a bool or a Fraction (`dsl.exact`: the interpreter may
    compute in gmpy2 rationals inside)."""
    return _outside(Evaluator(env).eval(e))


@dataclass(frozen=True, slots=True)
class Violation:
    """The first broken condition. `step` is the index k of the state s_k it was checked in:
    a requires of action a_t is checked in s_t (k = t); ranges and `safe` after a_t in s_{t+1}
    (k = t + 1); `safe` in the initial state has k = 0 and no action."""

    step: int
    kind: str                        # "requires" | "range" | "safe"
    condition: str                   # source text of the condition, or "x in [lo, hi]"
    action: str | None
    detail: str                      # e.g. "temp = 61/2"


@dataclass(frozen=True, slots=True)
class StepTrace:
    t: int
    action: str
    disturbances: dict
    state: dict                      # the post-state s_{t+1}
    action_reward: Fraction
    step_reward: Fraction


@dataclass(frozen=True, slots=True)
class Outcome:
    valid: bool
    reward: Fraction | None          # None when the plan is invalid in this scenario
    violation: Violation | None
    initial: dict
    trace: tuple[StepTrace, ...]
    final_reward: Fraction | None


def initial_state(domain: Domain, scenario: Scenario) -> dict[str, Value]:
    return {s.name: scenario.init[s.name] if s.uncertain_init else s.init for s in domain.states}


def apply(domain: Domain, inst: ActionInstance, state: dict, params: dict, dist: dict) -> dict:
    """The post-state of one action instance (effects computed simultaneously from `state`)."""
    action = domain.action(inst.action)
    env = {**params, **state, **dist, **dict(zip((a.name for a in action.args), map(to_fraction, inst.args)))}
    ev = Evaluator(env)
    post = dict(state)
    for name, expr in action.effects:
        post[name] = ev.eval(expr)
    return post


def run(domain: Domain, plan: Plan, scenario: Scenario) -> Outcome:
    """Simulate `plan` in `scenario` exactly; stops at the first violation."""
    params = {k: _inside(v) for k, v in scenario.params.items()}
    state = {k: _inside(v) for k, v in initial_state(domain, scenario).items()}
    init = _out_dict(state)
    violation = _check_safe(domain, state, params, 0, None)
    trace: list[StepTrace] = []
    total = Q(0)
    for t, inst in enumerate(plan):
        if violation:
            break
        action = domain.action(inst.action)
        dist = {d.name: scenario.disturbances[d.name][t] for d in domain.disturbances}
        inner = {k: _inside(v) for k, v in dist.items()}
        args = dict(zip((a.name for a in action.args), map(to_q, inst.args)))
        pre_env = {**params, **state, **args}
        violation = _check_requires(domain, action, pre_env, t, str(inst))
        if violation:
            break
        r_action = Evaluator({**pre_env, **inner}).eval(action.reward) if action.reward else Q(0)
        state = apply(domain, inst, state, params, inner)
        violation = _check_ranges(domain, state, t + 1, str(inst)) or \
            _check_safe(domain, state, params, t + 1, str(inst))
        r_step = Q(0)
        if not violation and domain.step_reward is not None:
            r_step = Evaluator({**params, **state}).eval(domain.step_reward)
        trace.append(StepTrace(t, str(inst), dist, _out_dict(state), _outside(r_action), _outside(r_step)))
        total += domain.discount ** t * (r_action + r_step)
    if violation:
        return Outcome(False, None, violation, init, tuple(trace), None)
    r_final = Evaluator({**params, **state}).eval(domain.final_reward) if domain.final_reward else Q(0)
    total += domain.discount ** len(plan) * r_final
    return Outcome(True, _outside(total), None, init, tuple(trace), _outside(r_final))


def _check_requires(domain: Domain, action, env: dict, t: int, inst: str) -> Violation | None:
    for cond in action.requires:
        if not Evaluator(env).eval(cond):
            return Violation(t, "requires", domain.text(cond), inst, _values(cond, env))
    return None


def _check_ranges(domain: Domain, state: dict, k: int, inst: str) -> Violation | None:
    for s in domain.states:
        if s.vtype != "bool" and not s.lo <= state[s.name] <= s.hi:
            return Violation(k, "range", f"{s.name} in [{rational_text(s.lo)}, {rational_text(s.hi)}]", inst,
                             f"{s.name} = {rational_text(state[s.name])}")
    return None


def _check_safe(domain: Domain, state: dict, params: dict, k: int, inst: str | None) -> Violation | None:
    env = {**params, **state}
    for cond in domain.safes:
        if not Evaluator(env).eval(cond):
            return Violation(k, "safe", domain.text(cond), inst, _values(cond, env))
    return None


def _values(cond: ast.Expr, env: dict) -> str:
    """`name = value` for the variables a condition mentions, to explain a violation."""
    names = _Names()
    names.eval(cond)
    return ", ".join(f"{n} = {short(env[n])}" for n in names.found)


class _Names(Fold):
    """The names an expression mentions, in order of first appearance."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def combine(self, e, values):
        if isinstance(e, ast.Name) and e.id not in self.found:
            self.found.append(e.id)


def short(v: Value) -> str:
    """Exact text when short, else `≈ decimal` (violation details stay readable)."""
    text = fmt(v)
    return text if len(text) <= 24 else f"≈ {approx(v, 10)}"


def fmt(v: Value) -> str:
    """Exact text of a value: `true`, `-7/2`, `3`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    return rational_text(v)
