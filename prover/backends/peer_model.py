"""A verification goal as a global optimizer's model: one variable per state per step.

`build(domain, plan)` turns a plan into a flat model that SCIP or Gurobi can take (the backends
`prover/backends/peer_scip.py` and `prover/backends/peer_gurobi.py` only translate it): a variable per param,
uncertain initial state and disturbance at each step (the inputs), a variable per state after
each step that changes it (`x@3`, bounded by its declared range), an auxiliary variable per
product, quotient, `abs`, `min`, `max`, `if` and condition, and `R`, the total reward, which the
peer minimises. Every non-input variable has one definition (`Def`) over earlier variables, so
`prover.backends.peer_validate` computes the whole model exactly at a scenario and compares it with
the reference interpreter.

What the model means: the minimum of R over the admissible scenarios *in which the plan is
valid* (ranges are variable bounds, `requires`/`safe` are constraints). For a robustly valid plan
that is its worst case. Two things are relaxed, and `relaxations` lists each occurrence: a strict
comparison is its closure (`x < 3` as `x <= 3`; a solver's feasibility tolerance cannot tell them
apart anyway), and `a == b` / `a != b` as a condition constrains only the side it asserts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from dsl import ast
from dsl.errors import WarrantError
from dsl.model import Domain, Plan
from prover.calculus.unroll import unroll


class PeerUnsupported(WarrantError):
    """The goal uses something the peer model cannot express."""


@dataclass(frozen=True)
class Lin:
    """A linear form Σ coeff·var + const over model variable names."""

    terms: tuple[tuple[str, Fraction], ...] = ()
    const: Fraction = Fraction(0)

    @staticmethod
    def of(name: str) -> "Lin":
        return Lin(((name, Fraction(1)),))

    @staticmethod
    def num(c) -> "Lin":
        return Lin((), Fraction(c))

    def scale(self, c: Fraction) -> "Lin":
        return Lin(tuple((v, k * c) for v, k in self.terms if k * c), self.const * c)

    def plus(self, other: "Lin") -> "Lin":
        acc = dict(self.terms)
        for v, k in other.terms:
            acc[v] = acc.get(v, 0) + k
        return Lin(tuple((v, k) for v, k in acc.items() if k), self.const + other.const)

    def single(self) -> str | None:
        """The variable name when the form is exactly one variable."""
        return self.terms[0][0] if len(self.terms) == 1 and self.terms[0][1] == 1 and not self.const else None

    def value(self, env: dict) -> Fraction:
        return sum((k * env[v] for v, k in self.terms), self.const)


@dataclass(frozen=True)
class PVar:
    name: str
    vtype: str                 # "real" | "int" | "bool"
    lo: Fraction | None        # None for bools
    hi: Fraction | None
    kind: str                  # "input" | "state" | "aux" | "reward"


@dataclass(frozen=True)
class Def:
    """`var = op(args)`. ops: lin (Lin), mul/div (a, b), abs (a), min/max (a, ...), ite (b, Lin, Lin),
    cmp (sense, Lin, integral) meaning `Lin sense 0` as 0/1, and/or (b1, b2), not (b)."""

    var: str
    op: str
    args: tuple


@dataclass(frozen=True)
class Require:
    """A constraint `lin sense 0` (sense `<=`, `>=`, `==`)."""

    lin: Lin
    sense: str
    text: str


@dataclass(frozen=True)
class PeerModel:
    domain: Domain
    plan: Plan
    variables: tuple[PVar, ...]
    defs: tuple[Def, ...]
    requires: tuple[Require, ...]
    objective: str                          # the variable holding R
    relaxations: tuple[str, ...] = field(default=())

    def var(self, name: str) -> PVar:
        return next(v for v in self.variables if v.name == name)


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Builder:
    """Walks the unrolled dynamics once, emitting variables and definitions. One method per node kind."""

    def __init__(self):
        self.vars: dict[str, PVar] = {}
        self.defs: list[Def] = []
        self.requires: list[Require] = []
        self.relaxed: list[str] = []
        self.bounds: dict[str, tuple] = {}

    # ---- variables --------------------------------------------------------------------
    def add(self, name: str, vtype: str, lo, hi, kind: str) -> str:
        assert name not in self.vars, name
        self.vars[name] = PVar(name, vtype, lo, hi, kind)
        self.bounds[name] = (Fraction(0), Fraction(1)) if vtype == "bool" else (lo, hi)
        return name

    def define(self, op: str, args: tuple, bounds: tuple, vtype: str = "real", name: str | None = None,
               kind: str = "aux", exact: bool = False) -> str:
        name = name or f"_{op}{len(self.defs)}"
        lo, hi = (None, None) if vtype == "bool" else bounds if exact else _outward(bounds)
        self.add(name, vtype, lo, hi, kind)
        self.defs.append(Def(name, op, args))
        return name

    def var_of(self, lin: Lin) -> str:
        return lin.single() or self.define("lin", (lin,), self.lin_bounds(lin), self.kind_of(lin))

    def kind_of(self, *lins: Lin) -> str:
        """"int" when every form is integer-valued (so comparisons on it can be exact), else "real"."""
        return "int" if all(self.is_integral(f) for f in lins) else "real"

    def lin_bounds(self, lin: Lin) -> tuple:
        lo = hi = lin.const
        for v, k in lin.terms:
            a, b = self.bounds[v]
            lo, hi = lo + min(k * a, k * b), hi + max(k * a, k * b)
        return lo, hi

    # ---- numeric expressions → Lin -----------------------------------------------------
    def expr(self, e: ast.Expr, env: dict) -> Lin:
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise PeerUnsupported(f"peer models have no rule for {type(e).__name__}")
        return method(e, env)

    def _Num(self, e, env):
        return Lin.num(e.value)

    def _Name(self, e, env):
        v = env[e.id]
        return Lin.num(int(v)) if isinstance(v, bool) else Lin.of(v) if isinstance(v, str) else v

    def _Neg(self, e, env):
        return self.expr(e.operand, env).scale(Fraction(-1))

    def _BinOp(self, e, env):
        a = self.expr(e.left, env)
        if e.op == "^":
            return self._power(a, int(e.right.value))
        b = self.expr(e.right, env)
        if e.op in "+-":
            return a.plus(b.scale(Fraction(1 if e.op == "+" else -1)))
        if e.op == "*":
            return self._mul(a, b)
        if not b.terms:                       # "/" by a constant
            return a.scale(1 / b.const)
        x, y = self.var_of(a), self.var_of(b)
        return Lin.of(self.define("div", (x, y), _div(self.bounds[x], self.bounds[y])))

    def _mul(self, a: Lin, b: Lin) -> Lin:
        if not a.terms or not b.terms:
            return b.scale(a.const) if not a.terms else a.scale(b.const)
        x, y = self.var_of(a), self.var_of(b)
        bounds = _square(self.bounds[x]) if x == y else _mul(self.bounds[x], self.bounds[y])
        return Lin.of(self.define("mul", (x, y), bounds, self.kind_of(Lin.of(x), Lin.of(y))))

    def _power(self, a: Lin, n: int) -> Lin:
        out = Lin.num(1)
        for _ in range(n):
            out = self._mul(out, a)
        return out

    def _Call(self, e, env):
        args = [self.expr(a, env) for a in e.args]
        if all(not a.terms for a in args):
            vals = [a.const for a in args]
            return Lin.num(abs(vals[0]) if e.func == "abs" else min(vals) if e.func == "min" else max(vals))
        names = tuple(self.var_of(a) for a in args)
        bs = [self.bounds[n] for n in names]
        if e.func == "abs":
            lo, hi = bs[0]
            bounds = (max(Fraction(0), lo, -hi), max(-lo, hi))
        elif e.func in ("min", "max"):
            pick = min if e.func == "min" else max
            bounds = (pick(b[0] for b in bs), pick(b[1] for b in bs))
        else:
            raise PeerUnsupported(f"peer models have no rule for {e.func}() outside assume")
        return Lin.of(self.define(e.func, names, bounds, self.kind_of(*map(Lin.of, names))))

    def _Ite(self, e, env):
        c = self.cond(e.cond, env)
        a, b = self.expr(e.then, env), self.expr(e.orelse, env)
        if isinstance(c, bool):
            return a if c else b
        (alo, ahi), (blo, bhi) = self.lin_bounds(a), self.lin_bounds(b)
        return Lin.of(self.define("ite", (c, a, b), (min(alo, blo), max(ahi, bhi)), self.kind_of(a, b)))

    # ---- conditions → a 0/1 variable name, or a constant ---------------------------------
    def cond(self, e: ast.Expr, env: dict) -> str | bool:
        if isinstance(e, ast.BoolLit):
            return e.value
        if isinstance(e, ast.Name):
            return env[e.id]
        if isinstance(e, ast.Not):
            c = self.cond(e.operand, env)
            return (not c) if isinstance(c, bool) else self.define("not", (c,), (), "bool")
        if isinstance(e, ast.BoolOp):
            a, b = self.cond(e.left, env), self.cond(e.right, env)
            if isinstance(a, bool) or isinstance(b, bool):
                known, other = (a, b) if isinstance(a, bool) else (b, a)
                return other if known == (e.op == "and") else known
            return self.define(e.op, (a, b), (), "bool")
        if isinstance(e, ast.Compare):
            d = self.expr(e.left, env).plus(self.expr(e.right, env).scale(Fraction(-1)))
            return self.compare(e.op, d, e)
        if isinstance(e, ast.Ite):
            return self.cond(ast.BoolOp("or", ast.BoolOp("and", e.cond, e.then, e.pos),
                                        ast.BoolOp("and", ast.Not(e.cond, e.pos), e.orelse, e.pos), e.pos), env)
        raise PeerUnsupported(f"peer models have no rule for the condition {type(e).__name__}")

    def is_integral(self, d: Lin) -> bool:
        return d.const.denominator == 1 and all(self.vars[v].vtype in ("int", "bool") and k.denominator == 1
                                                for v, k in d.terms)

    def integral(self, op: str, d: Lin) -> tuple[str, Lin]:
        """A strict comparison of an integer-valued form, made exact: `d < 0` as `d + 1 <= 0`."""
        if op not in ("<", ">") or not self.is_integral(d):
            return op, d
        return (op + "=", d.plus(Lin.num(1 if op == "<" else -1)))

    def compare(self, op: str, d: Lin, e) -> str | bool:
        """The 0/1 variable of `d op 0`. On integer-valued forms every comparison is exact (the
        false side of `d <= 0` is `d >= 1`; `==` is neither `d <= -1` nor `d >= 1`); on real forms
        the false side of a strict comparison, and `==`/`!=`, are closures (listed as relaxed)."""
        if not d.terms:
            return holds(op, d.const)
        integral = self.is_integral(d)
        if integral and op in ("==", "!="):
            lt = self.compare("<", d, e)
            gt = self.compare(">", d, e)
            either = self.define("or", (lt, gt), (), "bool")
            return either if op == "!=" else self.define("not", (either,), (), "bool")
        op, d = self.integral(op, d)
        if not integral:
            self.relaxed.append(f"condition '{op}' at its boundary: {_text(e)}")
        return self.define("cmp", (op, d, integral), (), "bool")

    def require(self, e: ast.Expr, env: dict, text: str) -> None:
        """Constrain the model to scenarios where condition `e` holds."""
        if isinstance(e, ast.BoolOp) and e.op == "and":
            self.require(e.left, env, text)
            self.require(e.right, env, text)
            return
        if isinstance(e, ast.Compare) and e.op != "!=":
            d = self.expr(e.left, env).plus(self.expr(e.right, env).scale(Fraction(-1)))
            op, d = self.integral(e.op, d)
            if op in ("<", ">"):
                self.relaxed.append(f"strict '{op}' as its closure: {text}")
            self.requires.append(Require(d, {"<": "<=", ">": ">="}.get(op, op), text))
            return
        c = self.cond(e, env)
        if c is not True:
            self.requires.append(Require(Lin.num(-1) if c is False else Lin(((c, Fraction(1)),), Fraction(-1)),
                                         "==", text))


def build(domain: Domain, plan: Plan) -> PeerModel:
    """The peer model of `plan` on `domain` (see the module docstring for what it means)."""
    u = unroll(domain, plan)
    b = _Builder()
    env: dict = {}
    for v in u.variables:
        b.add(v.name, v.vtype, v.lo, v.hi, "input")
        env[v.name] = v.name
    for a in u.assumes:
        b.require(a, env, "assume")
    params = {p.name: p.name for p in domain.params}
    state = {s.name: (s.init if s.vtype == "bool" else Lin.num(s.init)) if not s.uncertain_init else f"{s.name}@0"
             for s in domain.states}
    _safe(b, domain, {**params, **state}, 0)
    total = Lin.num(0)
    for t, inst in enumerate(plan):
        total = _step(b, domain, t, inst, params, state, total)
    if domain.final_reward is not None:
        total = total.plus(b.expr(domain.final_reward, {**params, **state}).scale(domain.discount ** len(plan)))
    r = b.define("lin", (total,), b.lin_bounds(total), name="R", kind="reward")
    return PeerModel(domain, plan, tuple(b.vars.values()), tuple(b.defs), tuple(b.requires), r, tuple(b.relaxed))


def _safe(b: _Builder, domain: Domain, env: dict, k: int) -> None:
    for c in domain.safes:
        b.require(c, env, f"safe {domain.text(c)} in s_{k}")


def _step(b: _Builder, domain: Domain, t: int, inst, params: dict, state: dict, total: Lin) -> Lin:
    """Emit step t of the plan; updates `state` in place and returns the reward so far."""
    action = domain.action(inst.action)
    pre = {**params, **state, **{a.name: Lin.num(v) for a, v in zip(action.args, inst.args)},
           **{d.name: f"{d.name}@{t}" for d in domain.disturbances}}
    for r in action.requires:
        b.require(r, pre, f"requires {domain.text(r)} at step {t}")
    weight = domain.discount ** t
    if action.reward is not None:
        total = total.plus(b.expr(action.reward, pre).scale(weight))
    effects = {name: e for name, e in action.effects}
    post = {}
    for s in domain.states:
        if s.name not in effects:
            continue
        if s.vtype == "bool":           # the condition's 0/1 variable is the state's
            post[s.name] = b.cond(effects[s.name], pre)
        else:                           # the declared range is the variable's bounds, exactly
            lin = b.expr(effects[s.name], pre)
            post[s.name] = Lin.of(b.define("lin", (lin,), (s.lo, s.hi), s.vtype, f"{s.name}@{t + 1}",
                                           "state", exact=True))
    state.update(post)
    env = {**params, **state}
    _safe(b, domain, env, t + 1)
    if domain.step_reward is not None:
        total = total.plus(b.expr(domain.step_reward, env).scale(weight))
    return total


def holds(op: str, d: Fraction) -> bool:
    return {"<": d < 0, "<=": d <= 0, ">": d > 0, ">=": d >= 0, "==": d == 0, "!=": d != 0}[op]


def _text(e) -> str:
    return f"line {e.pos.line}" if e.pos.line else "an unrolled condition"


# ---- exact interval bounds of auxiliary variables, rounded outward to doubles ----------------

def _mul(a, b):
    ps = [x * y for x in a for y in b]
    return min(ps), max(ps)


def _square(a):
    lo, hi = a
    sq = (lo * lo, hi * hi)
    return (Fraction(0) if lo <= 0 <= hi else min(sq)), max(sq)


def _div(a, b):
    if b[0] <= 0 <= b[1]:
        raise PeerUnsupported("a divisor's range contains 0")
    return _mul(a, (1 / b[1], 1 / b[0]))


def _outward(bounds) -> tuple:
    lo, hi = bounds
    return (Fraction(math.nextafter(float(lo), -math.inf)) if Fraction(float(lo)) != lo else lo,
            Fraction(math.nextafter(float(hi), math.inf)) if Fraction(float(hi)) != hi else hi)
