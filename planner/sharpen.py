"""Sharper scenarios for the planning loop: from a counterexample, the most violating corner nearby.

The prover's counterexample to a candidate is the first violation it replayed, often one that
barely breaks a condition (a fishery's stock at 24.9 against a floor of 25, with recruitment
flipping between its ends). Added to the scenario set it only rules out plans that fail there,
and the next round's best plans fail just beside it: the loop crawls. Here the counterexample is
pushed, one coordinate at a time, to whichever end of its range most deepens the plan's worst
violation — a greedy descent on the smallest condition margin (`and` → min, `or` → max, a
comparison → its signed slack), screened in float at points of the unrolled plan, keeping to
admissible points (every `assume` true). The result is one admissible scenario (checked by
`dsl.scenario.validate`) that shuts out every plan its dynamics make fail with it: for the
fishery, low growth, capacity and recruitment with a high catchability.

It only chooses which scenarios the graph search sees: every scenario of the set is a real,
admissible one, so the upper bound U stays sound; the prover still decides every candidate.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from dsl import ast
from dsl.errors import InputError
from dsl.exact import to_float
from dsl.model import Domain, Plan
from dsl.scenario import Scenario, validate

ROUNDS = 64                 # coordinate moves at most
_AT = ast.Pos(0, 0, 0, 0)


def sharpened(domain: Domain, plan: Plan, scenario: Scenario) -> Scenario | None:
    """The most violating admissible corner the descent reaches from `scenario` (None: no move
    deepened the violation, or the result would not be admissible)."""
    from prover.bounds.interval import BoxEvaluator
    from prover.calculus.unroll import point_scenario, scenario_env, unroll
    u = unroll(domain, plan)
    bools = frozenset(v.name for v in u.variables if v.vtype == "bool")
    depth = [_margin(c.expr, bools) for c in u.conditions]
    if not depth:
        return None
    ev = BoxEvaluator([*depth, *u.assumes], u.variables)
    env = scenario_env(u, scenario)
    point = [env[v.name] for v in u.variables]
    best, moved = _descend(ev, len(depth), u.variables, point)
    if not moved:
        return None
    s = point_scenario(u, best)
    try:
        return validate(domain, s, "sharpened scenario")
    except InputError:
        return None


def _descend(ev, n_depth: int, variables, point: list) -> tuple[list, bool]:
    """Greedy: per round, the single move to a range end that lowers the worst margin most."""
    current, moved = list(point), False
    score = _scores(ev, n_depth, [current])[0]
    for _ in range(ROUNDS):
        moves = [(i, x) for i, v in enumerate(variables) for x in _ends(v) if x != current[i]]
        if not moves:
            break
        points = [current[:i] + [x] + current[i + 1:] for i, x in moves]
        scores = _scores(ev, n_depth, points)
        k = int(np.argmin(scores))
        if not scores[k] < score:
            break
        current, score, moved = points[k], scores[k], True
    return current, moved


def _ends(v):
    if v.vtype == "bool":
        return (False, True)
    return (v.lo, v.hi)


def _scores(ev, n_depth: int, points) -> np.ndarray:
    """The smallest condition margin at each point (+inf where some assume is false)."""
    x = np.array([[to_float(Fraction(int(p)) if isinstance(p, bool) else p) for p in pt] for pt in points],
                 dtype=np.float64)
    out = ev.point(x)
    margins = np.vstack([np.asarray(m, dtype=np.float64).reshape(len(points)) for m in out[:n_depth]])
    score = margins.min(axis=0)
    for a in out[n_depth:]:
        score = np.where(np.asarray(a, dtype=bool), score, np.inf)
    return np.nan_to_num(score, nan=np.inf)


def _margin(e: ast.Expr, bools: frozenset) -> ast.Expr:
    """A number that is ≥ 0 where the condition holds and < 0 where it fails, roughly how far:
    a comparison's signed slack, `and` the min, `or` the max, `not` the negation; a condition
    of another form (or a comparison of booleans) counts 0: it neither deepens nor eases."""
    if isinstance(e, ast.Compare) and not ast.is_boolean(e.left, bools):
        diff = ast.BinOp("-", e.left, e.right, _AT)
        if e.op in (">=", ">"):
            return diff
        if e.op in ("<=", "<"):
            return ast.Neg(diff, _AT)
        absdiff = ast.Call("abs", (diff,), _AT)
        return absdiff if e.op == "!=" else ast.Neg(absdiff, _AT)
    if isinstance(e, ast.BoolOp):
        return ast.Call("min" if e.op == "and" else "max", (_margin(e.left, bools), _margin(e.right, bools)), _AT)
    if isinstance(e, ast.Not):
        return ast.Neg(_margin(e.operand, bools), _AT)
    return ast.Num(Fraction(0), _AT)
