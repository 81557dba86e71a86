"""Unrolling a plan over the horizon: the symbolic form every backend proves things about.

For a domain and a plan, every state at every step becomes an expression over the uncertain
variables only — params (`leak`), uncertain initial states (`temp@0`) and each disturbance at
each step (`gust@3`). Expressions are the DSL's own AST nodes (`Name` nodes with those
names), shared as a DAG, so the reference `Evaluator` evaluates them too: that is how the
unrolling is tested against the interpreter. Closed sub-expressions are folded by the
interpreter itself, so there is no second copy of the arithmetic here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from dsl import ast
from dsl.exact import to_fraction
from dsl.interp import Evaluator
from dsl.model import Domain, Plan, Value
from dsl.walk import DagWalker, Fold, each

_NOWHERE = ast.Pos(0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class UVar:
    """An uncertain variable of a goal. `lo`/`hi` are None for bools."""

    name: str                      # "leak", "temp@0", "gust@3"
    kind: str                      # "param" | "init" | "disturbance"
    source: str                    # the declared name ("gust")
    step: int | None               # the step of a disturbance (0 for an initial state)
    vtype: str
    lo: Fraction | None
    hi: Fraction | None


@dataclass(frozen=True, slots=True)
class Condition:
    """One validity condition of a plan, in the order the interpreter checks them."""

    expr: ast.Expr                 # bool, over UVars
    step: int                      # the state index s_k it is checked in (see interp.Violation)
    kind: str                      # "requires" | "range" | "safe"
    text: str                      # source text, as the interpreter reports it
    action: str | None


@dataclass(frozen=True)
class Unrolled:
    domain: Domain
    plan: Plan
    variables: tuple[UVar, ...]
    assumes: tuple[ast.Expr, ...]            # sum/count expanded over the steps
    conditions: tuple[Condition, ...]
    rewards: tuple[ast.Expr, ...]            # discounted reward of each step t, then the final one
    states: tuple[dict, ...]                 # s_0 .. s_H: state name → expression
    reward: ast.Expr                         # total R(π), built once: passes memoize by node identity
    part: str = "plan"                       # "plan", or the child of a cut: "reach" | "head" | "tail"

    def var(self, name: str) -> UVar:
        return next(v for v in self.variables if v.name == name)


def var_name(source: str, step: int | None) -> str:
    return source if step is None else f"{source}@{step}"


def num(value: Fraction) -> ast.Num:
    return ast.Num(to_fraction(value), _NOWHERE)


def fold(e: ast.Expr) -> ast.Expr:
    """`e` itself, or a literal when all its children are literals (evaluated by the interpreter)."""
    kids = ast.children(e)
    aggregate = isinstance(e, ast.Call) and e.func in ("sum", "count")
    if kids and not aggregate and all(isinstance(k, (ast.Num, ast.BoolLit)) for k in kids):
        value = Evaluator({}).eval(e)
        return ast.BoolLit(value, e.pos) if isinstance(value, bool) else ast.Num(to_fraction(value), e.pos)
    if isinstance(e, ast.Ite) and isinstance(e.cond, ast.BoolLit):
        return e.then if e.cond.value else e.orelse
    return e


class Substituter(DagWalker):
    """Replaces names by expressions (a dict), folding as it rebuilds: one handler per node
    kind, iterative and memoised by node identity (`dsl.walk`)."""

    def __init__(self, env: dict[str, ast.Expr], disturbance_steps: dict[str, tuple[ast.Expr, ...]] | None = None):
        super().__init__()
        self.env, self.steps = env, disturbance_steps or {}

    def sub(self, e: ast.Expr) -> ast.Expr:
        return self.eval(e)

    def _literal(self, e):
        return e

    _Num = _BoolLit = _literal

    def _Name(self, e):
        return self.env[e.id]

    def _Call(self, e):
        if e.func in ("sum", "count"):
            return self._aggregate(e)
        return fold(replace(e, args=tuple((yield from each(e.args)))))

    def _Neg(self, e):
        return fold(replace(e, operand=(yield e.operand)))

    _Not = _Neg

    def _BinOp(self, e):
        if e.op == "^":
            return fold(replace(e, left=(yield e.left)))
        return (yield from self._BoolOp(e))

    def _BoolOp(self, e):
        left = yield e.left
        return fold(replace(e, left=left, right=(yield e.right)))

    _Compare = _BoolOp

    def _Ite(self, e):
        cond, then, orelse = yield from each((e.cond, e.then, e.orelse))
        return fold(replace(e, cond=cond, then=then, orelse=orelse))

    def _aggregate(self, e: ast.Call) -> ast.Expr:
        terms = list(self.steps[e.args[0].id])
        if e.func == "count":
            terms = [ast.Ite(t, num(1), num(0), e.pos) for t in terms]
        total = terms[0] if terms else num(0)
        for t in terms[1:]:
            total = ast.BinOp("+", total, t, e.pos)
        return total


def variables(domain: Domain) -> tuple[UVar, ...]:
    """The uncertain variables of every goal on `domain`, in a fixed order."""
    out = [UVar(p.name, "param", p.name, None, p.vtype, p.lo, p.hi) for p in domain.params]
    out += [UVar(var_name(s.name, 0), "init", s.name, 0, s.vtype, *s.init_range) for s in domain.uncertain_states]
    out += [UVar(var_name(d.name, t), "disturbance", d.name, t, d.vtype, d.lo, d.hi)
            for t in range(domain.horizon) for d in domain.disturbances]
    return tuple(out)


def unroll(domain: Domain, plan: Plan) -> Unrolled:
    """The symbolic unrolling of `plan` (which must have `domain.horizon` steps)."""
    assert len(plan) == domain.horizon, "plans are checked against the horizon before unrolling"
    H = domain.horizon
    params = {p.name: ast.Name(p.name, _NOWHERE) for p in domain.params}
    dist = _disturbances(domain)
    state = {s.name: ast.Name(var_name(s.name, 0), _NOWHERE) if s.uncertain_init else _literal(s.init)
             for s in domain.states}
    steps = {d.name: tuple(dist[t][d.name] for t in range(H)) for d in domain.disturbances}
    assumes = tuple(Substituter({**params, **state}, steps).sub(a) for a in domain.assumes)
    states, conditions, rewards = _run(domain, plan, params, dist, state, 0)
    conditions = _safe_conditions(domain, {**params, **state}, 0, None) + conditions
    return Unrolled(domain, plan, variables(domain), assumes, tuple(conditions), tuple(rewards), tuple(states),
                    total(rewards))


def unroll_from(u: Unrolled, k: int, state: dict[str, ast.Expr]) -> tuple[ast.Expr, ...]:
    """The discounted rewards of steps k..H−1 and the final reward of `u`'s plan when the state
    at step k is `state` (name → expression) instead of what the earlier steps produce. With
    `state = u.states[k]` they are exactly `u.rewards[k:]` (the horizon cut relies on this)."""
    params = {p.name: ast.Name(p.name, _NOWHERE) for p in u.domain.params}
    return tuple(_run(u.domain, u.plan, params, _disturbances(u.domain), dict(state), k)[2])


def conditions_from(u: Unrolled, k: int, state: dict[str, ast.Expr]) -> tuple[Condition, ...]:
    """The validity conditions the plan checks from step k on (the requires of steps k..H−1, the
    range and safe conditions of s_{k+1}..s_H) when the state at step k is `state`. With
    `state = u.states[k]` they are exactly those of `u.conditions` (the validity cut relies on
    this): the ones of step > k, and the requires of step k."""
    params = {p.name: ast.Name(p.name, _NOWHERE) for p in u.domain.params}
    return tuple(_run(u.domain, u.plan, params, _disturbances(u.domain), dict(state), k)[1])


def total(terms) -> ast.Expr:
    """The sum of expressions, folded (0 for none)."""
    terms = list(terms)
    out = terms[0] if terms else num(0)
    for r in terms[1:]:
        out = fold(ast.BinOp("+", out, r, _NOWHERE))
    return out


def _disturbances(domain: Domain) -> list[dict[str, ast.Name]]:
    return [{d.name: ast.Name(var_name(d.name, t), _NOWHERE) for d in domain.disturbances}
            for t in range(domain.horizon)]


def _run(domain: Domain, plan: Plan, params: dict, dist: list, state: dict, start: int):
    """States s_start..s_H, the validity conditions and the discounted rewards of steps
    start..H−1 plus the final reward, from `state` at step `start`."""
    H = domain.horizon
    states, conditions, rewards = [dict(state)], [], []
    for t in range(start, H):
        inst = plan[t]
        action = domain.action(inst.action)
        args = {a.name: num(v) for a, v in zip(action.args, inst.args)}
        pre = Substituter({**params, **state, **args, **dist[t]})
        conditions += [Condition(pre.sub(r), t, "requires", domain.text(r), str(inst)) for r in action.requires]
        r_action = pre.sub(action.reward) if action.reward is not None else num(0)
        state = {**state, **{name: pre.sub(e) for name, e in action.effects}}
        states.append(dict(state))
        conditions += _range_conditions(domain, state, t + 1, str(inst))
        post_env = {**params, **state}
        conditions += _safe_conditions(domain, post_env, t + 1, str(inst))
        r_step = Substituter(post_env).sub(domain.step_reward) if domain.step_reward is not None else num(0)
        weight = num(domain.discount ** t)
        rewards.append(fold(ast.BinOp("*", weight, fold(ast.BinOp("+", r_action, r_step, _NOWHERE)), _NOWHERE)))
    final_env = {**params, **state}
    r_final = Substituter(final_env).sub(domain.final_reward) if domain.final_reward is not None else num(0)
    rewards.append(fold(ast.BinOp("*", num(domain.discount ** H), r_final, _NOWHERE)))
    return states, conditions, rewards


def _literal(v: Value) -> ast.Expr:
    return ast.BoolLit(v, _NOWHERE) if isinstance(v, bool) else num(v)


def _range_conditions(domain: Domain, state: dict, k: int, inst: str) -> list[Condition]:
    out = []
    for s in domain.states:
        if s.vtype == "bool":
            continue
        e = state[s.name]
        cond = fold(ast.BoolOp("and", fold(ast.Compare(">=", e, num(s.lo), _NOWHERE)),
                               fold(ast.Compare("<=", e, num(s.hi), _NOWHERE)), _NOWHERE))
        out.append(Condition(cond, k, "range", f"{s.name} in [{s.lo}, {s.hi}]", inst))
    return out


def _safe_conditions(domain: Domain, env: dict, k: int, inst: str | None) -> list[Condition]:
    return [Condition(Substituter(env).sub(c), k, "safe", domain.text(c), inst) for c in domain.safes]


def scenario_env(u: Unrolled, scenario) -> dict[str, Value]:
    """The values of the goal's uncertain variables in a `Scenario`."""
    env: dict[str, Value] = {}
    for v in u.variables:
        if v.kind == "param":
            env[v.name] = scenario.params[v.source]
        elif v.kind == "init":
            env[v.name] = scenario.init[v.source]
        else:
            env[v.name] = scenario.disturbances[v.source][v.step]
    return env


