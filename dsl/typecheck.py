"""The type checker's expression half, enforcing DSL.md §3–4 (`dsl.declarations` holds the
declaration half and the entry point, `check_program`: `ast.Program` → `model.Domain`).

It reports every error it can find in one run (a `DslTypeError` with several diagnostics),
folds constants into numbers, and evaluates every bound exactly. Expression typing is one
walker (`ExprChecker`) with one method per node kind; scopes say which names each place sees.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from fractions import Fraction

from dsl import ast
from dsl.errors import diagnostic
from dsl.exact import rational_text
from dsl.ranges import RangeEvaluator
from dsl.walk import DagWalker, each

MAX_HORIZON = 10_000
MAX_EXPONENT = 64
MAX_ARG_VALUES = 10_000
MAX_INSTANCES = 100_000         # action instances of a whole domain; plans enumerate them
MAX_ERRORS = 50                 # a file with more errors gets the first ones and a note
MAX_VALUE_BITS = 1 << 17        # ~39,000 digits: no legitimate bound or value needs more
NUMERIC = ("int", "real")


class _Failed(Exception):
    """An expression had an error (already recorded); its type is unknown."""


class TooManyErrors(Exception):
    """MAX_ERRORS diagnostics are recorded; checking stops."""


class _TooLarge(Exception):
    """Exact values of `node` could outgrow MAX_VALUE_BITS."""

    def __init__(self, node):
        super().__init__("value too large")
        self.node = node


def a_type(t: str) -> str:
    """`t` with its article, for messages: 'an int', 'a real', 'a bool'."""
    return f"an {t}" if t == "int" else f"a {t}"


@dataclass(frozen=True)
class Scope:
    """What one place in a file may refer to. `names` maps visible names to their type."""

    where: str                            # e.g. "reward step", for messages
    names: dict
    sees: str                             # e.g. "states and params", for messages
    ranges: dict                          # name → interval, for divisor checks
    sum_count: bool = False               # only `assume` may use sum/count


class Checker:
    """Collects diagnostics for one program and builds the Domain."""

    def __init__(self, program: ast.Program):
        self.p = program
        self.errors: list = []
        self.consts: dict[str, Fraction] = {}
        self.kinds: dict[str, tuple[str, str]] = {}    # declared name → (kind, vtype)
        self.failed: set[str] = set()     # names whose declaration had an error: uses stay quiet
        self.const_names = {d.name for d in program.decls if isinstance(d, ast.ConstDecl)}
        self.arg_names = {a.name: d.name for d in program.decls if isinstance(d, ast.ActionDecl) for a in d.args}
        self.horizon = 1
        self.override: int | None = None

    def error(self, node, msg: str) -> None:
        self.errors.append(diagnostic(self.p.filename, self.p.source, node.pos.line, node.pos.col, msg))
        if len(self.errors) >= MAX_ERRORS:
            raise TooManyErrors

    # ---- expressions ----------------------------------------------------------------
    def expr(self, e: ast.Expr, scope: Scope, want: str | None = None):
        """Check `e` in `scope`; returns (folded expr, type) or None after recording errors."""
        try:
            checker = ExprChecker(self, scope)
            folded, t = checker.check(e)
            checker.bounded(folded)
        except _Failed:
            return None
        if want == "bool" and t != "bool":
            self.error(e, f"{scope.where} must be a condition (bool), got {a_type(t)} expression")
            return None
        if want == "numeric" and t not in NUMERIC:
            self.error(e, f"{scope.where} must be a number, got a bool expression")
            return None
        return folded, t

    def const_value(self, e: ast.Expr, where: str, integer: bool = False):
        """Evaluate a constant expression exactly, or record an error and return None."""
        scope = Scope(where, {n: ("const", "real") for n in self.consts}, "numbers and constants", {})
        r = self.expr(e, scope, "numeric")
        if r is None:
            return None
        lo, hi = RangeEvaluator({}).eval(r[0])
        assert lo == hi, "a constant expression has a single value"
        if integer and lo.denominator != 1:
            self.error(e, f"{where} must be an integer, got {rational_text(lo)}")
            return None
        return lo

    def suggest(self, name: str) -> str:
        pool = list(self.kinds) + list(self.consts)
        close = difflib.get_close_matches(name, pool, n=1)
        return f"; did you mean '{close[0]}'?" if close else ""


class ExprChecker(DagWalker):
    """Types one expression in one scope, folding constants: one handler per node kind, each
    returning (folded expression, type) (`dsl.walk`; an operand's pair comes back from `yield`)."""

    def __init__(self, checker: Checker, scope: Scope):
        super().__init__()
        self.c, self.s = checker, scope

    def fail(self, node, msg: str):
        self.c.error(node, msg)
        raise _Failed

    def check(self, e):
        """(folded `e`, its type); records an error and raises `_Failed` on the first problem."""
        return self.eval(e)

    def numeric(self, e, checked, what: str):
        """`checked`, the (folded, type) of operand `e`, when it is a number."""
        if checked[1] not in NUMERIC:
            self.fail(e, f"{what} needs a number, got a bool expression")
        return checked

    def boolean(self, e, checked, what: str):
        if checked[1] != "bool":
            self.fail(e, f"{what} needs a condition (bool), got {a_type(checked[1])} expression")
        return checked

    def bounded(self, e) -> None:
        """Fail unless exact arithmetic on `e` over its names' ranges stays within MAX_VALUE_BITS."""
        try:
            SizeBound(self.s.ranges, self.c.horizon).eval(e)
        except _TooLarge as exc:
            self.fail(exc.node, f"numbers here can grow beyond {MAX_VALUE_BITS} bits (about "
                                f"{int(MAX_VALUE_BITS * 0.30103)} digits); exact arithmetic that large is refused")

    def _Num(self, e):
        return e, "int" if e.value.denominator == 1 else "real"

    def _BoolLit(self, e):
        return e, "bool"

    def _Name(self, e):
        if e.id in self.s.names:
            kind, vtype = self.s.names[e.id]
            if kind == "const":
                value = self.c.consts[e.id]
                return ast.Num(value, e.pos), "int" if value.denominator == 1 else "real"
            return e, vtype
        if e.id in self.c.failed:
            raise _Failed           # its declaration's error is reported; say nothing more
        if e.id in self.c.kinds:
            kind, _ = self.c.kinds[e.id]
            self.fail(e, f"{kind} '{e.id}' cannot be used in {self.s.where}, which sees {self.s.sees}")
        if e.id in self.c.const_names:
            self.fail(e, f"constant '{e.id}' is used before its declaration (constants may use "
                         f"earlier constants only)")
        if e.id in self.c.arg_names:
            self.fail(e, f"'{e.id}' is an argument of action '{self.c.arg_names[e.id]}' and exists only "
                         f"inside that action, not in {self.s.where}")
        self.fail(e, f"unknown name '{e.id}'{self.c.suggest(e.id)}")

    def _Neg(self, e):
        folded, t = self.numeric(e.operand, (yield e.operand), "unary '-'")
        return replace(e, operand=folded), t

    def _Not(self, e):
        folded, _ = self.boolean(e.operand, (yield e.operand), "'not'")
        return replace(e, operand=folded), "bool"

    def _BinOp(self, e):
        left, lt = self.numeric(e.left, (yield e.left), f"'{e.op}'")
        if e.op == "^":
            return self._power(e, left, lt)
        right, rt = self.numeric(e.right, (yield e.right), f"'{e.op}'")
        if e.op == "/":
            self._check_divisor(right)
            return replace(e, left=left, right=right), "real"
        t = "int" if lt == rt == "int" else "real"
        return replace(e, left=left, right=right), t

    def _power(self, e, left, lt):
        """The exponent is a constant expression, folded here to the number it denotes."""
        scope = Scope("an exponent", {n: ("const", "real") for n in self.c.consts}, "numbers and constants", {})
        exponent = ExprChecker(self.c, scope)
        right, t = exponent.check(e.right)
        if t == "bool":
            self.fail(e.right, "the exponent of '^' must be a non-negative integer constant, got a condition")
        exponent.bounded(right)
        k, _ = RangeEvaluator({}).eval(right)
        if k.denominator != 1 or k < 0:
            self.fail(e.right, f"the exponent of '^' must be a non-negative integer constant, got {rational_text(k)}")
        if k > MAX_EXPONENT:
            self.fail(e.right, f"exponent {rational_text(k)} is too large (the limit is {MAX_EXPONENT})")
        return replace(e, left=left, right=ast.Num(k, e.right.pos)), lt

    def _check_divisor(self, right):
        # Inner divisions were checked first against the same ranges, so this evaluation
        # cannot meet a divisor that contains 0.
        self.bounded(right)
        lo, hi = RangeEvaluator(self.s.ranges, self.c.horizon).eval(right)
        if lo <= 0 <= hi:
            if lo == hi:
                self.fail(right, "division by zero")
            self.fail(right, f"divisor may be zero: its declared range is [{rational_text(lo)}, {rational_text(hi)}]; "
                             f"a divisor's range must exclude 0")

    def _BoolOp(self, e):
        left, _ = self.boolean(e.left, (yield e.left), f"'{e.op}'")
        right, _ = self.boolean(e.right, (yield e.right), f"'{e.op}'")
        return replace(e, left=left, right=right), "bool"

    def _Compare(self, e):
        left, lt = yield e.left
        right, rt = yield e.right
        if e.op in ("==", "!="):
            if (lt == "bool") != (rt == "bool"):
                self.fail(e, f"'{e.op}' compares {a_type(lt)} with {a_type(rt)}")
        elif "bool" in (lt, rt):
            self.fail(e, f"'{e.op}' needs numbers, got a bool expression")
        return replace(e, left=left, right=right), "bool"

    def _Ite(self, e):
        cond, _ = self.boolean(e.cond, (yield e.cond), "'if'")
        then, tt = yield e.then
        orelse, et = yield e.orelse
        if (tt == "bool") != (et == "bool"):
            self.fail(e, f"the branches of 'if' have different types ({tt} and {et})")
        t = "bool" if tt == "bool" else ("int" if tt == et == "int" else "real")
        return replace(e, cond=cond, then=then, orelse=orelse), t

    def _Call(self, e):
        if e.func in ("sum", "count"):
            return self._aggregate(e)
        if e.func not in ("min", "max", "abs"):
            known = difflib.get_close_matches(e.func, ["min", "max", "abs", "sum", "count"], n=1)
            hint = f"; did you mean '{known[0]}'?" if known else " (functions: min, max, abs, sum, count)"
            self.fail(e, f"unknown function '{e.func}'{hint}")
        if e.func == "abs" and len(e.args) != 1:
            self.fail(e, f"abs takes 1 argument, got {len(e.args)}")
        if not e.args:
            self.fail(e, f"{e.func} needs at least 1 argument")
        checked = []
        for a in e.args:
            checked.append(self.numeric(a, (yield a), e.func))
        t = "int" if all(t == "int" for _, t in checked) else "real"
        return replace(e, args=tuple(f for f, _ in checked)), t

    def _aggregate(self, e):
        if not self.s.sum_count:
            self.fail(e, f"{e.func}(...) may appear only inside 'assume'")
        arg = e.args[0] if len(e.args) == 1 else None
        info = self.c.kinds.get(arg.id) if isinstance(arg, ast.Name) else None
        if info is None or info[0] != "disturbance":
            what = f"'{arg.id}' is a {info[0]}; " if info is not None else ""
            self.fail(e, f"{what}{e.func} takes exactly one disturbance name, e.g. {e.func}(d)")
        if arg.id in self.c.failed:
            raise _Failed           # its declaration's error is reported; say nothing more
        if e.func == "sum" and info[1] == "bool":
            self.fail(e, f"sum needs a numeric disturbance; '{arg.id}' is bool (use count)")
        if e.func == "count" and info[1] != "bool":
            self.fail(e, f"count needs a bool disturbance; '{arg.id}' is {info[1]} (use sum)")
        return e, ("int" if info[1] in ("int", "bool") else "real")


class SizeBound(DagWalker):
    """Upper bounds on the bit sizes (numerator, denominator) of every value, intermediate ones
    included, that exact arithmetic on an expression can produce when its names stay within
    `ranges`. One handler per node kind (`dsl.walk`). Exponents and products can make exact
    numbers explode (`const b = a ^ 64` three times over takes minutes); such expressions are
    refused."""

    def __init__(self, ranges: dict, horizon: int):
        super().__init__()
        self.ranges, self.horizon = ranges, horizon

    def finish(self, e, size: tuple[int, int]) -> tuple[int, int]:
        if max(size) > MAX_VALUE_BITS:
            raise _TooLarge(e)
        return size

    @staticmethod
    def bits(v: Fraction) -> tuple[int, int]:
        return abs(v.numerator).bit_length(), v.denominator.bit_length()

    def _Num(self, e):
        return self.bits(e.value)

    def _BoolLit(self, e):
        return 1, 1

    def _Name(self, e):
        lo, hi = self.ranges[e.id]
        if isinstance(lo, bool):
            return 1, 1
        (a, b), (c, d) = self.bits(lo), self.bits(hi)
        return max(a, c), max(b, d)

    def _Neg(self, e):
        return (yield e.operand)

    _Not = _Neg

    def _BinOp(self, e):
        na, da = yield e.left
        if e.op == "^":
            k = int(e.right.value)
            return max(1, k * na), max(1, k * da)
        nb, db = yield e.right
        if e.op in ("+", "-"):
            return max(na + db, nb + da) + 1, da + db
        if e.op == "*":
            return na + nb, da + db
        return na + db, da + nb            # "/"

    def _BoolOp(self, e):
        yield e.left
        yield e.right
        return 1, 1

    _Compare = _BoolOp

    def _Ite(self, e):
        yield e.cond
        (a, b), (c, d) = (yield e.then), (yield e.orelse)
        return max(a, c), max(b, d)

    def _Call(self, e):
        steps = self.horizon.bit_length()
        if e.func == "count":
            return steps, 1
        if e.func == "sum":
            n, d = self._Name(e.args[0])
            return n + steps, d
        sizes = yield from each(e.args)
        return max(n for n, _ in sizes), max(d for _, d in sizes)
