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


class _Partial:
    """∂/∂x of the nodes of one DAG, memoized by identity."""

    def __init__(self, x: str, varying: "ast.NodeMemo", names: frozenset):
        self.x, self.memo, self.varying, self.names = x, ast.NodeMemo(), varying, names

    def of(self, e: ast.Expr):
        stack = [(e, False)]
        while stack:                          # post-order without recursion: DAGs are deep
            node, ready = stack.pop()
            if node in self.memo:
                continue
            kids = self._operands(node)
            if ready or not kids:
                self.memo[node] = self._rule(node)
            else:
                stack.append((node, True))
                stack.extend((k, False) for k in kids if k not in self.memo)
        return self.memo[e]

    def _operands(self, e):
        if isinstance(e, ast.BinOp) and e.op == "^":
            return (e.left,)
        if isinstance(e, ast.Ite):
            return (e.then, e.orelse)
        if isinstance(e, (ast.Compare, ast.BoolOp, ast.Not)):
            return ()
        return ast.children(e)

    def _rule(self, e):
        d = self.memo.__getitem__
        if isinstance(e, (ast.Num, ast.BoolLit, ast.Compare, ast.BoolOp, ast.Not)):
            return ZERO
        if isinstance(e, ast.Name):
            return _num(1) if e.id == self.x else ZERO
        if isinstance(e, ast.Neg):
            return _neg(d(e.operand))
        if isinstance(e, ast.BinOp):
            return self._binop(e, d)
        if isinstance(e, ast.Call):
            return self._call(e, [d(a) for a in e.args])
        if isinstance(e, ast.Ite):
            if uses(e.cond, self.names, self.varying):
                raise NotDifferentiable("an `if` whose condition depends on an uncertain variable")
            a, b = d(e.then), d(e.orelse)
            return ZERO if a is ZERO and b is ZERO else ast.Ite(e.cond, _or_zero(a), _or_zero(b), _NOWHERE)
        raise NotDifferentiable(f"no derivative rule for {type(e).__name__}")

    @staticmethod
    def _binop(e, d):
        if e.op == "^":
            n, a = int(e.right.value), d(e.left)
            if n == 0 or a is ZERO:
                return ZERO
            inner = _num(1) if n == 1 else e.left if n == 2 else ast.BinOp("^", e.left, _num(n - 1), _NOWHERE)
            return _mul(_mul(_num(n), inner), a)
        a, b = d(e.left), d(e.right)
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

    @staticmethod
    def _call(e, ds):
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


def uses(e: ast.Expr, names: frozenset, memo: "ast.NodeMemo") -> bool:
    """Whether `e` mentions any of `names` (memoized by node identity)."""
    stack = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        kids = ast.children(node)
        if ready or not kids:
            memo[node] = (isinstance(node, ast.Name) and node.id in names) or any(memo[k] for k in kids)
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if k not in memo)
    return memo[e]


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
            out.append(tuple(_or_zero(p.of(e)) for p in partials))
        except NotDifferentiable:
            out.append(None)
    return out
