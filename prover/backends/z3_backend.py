"""The Z3 backend: the only module that imports z3.

Compiles an unrolled plan (`prover.calculus.unroll.Unrolled`) to Z3 terms — memoized by node identity,
since unrolled expressions are DAGs — and answers one question: is `box ∧ assumes ∧ ¬claim`
satisfiable? Models come back as exact points (irrational algebraic values are approximated
and flagged, so a replay decides). Used by monolithic verification, by the proof search's
`smt` tactic on sub-boxes, by the certificate checker for SMT leaves, and for SMT-LIB2 export.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction

import z3

from dsl import ast
from dsl.errors import InternalError
from dsl.exact import int_text
from dsl.walk import DagWalker
from prover.calculus.goals import Box
from prover.calculus.objective import AtLeast, Claim, Validity
from prover.calculus.outcome import Outcome
from prover.calculus.unroll import Unrolled


@dataclass(frozen=True)
class SmtAnswer:
    status: Outcome                       # PROVED: unsat, the claim holds; REFUTED: sat, a model; UNKNOWN
    point: tuple | None = None            # a model as exact values aligned with u.variables
    approximate: bool = False             # some model value was irrational and approximated
    reason: str = ""


def _ms(seconds: float) -> int:
    """Z3's timeout in milliseconds: at least 1, at most what its unsigned option holds."""
    return max(1, min(int(min(seconds, 4e6) * 1000), 2**32 - 1))


def _val(q: Fraction) -> z3.ArithRef:
    q = Fraction(q)
    return z3.RealVal(f"{int_text(q.numerator)}/{int_text(q.denominator)}")


def _power(a, k: int):
    if k == 0:
        return z3.RealVal(1)
    out = a
    for _ in range(k - 1):
        out = out * a
    return out


_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


class Compiler(DagWalker):
    """Z3 terms for the expressions of one unrolled plan: one handler per node kind, memoised
    by node identity and iterative (`dsl.walk`). Operands are built right to left, the order
    of the post-order walk this replaced: Z3 numbers its terms as they are made, and the same
    numbering keeps its search, and so its models, as they were."""

    def __init__(self, u: Unrolled, ctx: z3.Context | None = None):
        super().__init__()
        self.u, self.ctx = u, ctx
        self.vars = {v.name: (z3.Bool(v.name) if v.vtype == "bool" else z3.Real(v.name)) for v in u.variables}

    def term(self, e: ast.Expr) -> z3.ExprRef:
        return self.eval(e)

    def _Num(self, e):
        return _val(e.value)

    def _BoolLit(self, e):
        return z3.BoolVal(e.value)

    def _Name(self, e):
        return self.vars[e.id]

    def _Neg(self, e):
        return -(yield e.operand)

    def _Not(self, e):
        return z3.Not((yield e.operand))

    def _BinOp(self, e):
        if e.op == "^":
            return _power((yield e.left), int(e.right.value))
        b = yield e.right
        a = yield e.left
        if e.op in ast.ARITHMETIC:
            return ast.ARITHMETIC[e.op](a, b)
        if e.op == "/":
            return a / b
        raise InternalError(f"unknown arithmetic operator {e.op!r}")

    def _BoolOp(self, e):
        b = yield e.right
        a = yield e.left
        return z3.And(a, b) if e.op == "and" else z3.Or(a, b)

    def _Compare(self, e):
        b = yield e.right
        a = yield e.left
        return _COMPARE[e.op](a, b)

    def _Ite(self, e):
        orelse = yield e.orelse
        then = yield e.then
        return z3.If((yield e.cond), then, orelse)

    def _Call(self, e):
        args = []
        for a in reversed(e.args):
            args.append((yield a))
        args.reverse()
        if e.func == "abs":
            return z3.If(args[0] >= 0, args[0], -args[0])
        out = args[0]
        for a in args[1:]:
            out = z3.If(a < out, a, out) if e.func == "min" else z3.If(a > out, a, out)
        return out

    # ---- goals ------------------------------------------------------------------------
    def box_constraints(self, box: Box) -> list:
        out = []
        for v, (lo, hi) in zip(self.u.variables, box):
            x = self.vars[v.name]
            if v.vtype == "bool":
                if lo == hi:
                    out.append(x == z3.BoolVal(lo == 1))
                continue
            out += [x >= _val(lo), x <= _val(hi)]
            if v.vtype == "int":
                out.append(z3.IsInt(x))
        return out

    def assumes(self) -> list:
        return [self.term(a) for a in self.u.assumes]

    def negated(self, claim: Claim) -> z3.BoolRef:
        if not claim.bounds_reward:
            return z3.Not(z3.And([self.term(c.expr) for c in self.u.conditions] or [z3.BoolVal(True)]))
        return self.term(self.u.reward) < _val(claim.bound)

    def reward(self) -> z3.ArithRef:
        return self.term(self.u.reward)

    def point(self, model: z3.ModelRef) -> tuple[tuple, bool]:
        """Exact values of a model aligned with the variables; True if any was approximated."""
        out, approx = [], False
        for v in self.u.variables:
            val = model.eval(self.vars[v.name], model_completion=True)
            if v.vtype == "bool":
                out.append(Fraction(int(z3.is_true(val))))
                continue
            q, a = _fraction(val)
            out.append(q)
            approx |= a
        return tuple(out), approx