def point_scenario(u: Unrolled, point):
    """The `Scenario` at a point (values aligned with `u.variables`; bools as 0/1 or bool)."""
    from dsl.scenario import Scenario
    params, init = {}, {}
    dist = {d.name: [None] * u.domain.horizon for d in u.domain.disturbances}
    for v, x in zip(u.variables, point):
        value = bool(x) if v.vtype == "bool" else Fraction(x)
        if v.kind == "param":
            params[v.source] = value
        elif v.kind == "init":
            init[v.source] = value
        else:
            dist[v.source][v.step] = value
    return Scenario(params, init, {k: tuple(vs) for k, vs in dist.items()})


def is_linear(exprs) -> bool:
    """True when no expression multiplies, divides by or powers a non-constant: the goal is
    piecewise-linear (comparisons, if, min, max, abs are fine) and SMT solvers decide it well."""
    walk = _Nonlinear()
    return not any(walk.eval(e) for e in exprs)


class _Nonlinear(Fold):
    """Whether a node is or has below it a product, quotient or power of non-constants."""

    def combine(self, e, values):
        if any(values):
            return True
        if not isinstance(e, ast.BinOp):
            return False
        constant = [isinstance(x, ast.Num) for x in (e.left, e.right)]
        return e.op == "*" and not any(constant) or e.op == "/" and not constant[1] \
            or e.op == "^" and not constant[0] and e.right.value > 1
