"""The batched float interval evaluator and the exact one enclose the interpreter's value."""
from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from hypothesis import assume, given, settings, strategies as st

from dsl import ast
from dsl.errors import InternalError
from dsl.interp import Evaluator
from dsl.load import load_domain
from dsl.plan import parse_plan
from corpus import domain_files, known_plan
from prover.evaluation import to_arrays
from prover.interval import BoxEvaluator
from prover.interval_exact import MemoRangeEvaluator
from prover.unroll import UVar, unroll
from dsl.ranges import MaybeZeroDivisor

P = ast.Pos(0, 0, 0, 0)
VARS = (UVar("x", "param", "x", None, "real", None, None), UVar("y", "param", "y", None, "real", None, None),
        UVar("n", "param", "n", None, "int", None, None), UVar("b", "param", "b", None, "bool", None, None))
NUMS = st.fractions(min_value=-5, max_value=5, max_denominator=7)


def numeric(depth: int):
    leaf = st.one_of(NUMS.map(lambda v: ast.Num(v, P)),
                     st.sampled_from(["x", "y", "n"]).map(lambda n: ast.Name(n, P)))
    if depth == 0:
        return leaf
    sub = numeric(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from("+-*"), sub, sub).map(lambda t: ast.BinOp(t[0], t[1], t[2], P)),
        # divisors bounded away from 0, as the type checker guarantees for declared ranges
        st.tuples(sub, sub).map(lambda t: ast.BinOp("/", t[0], ast.BinOp(
            "+", ast.BinOp("*", t[1], t[1], P), ast.Num(Fraction(1, 2), P), P), P)),
        sub.map(lambda e: ast.BinOp("*", e, e, P)),                       # a shared square
        st.tuples(sub, st.integers(0, 4)).map(lambda t: ast.BinOp("^", t[0], ast.Num(Fraction(t[1]), P), P)),
        sub.map(lambda e: ast.Neg(e, P)),
        st.tuples(st.sampled_from(["min", "max", "abs"]), sub, sub).map(
            lambda t: ast.Call(t[0], (t[1],) if t[0] == "abs" else (t[1], t[2]), P)),
        st.tuples(boolean(depth - 1), sub, sub).map(lambda t: ast.Ite(t[0], t[1], t[2], P)),
    )


def boolean(depth: int):
    leaf = st.one_of(st.booleans().map(lambda v: ast.BoolLit(v, P)), st.just(ast.Name("b", P)))
    if depth == 0:
        return leaf
    sub_n = numeric(depth - 1)
    sub_b = boolean(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), sub_n, sub_n).map(
            lambda t: ast.Compare(t[0], t[1], t[2], P)),
        st.tuples(st.sampled_from(["and", "or"]), sub_b, sub_b).map(lambda t: ast.BoolOp(t[0], t[1], t[2], P)),
        sub_b.map(lambda e: ast.Not(e, P)),
    )


@st.composite
def box_and_point(draw):
    box, point = [], {}
    for v in VARS:
        if v.vtype == "bool":
            lo, hi = draw(st.sampled_from([(0, 0), (1, 1), (0, 1)]))
            point[v.name] = bool(draw(st.integers(lo, hi)))
        elif v.vtype == "int":
            lo = draw(st.integers(-4, 4)); hi = lo + draw(st.integers(0, 4))
            point[v.name] = Fraction(draw(st.integers(lo, hi)))
        else:
            a, b = sorted((draw(NUMS), draw(NUMS)))
            point[v.name] = a + (b - a) * draw(st.fractions(0, 1, max_denominator=9))
            lo, hi = a, b
        box.append((Fraction(lo), Fraction(hi)))
    return tuple(box), point


def _exact_value(e, point):
    try:
        return Evaluator(point).eval(e)
    except (InternalError, ZeroDivisionError):
        return None


def _contains(enclosure, value) -> bool:
    if isinstance(value, bool):
        can_false, can_true = enclosure
        return bool(can_true) if value else bool(can_false)
    lo, hi = enclosure
    return Fraction(float(lo)) <= value <= Fraction(float(hi)) if np.isfinite(lo) and np.isfinite(hi) \
        else (not np.isfinite(lo) or Fraction(float(lo)) <= value) and (not np.isfinite(hi) or value <= Fraction(float(hi)))


@settings(max_examples=500, deadline=None)
@given(e=st.one_of(numeric(3), boolean(3)), bp=box_and_point())
def test_float_and_exact_intervals_enclose_the_interpreter(e, bp):
    box, point = bp
    value = _exact_value(e, point)
    assume(value is not None)
    lo, hi = to_arrays([box])
    (flo, fhi), = BoxEvaluator([e], VARS).eval(lo, hi)
    assert _contains((flo[0], fhi[0]), value)
    bounds = {v.name: ((b[0] == 0, b[1] == 1) if v.vtype == "bool" else b) for v, b in zip(VARS, box)}
    try:
        exact = MemoRangeEvaluator(bounds).eval(e)
    except MaybeZeroDivisor:
        return
    if isinstance(value, bool):
        assert exact[1] if value else exact[0]
    else:
        assert exact[0] <= value <= exact[1]
        # the exact enclosure lies inside the float one, so float proofs always re-check exactly
        assert Fraction(float(flo[0])) <= exact[0] or not np.isfinite(flo[0])


def test_square_of_shared_node_is_nonnegative():
    x = ast.Name("x", P)
    (lo, hi), = BoxEvaluator([ast.BinOp("*", x, x, P)], VARS).eval(*to_arrays([((Fraction(-1), Fraction(2)),) + ((0, 0),) * 3]))
    assert lo[0] >= 0 and hi[0] >= 4


def test_decided_if_takes_one_branch():
    x = ast.Name("x", P)
    e = ast.Ite(ast.Compare(">", x, ast.Num(Fraction(0), P), P), ast.Num(Fraction(1), P), ast.Num(Fraction(100), P), P)
    box = ((Fraction(1), Fraction(2)),) + ((Fraction(0), Fraction(0)),) * 3
    (lo, hi), = BoxEvaluator([e], VARS).eval(*to_arrays([box]))
    assert hi[0] < 2


def test_corpus_unrollings_enclose_random_points():
    rng = random.Random(7)
    for path in domain_files():
        d = load_domain(path)
        u = unroll(d, parse_plan(known_plan(path), d))
        exprs = [u.reward, *(c.expr for c in u.conditions)]
        engine = BoxEvaluator(exprs, u.variables)
        for _ in range(20):
            box, env = [], {}
            for v in u.variables:
                lo, hi = (Fraction(0), Fraction(1)) if v.vtype == "bool" else (v.lo, v.hi)
                a, b = sorted(lo + (hi - lo) * Fraction(rng.randint(0, 8), 8) for _ in range(2))
                if v.vtype != "real":
                    a, b = Fraction(int(a)), Fraction(int(b))
                x = a + (b - a) * Fraction(rng.randint(0, 10), 10)
                x = Fraction(round(x)) if v.vtype != "real" else x
                env[v.name] = bool(x) if v.vtype == "bool" else x
                box.append((a, b))
            for e, enc in zip(exprs, engine.eval(*to_arrays([tuple(box)]))):
                value = Evaluator(env).eval(e)
                assert _contains((enc[0][0], enc[1][0]), value), (path.name, value, enc)