def _fraction(val) -> tuple[Fraction, bool]:
    if z3.is_int_value(val):
        return Fraction(val.as_long()), False
    if z3.is_rational_value(val):
        return Fraction(val.numerator_as_long(), val.denominator_as_long()), False
    if z3.is_algebraic_value(val):
        return Fraction(val.approx(30).as_fraction()), True
    raise TypeError(f"unexpected model value {val}")


def check(u: Unrolled, box: Box, claim: Claim, seconds: float, compiler: Compiler | None = None) -> SmtAnswer:
    """Is `box ∧ assumes ∧ ¬claim` satisfiable within `seconds`?"""
    c = compiler or Compiler(u)
    s = z3.Solver()
    s.set("timeout", _ms(seconds))
    s.add(*c.box_constraints(box), *c.assumes(), c.negated(claim))
    r = s.check()
    if r == z3.unsat:
        return SmtAnswer(Outcome.PROVED)
    if r == z3.sat:
        point, approx = c.point(s.model())
        return SmtAnswer(Outcome.REFUTED, point, approx)
    return SmtAnswer(Outcome.UNKNOWN, reason=s.reason_unknown())


def admissible(u: Unrolled, box: Box, seconds: float, compiler: Compiler | None = None) -> str:
    """"sat" when some scenario in the box satisfies the assumes, else "unsat"/"unknown"."""
    c = compiler or Compiler(u)
    s = z3.Solver()
    s.set("timeout", _ms(seconds))
    s.add(*c.box_constraints(box), *c.assumes())
    return str(s.check())


def minimize_reward(u: Unrolled, box: Box, seconds: float,
                    compiler: Compiler | None = None) -> tuple[str, Fraction | None, tuple | None]:
    """The exact minimum of R over the admissible box (z3 Optimize): ("optimal", value, point),
    or ("unknown", None, None) — Optimize reports timeouts as `canceled`, not `timeout`."""
    c = compiler or Compiler(u)
    opt = z3.Optimize()
    opt.set("timeout", _ms(seconds))
    opt.add(*c.box_constraints(box), *c.assumes())
    handle = opt.minimize(c.reward())
    if opt.check() != z3.sat:
        return "unknown", None, None
    value = opt.lower(handle)
    if not (z3.is_int_value(value) or z3.is_rational_value(value)):   # -oo, epsilon or algebraic
        return "unknown", None, None
    point, _ = c.point(opt.model())
    return "optimal", _fraction(value)[0], point


def check_leaf(u: Unrolled, box: Box, claim: Claim, seconds: float = 60.0) -> bool:
    """For the certificate checker: does Z3 confirm `claim` on `box` (unsat of its negation)?
    Where cvc5 is installed it must not contradict Z3 (it may time out: that is not a refutation)."""
    return leaf_status(u, box, claim, seconds) == Outcome.PROVED


def leaf_status(u: Unrolled, box: Box, claim: Claim, seconds: float) -> Outcome:
    """PROVED (`claim` confirmed on `box`: unsat of its negation), REFUTED (a solver found a
    counterexample) or UNKNOWN (Z3 gave up or ran out of `seconds`)."""
    status = check(u, box, claim, seconds).status
    if status is not Outcome.PROVED:
        return status
    from prover.backends import smt_cvc5
    if smt_cvc5.available() and smt_cvc5.check_smt2(leaf_smt2(u, box, claim), min(seconds, 10.0)) == "sat":
        return Outcome.REFUTED
    return Outcome.PROVED


def leaf_smt2(u: Unrolled, box: Box, claim: Claim) -> str:
    """SMT-LIB2 of one goal (`box ∧ assumes ∧ ¬claim`), for a second solver to re-check."""
    c = Compiler(u)
    s = z3.Solver()
    s.add(*c.box_constraints(box), *c.assumes(), c.negated(claim))
    return "(set-logic ALL)\n" + s.to_smt2()


def smt2(u: Unrolled, box: Box, bound: Fraction) -> str:
    """A standalone SMT-LIB2 script for `valid(π) ∧ R(π) ≥ bound`: declarations, the box, the
    assumes, the negated claim and `(check-sat)`. `unsat` means the claim is proved."""
    c = Compiler(u)
    s = z3.Solver()
    s.add(*c.box_constraints(box), *c.assumes(),
          z3.Or(c.negated(Validity()), c.negated(AtLeast(bound))))
    head = (f"; warrant: domain {u.domain.name} (sha256 {u.domain.sha256}), horizon {u.domain.horizon}\n"
            f"; plan: {'; '.join(map(str, u.plan))}\n"
            f"; claim: valid(plan) and R(plan) >= {bound}; unsat proves it\n"
            f"(set-logic ALL)\n")
    return head + s.to_smt2()
