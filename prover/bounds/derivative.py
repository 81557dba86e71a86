"""Symbolic partial derivatives of unrolled expressions, for the mean-value leaf.

`gradient(e, names)` returns one expression per variable whose interval over a box encloses
every (generalized) partial derivative of `e` on that box, or None when `e` is not Lipschitz
in its variables (an `if` whose condition depends on a variable may jump). The rules:
`+ − × / ^` as usual; `abs(u)` → `if u >= 0 then u' else −u'`, `min`/`max` → the derivative of
the argument that is smallest / largest (an `if` per pair). Where such a condition is
undecided on a box, interval evaluation of the `if` takes the hull of both branches, which
contains Clarke's generalized gradient at the kinks; with Lebourg's mean-value theorem and
Clarke's chain rule that makes `f(m) + Σ G_i · (X_i − m_i)` an enclosure of f on the box.
Results share the input's nodes and are memoized by node identity (unrolled expressions are
DAGs), so each partial derivative is linear in the size of the DAG.
"""
from __future__ import annotations

from dsl import ast
from dsl.exact import to_fraction
from dsl.walk import DagWalker, Fold, each

_NOWHERE = ast.Pos(0, 0, 0, 0)
ZERO = None                           # the derivative of an expression free of the variable


class NotDifferentiable(Exception):
    """The expression may jump: an `if` whose condition depends on a variable."""


def _num(v) -> ast.Num:
    return ast.Num(to_fraction(v), _NOWHERE)


# The builders drop what is exactly neutral (1·b, −−a, a + −b as a − b): the same enclosures
# with fewer nodes to evaluate (interval products with the constant 1 and negations are exact).

def _is_num(a, value) -> bool:
    return isinstance(a, ast.Num) and a.value == value


def _add(a, b):
    if a is ZERO:
        return b
    if b is ZERO:
        return a
    if isinstance(b, ast.Neg):
        return ast.BinOp("-", a, b.operand, _NOWHERE)
    return ast.BinOp("+", a, b, _NOWHERE)


def _neg(a):
    if a is ZERO:
        return ZERO
    if isinstance(a, ast.Neg):
        return a.operand
    if isinstance(a, ast.Num):
        return _num(-a.value)
    return ast.Neg(a, _NOWHERE)


def _mul(a, b):
    if a is ZERO or b is ZERO:
        return ZERO
    if _is_num(a, 1):
        return b
    if _is_num(b, 1):
        return a
    if isinstance(a, ast.Num) and isinstance(b, ast.Num):
        return _num(a.value * b.value)
    return ast.BinOp("*", a, b, _NOWHERE)


def _or_zero(a):
    return _num(0) if a is ZERO else a


class _Partial(DagWalker):
    """∂/∂x of the nodes of one DAG: one handler per node kind, memoised by node identity and
    iterative (`dsl.walk`)."""

    def __init__(self, x: str, varying: ast.NodeMemo, names: frozenset):
        super().__init__()
        self.x, self.varying, self.names = x, varying, names

    def _constant(self, e):
        return ZERO

    _Num = _BoolLit = _Compare = _BoolOp = _Not = _constant

    def _Name(self, e):
        return _num(1) if e.id == self.x else ZERO

    def _Neg(self, e):
        return _neg((yield e.operand))

    def _Ite(self, e):
        a = yield e.then
        b = yield e.orelse
        if uses(e.cond, self.names, self.varying):
            raise NotDifferentiable("an `if` whose condition depends on an uncertain variable")
        return ZERO if a is ZERO and b is ZERO else ast.Ite(e.cond, _or_zero(a), _or_zero(b), _NOWHERE)

    def _BinOp(self, e):
        if e.op == "^":
            n, a = int(e.right.value), (yield e.left)
            if n == 0 or a is ZERO:
                return ZERO
            inner = _num(1) if n == 1 else e.left if n == 2 else ast.BinOp("^", e.left, _num(n - 1), _NOWHERE)
            return _mul(_mul(_num(n), inner), a)
        a = yield e.left
        b = yield e.right
        if e.op == "+":
            return _add(a, b)
        if e.op == "-":
            return _add(a, _neg(b))
        if e.op == "*":
            return _add(_mul(a, e.right), _mul(e.left, b))
        if e.op == "/":                       # (u/v)' = u'/v − u·v'/(v·v)
            first = ZERO if a is ZERO else ast.BinOp("/", a, e.right, _NOWHERE)
            second = ZERO if b is ZERO else ast.BinOp("/", _mul(e.left, b),
                                                      ast.BinOp("*", e.right, e.right, _NOWHERE), _NOWHERE)
            return _add(first, _neg(second))
        raise NotDifferentiable(f"no derivative rule for operator {e.op!r}")

    def _Call(self, e):
        ds = yield from each(e.args)
        if all(a is ZERO for a in ds):
            return ZERO
        if e.func == "abs":
            u = e.args[0]
            return ast.Ite(ast.Compare(">=", u, _num(0), _NOWHERE), _or_zero(ds[0]), _neg(_or_zero(ds[0])), _NOWHERE)
        if e.func in ("min", "max"):
            # min(a, rest) has a's derivative where a <= min(rest), else rest's: fold from the right
            op = "<=" if e.func == "min" else ">="
            args, out, rest = e.args, _or_zero(ds[-1]), e.args[-1]
            for a, da in zip(reversed(args[:-1]), reversed(ds[:-1])):
                out = ast.Ite(ast.Compare(op, a, rest, _NOWHERE), _or_zero(da), out, _NOWHERE)
                rest = ast.Call(e.func, (a, rest), _NOWHERE)
            return out
        raise NotDifferentiable(f"no derivative rule for {e.func}()")


class _Mentions(Fold):
    """Whether a node mentions any of `names` (memoised by node identity)."""

    def __init__(self, names: frozenset, memo: ast.NodeMemo):
        super().__init__(memo)
        self.names = names

    def combine(self, e, values):
        return (isinstance(e, ast.Name) and e.id in self.names) or any(values)


def uses(e: ast.Expr, names: frozenset, memo: ast.NodeMemo) -> bool:
    """Whether `e` mentions any of `names` (memoised in `memo`, by node identity)."""
    return _Mentions(names, memo).eval(e)


def gradient(e: ast.Expr, names: tuple[str, ...]) -> tuple[ast.Expr, ...] | None:
    """∂e/∂x for each x in `names` (a constant 0 where e does not depend on x), or None when e is
    not Lipschitz in them (see the module docstring)."""
    return gradients([e], names)[0]


def gradients(exprs, names: tuple[str, ...]) -> list[tuple[ast.Expr, ...] | None]:
    """`gradient` of each expression, sharing the derivatives of common sub-expressions."""
    varying, pool = ast.NodeMemo(), frozenset(names)
    partials = [_Partial(x, varying, pool) for x in names]
    out = []
    for e in exprs:
        try:
            out.append(tuple(_or_zero(p.eval(e)) for p in partials))
        except NotDifferentiable:
            out.append(None)
    return out
