"""The validity conditions' comparisons as quantities to bound below (`Margin`): what an `lp`
leaf proves for validity, numbered the same way by the search and the checker."""
from __future__ import annotations

from dataclasses import dataclass

from dsl import ast

_NOWHERE = ast.Pos(0, 0, 0, 0)


@dataclass(frozen=True)
class Margin:
    """One comparison of a validity condition as a quantity to bound below: the condition's
    comparison holds where `expr` ≥ 0 (> 0 when `strict`)."""
    condition: int
    expr: ast.Expr
    strict: bool


def lifted_roots(u, found: tuple[Margin, ...]) -> list:
    """The quantities an `lp` leaf's relaxation is built for, the same for reward and validity
    leaves (so tightening done for one serves the other): R, then every margin."""
    return [u.reward, *(m.expr for m in found)]


def margin_holds(lower, m: Margin) -> bool:
    """Whether a lower bound of `m`'s expression proves its comparison."""
    return lower > 0 if m.strict else lower >= 0


def margins(conditions, bool_names: frozenset) -> tuple[tuple[Margin, ...], tuple]:
    """The margins of every condition that is a conjunction of numeric comparisons, in
    condition order (`==` gives two), and per condition its margin numbers (None: a condition
    of another shape, which an `lp` leaf cannot prove). Deterministic: the search and the
    checker build the same list, so a certificate names margins by number."""
    out, of_condition = [], []
    for i, c in enumerate(conditions):
        found = _comparisons(c.expr, bool_names)
        if found is None:
            of_condition.append(None)
            continue
        first = len(out)
        for cmp in found:
            l, r = cmp.left, cmp.right
            if cmp.op in (">=", ">", "=="):
                out.append(Margin(i, ast.BinOp("-", l, r, _NOWHERE), cmp.op == ">"))
            if cmp.op in ("<=", "<", "=="):
                out.append(Margin(i, ast.BinOp("-", r, l, _NOWHERE), cmp.op == "<"))
        of_condition.append(tuple(range(first, len(out))))
    return tuple(out), tuple(of_condition)


def _comparisons(e, bool_names) -> list | None:
    """The numeric comparisons of a conjunction (None: not a conjunction of them)."""
    out, stack = [], [e]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BoolOp) and n.op == "and":
            stack.extend((n.right, n.left))
        elif isinstance(n, ast.Compare) and n.op != "!=" and not ast.is_boolean(n.left, bool_names):
            out.append(n)
        else:
            return None
    return out
