"""Declaration-level checks (DSL.md §3), the construction of the `Domain`, and `check_program`,
the type checker's entry point.

Expression typing lives in `typecheck.ExprChecker`; this module decides which names each
declaration sees, evaluates bounds, and enforces the one-per-file and one-per-name rules.
"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from functools import partial
import math

from dsl import ast
from dsl.errors import DslTypeError
from dsl.exact import rational_text
from dsl.model import Action, Arg, Domain, Var
from dsl.ranges import RangeEvaluator
from dsl.typecheck import (MAX_ARG_VALUES, MAX_ERRORS, MAX_HORIZON, MAX_INSTANCES, Checker, Scope,
                           TooManyErrors, a_type)


def check_program(program: ast.Program, horizon: int | None = None) -> Domain:
    """Type-check a parsed program and build its `Domain`; raises `DslTypeError` on errors.

    `horizon` overrides the declared one (the CLI's `--horizon`); every check that depends on
    the horizon (sizes of `sum`/`count`) is made against the override."""
    checker = Checker(program)
    checker.override = horizon
    try:
        domain = build_domain(checker)
    except TooManyErrors:
        domain = None
    if checker.errors:
        errors = sorted(checker.errors, key=lambda d: (d.line, d.col))
        if domain is None:
            errors.append(replace(errors[-1], message=f"too many errors; only the first {MAX_ERRORS} are shown"))
        raise DslTypeError(errors)
    return domain


_UNIQUE = {ast.DomainDecl: "domain", ast.HorizonDecl: "horizon", ast.DiscountDecl: "discount"}


def build_domain(c: Checker) -> Domain:
    decls = c.p.decls
    _structure(c, decls)
    var_decls = [d for d in decls if isinstance(d, ast.VarDecl)]
    for d in var_decls:     # known before any expression is checked, for precise messages
        c.kinds.setdefault(d.name, (d.kind, d.vtype))
    for d in decls:
        if isinstance(d, ast.ConstDecl):
            _const(c, d)
    horizon = _horizon(c, decls)
    if c.override is not None:
        horizon = c.override
    c.horizon = horizon
    discount = _discount(c, decls)
    variables = [v for v in (_var(c, d) for d in var_decls) if v is not None]
    by_kind = {k: tuple(v for v in variables if v.kind == k) for k in ("param", "disturbance", "state")}
    scopes = _Scopes(c, by_kind)
    assumes = _checked(c, [d.expr for d in decls if isinstance(d, ast.AssumeDecl)], scopes.assume(), "bool")
    safes = _checked(c, [d.expr for d in decls if isinstance(d, ast.SafeDecl)], scopes.post("safe"), "bool")
    rewards = {}
    for d in decls:
        if isinstance(d, ast.RewardDecl):
            scope = scopes.post(f"reward {d.which}")
            r = c.expr(d.expr, scope, "numeric")
            rewards[d.which] = r[0] if r else None
    actions = tuple(a for a in (_action(c, d, scopes) for d in decls if isinstance(d, ast.ActionDecl)) if a)
    _count_instances(c, actions)
    name = next((d.name for d in decls if isinstance(d, ast.DomainDecl)), "unnamed")
    return Domain(name, horizon, discount, by_kind["param"], by_kind["disturbance"], by_kind["state"],
                  assumes, actions, rewards.get("step"), rewards.get("final"), safes,
                  tuple(c.consts.items()), c.p.filename, c.p.source, partial(check_program, c.p))


def _structure(c: Checker, decls) -> None:
    """domain first; domain/horizon/discount/rewards once; names once; at least one action."""
    if not decls:
        c.error(ast.DomainDecl("", ast.Pos(1, 1, 0, 0)), "the file has no declarations; it must start with 'domain NAME'")
        return
    if not isinstance(decls[0], ast.DomainDecl):
        c.error(decls[0], "a file must start with 'domain NAME'")
    seen: dict[str, ast.Pos] = {}
    names: dict[str, tuple[str, ast.Pos]] = {}
    for d in decls:
        key = _UNIQUE.get(type(d)) or (f"reward {d.which}" if isinstance(d, ast.RewardDecl) else None)
        if key:
            if key in seen:
                c.error(d, f"'{key}' is declared twice (first at line {seen[key].line})")
            seen.setdefault(key, d.pos)
        if isinstance(d, (ast.ConstDecl, ast.VarDecl, ast.ActionDecl)):
            kind = "action" if isinstance(d, ast.ActionDecl) else getattr(d, "kind", "const")
            if d.name in names:
                other, pos = names[d.name]
                c.error(d, f"'{d.name}' is already declared (as {other} at line {pos.line})")
            names.setdefault(d.name, (kind, d.pos))
    if "horizon" not in seen:
        c.error(decls[0], "missing 'horizon N' declaration")
    if not any(isinstance(d, ast.ActionDecl) for d in decls):
        c.error(decls[0], "a domain needs at least one action")


def _const(c: Checker, d: ast.ConstDecl) -> None:
    if d.name in c.consts or d.name in c.failed:
        return                  # a duplicate, reported by _structure
    value = c.const_value(d.expr, f"constant '{d.name}'")
    if value is None:
        c.failed.add(d.name)
    else:
        c.consts[d.name] = value


def _horizon(c: Checker, decls) -> int:
    d = next((d for d in decls if isinstance(d, ast.HorizonDecl)), None)
    if d is None:
        return 1
    value = c.const_value(d.expr, "horizon", integer=True)
    if value is None:
        return 1
    if not 1 <= value <= MAX_HORIZON:
        c.error(d.expr, f"horizon must be between 1 and {MAX_HORIZON}, got {rational_text(value)}")
        return 1
    return int(value)


def _discount(c: Checker, decls) -> Fraction:
    d = next((d for d in decls if isinstance(d, ast.DiscountDecl)), None)
    if d is None:
        return Fraction(1)
    value = c.const_value(d.expr, "discount")
    if value is None:
        return Fraction(1)
    if not 0 < value <= 1:
        c.error(d.expr, f"discount must be in (0, 1], got {rational_text(value)}")
        return Fraction(1)
    return value


def _bool_const(c: Checker, e: ast.Expr, where: str):
    scope = Scope(where, {n: ("const", "real") for n in c.consts}, "true and false", {})
    r = c.expr(e, scope, "bool")
    if r is None:
        return None
    can_false, can_true = RangeEvaluator({}).eval(r[0])
    return can_true


def _in_range(c: Checker, node, value, vtype, lo, hi, what: str):
    if value is None:
        return None
    if vtype == "int" and value.denominator != 1:
        c.error(node, f"{what} must be an integer, got {rational_text(value)}")
        return None
    if lo is not None and not lo <= value <= hi:
        c.error(node, f"{what} is {rational_text(value)}, outside the declared range "
                      f"[{rational_text(lo)}, {rational_text(hi)}]")
        return None
    return value


def _var(c: Checker, d: ast.VarDecl) -> Var | None:
    var = _checked_var(c, d)
    if var is None:
        c.failed.add(d.name)
    return var


def _checked_var(c: Checker, d: ast.VarDecl) -> Var | None:
    errors_before = len(c.errors)
    label = f"{d.kind} '{d.name}'"
    lo = hi = None
    if d.vtype == "bool":
        if d.range is not None:
            c.error(d.range[0], f"bool {label} takes no range")
    elif d.range is None:
        c.error(d, f"{label} needs a range: '{d.name} : {d.vtype} in [LO, HI]'")
    else:
        integer = d.vtype == "int"
        lo = c.const_value(d.range[0], f"the lower bound of {label}", integer)
        hi = c.const_value(d.range[1], f"the upper bound of {label}", integer)
        if lo is None or hi is None:
            return None
        if lo > hi:
            c.error(d.range[0], f"empty range [{rational_text(lo)}, {rational_text(hi)}] for {label}")
    if len(c.errors) > errors_before:
        return None
    nominal, init, init_range = _var_values(c, d, label, lo, hi)
    # A value can fail quietly (it uses a constant whose own error is reported), so check both.
    if len(c.errors) > errors_before or nominal is None:
        return None
    return Var(d.kind, d.name, d.vtype, lo, hi, nominal, init, init_range, d.pos)


def _var_values(c: Checker, d: ast.VarDecl, label: str, lo, hi):
    """(nominal, init, init_range) of a variable, checked against its type and range."""
    if d.vtype == "bool":
        if d.init_range is not None:
            c.error(d.init_range[0], f"bool {label} cannot have an uncertain 'init in [...]'")
            return None, None, None
        if d.init is not None:
            init = _bool_const(c, d.init, f"the initial value of {label}")
            return init, init, None
        nominal = _bool_const(c, d.nominal, f"the nominal value of {label}") if d.nominal else False
        return nominal, None, None
    if d.init is not None:
        init = c.const_value(d.init, f"the initial value of {label}")
        init = _in_range(c, d.init, init, d.vtype, lo, hi, f"initial value of {label}")
        return init, init, None
    if d.init_range is not None:
        a = _in_range(c, d.init_range[0], c.const_value(d.init_range[0], f"the initial range of {label}"),
                      d.vtype, lo, hi, f"initial lower bound of {label}")
        b = _in_range(c, d.init_range[1], c.const_value(d.init_range[1], f"the initial range of {label}"),
                      d.vtype, lo, hi, f"initial upper bound of {label}")
        if a is None or b is None:
            return None, None, None
        if a > b:
            c.error(d.init_range[0], f"empty initial range [{a}, {b}] for {label}")
        mid = (a + b) / 2
        return (Fraction(math.floor(mid)) if d.vtype == "int" else mid), None, (a, b)
    if d.nominal is not None:
        value = c.const_value(d.nominal, f"the nominal value of {label}")
        return _in_range(c, d.nominal, value, d.vtype, lo, hi, f"nominal value of {label}"), None, None
    mid = (lo + hi) / 2
    return (Fraction(math.floor(mid)) if d.vtype == "int" else mid), None, None


class _Scopes:
    """The names (and ranges, for divisor checks) each kind of declaration sees (DSL.md §4)."""

    def __init__(self, c: Checker, by_kind: dict):
        self.c, self.by_kind = c, by_kind
        self.consts = {n: ("const", "real") for n in c.consts}
        self._base: dict[tuple, tuple[dict, dict]] = {}

    def _entries(self, *kinds: str):
        """Fresh copies of (names, ranges) for these kinds; each set is built once, because
        files may declare thousands of names and actions."""
        if kinds not in self._base:
            names, ranges = dict(self.consts), {}
            for kind in kinds:
                for v in self.by_kind[kind]:
                    names[v.name] = (kind, v.vtype)
                    ranges[v.name] = (True, True) if v.vtype == "bool" else (v.lo, v.hi)
            self._base[kinds] = names, ranges
        names, ranges = self._base[kinds]
        return dict(names), dict(ranges)

    def assume(self) -> Scope:
        names, ranges = self._entries("param", "disturbance")
        for v in self.by_kind["disturbance"]:
            del names[v.name]          # disturbances appear only through sum/count
        for v in self.by_kind["state"]:
            if v.uncertain_init:
                names[v.name] = ("state", v.vtype)
                ranges[v.name] = v.init_range
        return Scope("assume", names, "params, uncertain initial states and sum/count of disturbances",
                     ranges, sum_count=True)

    def post(self, where: str) -> Scope:
        names, ranges = self._entries("param", "state")
        return Scope(where, names, "states and params", ranges)

    def action(self, where: str, args: tuple[Arg, ...], disturbances: bool) -> Scope:
        kinds = ("param", "state", "disturbance") if disturbances else ("param", "state")
        names, ranges = self._entries(*kinds)
        for a in args:
            names[a.name] = ("argument", "int")
            ranges[a.name] = (Fraction(a.lo), Fraction(a.hi))
        sees = "states, params, arguments" + (" and the step's disturbances" if disturbances else "")
        return Scope(where, names, sees, ranges)


def _checked(c: Checker, exprs, scope: Scope, want: str) -> tuple:
    out = []
    for e in exprs:
        r = c.expr(e, scope, want)
        if r is not None:
            out.append(r[0])
    return tuple(out)


def _args(c: Checker, d: ast.ActionDecl) -> tuple[Arg, ...]:
    args, seen = [], set()
    for a in d.args:
        if a.name in seen:
            c.error(a, f"argument '{a.name}' of action '{d.name}' is declared twice")
        elif a.name in c.kinds or a.name in c.const_names:
            c.error(a, f"argument '{a.name}' of action '{d.name}' shadows a declared name")
        seen.add(a.name)
        lo = c.const_value(a.lo, f"the lower bound of argument '{a.name}'", integer=True)
        hi = c.const_value(a.hi, f"the upper bound of argument '{a.name}'", integer=True)
        if lo is None or hi is None:
            pass
        elif lo > hi:
            c.error(a.lo, f"empty range {rational_text(lo)}..{rational_text(hi)} for argument '{a.name}'")
        elif hi - lo >= MAX_ARG_VALUES:
            c.error(a.lo, f"argument '{a.name}' has {hi - lo + 1} values; the limit is {MAX_ARG_VALUES}")
        else:
            args.append(Arg(a.name, int(lo), int(hi), a.pos))
            continue
        c.failed.add(a.name)            # its uses in the body stay quiet
    return tuple(args)


def _action(c: Checker, d: ast.ActionDecl, scopes: _Scopes) -> Action | None:
    args = _args(c, d)
    pre = scopes.action(f"requires of '{d.name}'", args, disturbances=False)
    requires = _checked(c, [i.expr for i in d.body if isinstance(i, ast.Requires)], pre, "bool")
    effects, reward = [], None
    states = {v.name: v for v in scopes.by_kind["state"]}
    assigned: dict[str, int] = {}
    step = scopes.action(f"the reward of '{d.name}'", args, True)    # built once per action
    for item in d.body:
        if isinstance(item, ast.Effect):
            eff = _effect(c, d, item, states, assigned, replace(step, where=f"the effect on '{item.state}'"))
            if eff:
                effects.append(eff)
        elif isinstance(item, ast.ActionReward):
            if reward is not None:
                c.error(item, f"action '{d.name}' has more than one reward")
                continue
            r = c.expr(item.expr, step, "numeric")
            reward = r[0] if r else ast.Num(Fraction(0), item.pos)
    return Action(d.name, args, requires, tuple(effects), reward, d.pos)


def _effect(c, d, item: ast.Effect, states, assigned, scope):
    if item.state in c.failed:
        return None             # the state's declaration had an error, already reported
    if item.state not in states:
        if item.state in c.kinds:
            c.error(item, f"only states can be assigned; '{item.state}' is a {c.kinds[item.state][0]}")
        else:
            c.error(item, f"unknown state '{item.state}'{c.suggest(item.state)}")
        return None
    if item.state in assigned:
        c.error(item, f"state '{item.state}' is assigned twice in action '{d.name}' "
                      f"(first at line {assigned[item.state]})")
        return None
    assigned[item.state] = item.pos.line
    r = c.expr(item.expr, scope)
    if r is None:
        return None
    vtype, (folded, t) = states[item.state].vtype, r
    if vtype == "bool" and t != "bool" or vtype != "bool" and t == "bool":
        c.error(item.expr, f"effect assigns {a_type(t)} expression to {vtype} state '{item.state}'")
        return None
    if vtype == "int" and t == "real":
        c.error(item.expr, f"effect assigns a real expression to int state '{item.state}'")
        return None
    return item.state, folded


def _count_instances(c: Checker, actions: tuple[Action, ...]) -> None:
    """Plans and searches enumerate every action instance; keep their number sane."""
    total = 0
    for a in actions:
        total += math.prod(arg.hi - arg.lo + 1 for arg in a.args)
        if total > MAX_INSTANCES:
            c.error(a, f"action '{a.name}' brings the domain to {total} action instances (one per "
                       f"combination of argument values); the limit is {MAX_INSTANCES}")
            return
