"""Lifted quantities of a goal (DESIGN.md "The lifted calculus"): each numeric state at each
step after the first, named `state@k` (`h@3`), is a node of the unrolled DAG. A goal's `lifted`
bounds constrain them: the goal speaks of the scenarios of its box whose lifted quantities lie
within their bounds. Every evaluator may ignore them (it then bounds a larger set: still sound);
the exact interval facts, FBBT and `split q at c` (prover.calculus.tactics.LiftedSplit) use them.

Bounds are `(name, lo, hi)` triples sorted by name (either end None: unbounded), so goals stay
frozen and hashable.
"""
from __future__ import annotations

from fractions import Fraction

from dsl import ast
from dsl.exact import to_q
from dsl.ranges import MaybeZeroDivisor
from prover.calculus.unroll import var_name

Bounds = tuple[tuple[str, Fraction | None, Fraction | None], ...]


def quantities(u) -> dict[str, ast.Expr]:
    """Every lifted quantity of a problem by name: the numeric states at steps 1..H that are not
    literals (an Unrolled, or a cut's piece), in step order."""
    out = {}
    for k, state in enumerate(u.states):
        for s in u.domain.states:
            e = state.get(s.name) if k > 0 else None
            if e is not None and s.vtype != "bool" and not isinstance(e, ast.Num):
                out[var_name(s.name, k)] = e
    return out


def step_of(name: str) -> int:
    return int(name.rpartition("@")[2])


def as_dict(lifted: Bounds) -> dict:
    return {name: (lo, hi) for name, lo, hi in lifted}


def bounded(lifted: Bounds, name: str, lo: Fraction | None, hi: Fraction | None) -> Bounds:
    """`lifted` with `name` further bounded to [lo, hi] (intersected with its bound so far)."""
    have = as_dict(lifted)
    a, b = have.get(name, (None, None))
    have[name] = (lo if a is None or (lo is not None and lo > a) else a,
                  hi if b is None or (hi is not None and hi < b) else b)
    return tuple((n, x, y) for n, (x, y) in sorted(have.items()))


def seed(ev, u, lifted: Bounds) -> bool:
    """Intersect the exact interval evaluator `ev`'s intervals of the bounded quantities with their
    bounds, earlier steps first (so later states see them); False when one is empty (the goal
    holds vacuously)."""
    if not lifted:
        return True
    nodes = quantities(u)
    for name, lo, hi in sorted(lifted, key=lambda t: step_of(t[0])):
        node = nodes[name]
        try:
            a, b = ev.eval(node)
        except MaybeZeroDivisor:
            a = b = None
        lo, hi = (None if lo is None else to_q(lo)), (None if hi is None else to_q(hi))
        a = lo if a is None or (lo is not None and lo > a) else a
        b = hi if b is None or (hi is not None and hi < b) else b
        if a is not None and b is not None:
            if a > b:
                return False
            ev.memo[node] = (a, b)
    return True
