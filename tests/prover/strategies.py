"""Hypothesis strategies shared by the prover's property tests: random expressions over a few
uncertain variables, and random boxes with a point inside."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import assume, strategies as st

from dsl import ast
from dsl.errors import InternalError
from dsl.interp import Evaluator
from prover.calculus.unroll import UVar

P = ast.Pos(0, 0, 0, 0)
VARS = (UVar("x", "param", "x", None, "real", None, None), UVar("y", "param", "y", None, "real", None, None),
        UVar("n", "param", "n", None, "int", None, None), UVar("b", "param", "b", None, "bool", None, None), UVar("c", "param", "c", None, "bool", None, None))
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
    leaf = st.one_of(st.booleans().map(lambda v: ast.BoolLit(v, P)), st.sampled_from(["b", "c"]).map(lambda n: ast.Name(n, P)))
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
        # booleans compared with each other, and a boolean `if`: the three-valued truth table
        st.tuples(st.sampled_from(["==", "!="]), sub_b, sub_b).map(lambda t: ast.Compare(t[0], t[1], t[2], P)),
        sub_b.map(lambda e: ast.Compare("==", e, e, P)),
        st.tuples(sub_b, sub_b, sub_b).map(lambda t: ast.Ite(t[0], t[1], t[2], P)),
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


def interpreter_value(e: ast.Expr, point: dict):
    """The reference interpreter's value of `e` at `point`; a draw it rejects (a zero divisor
    the generator could not rule out) is discarded."""
    try:
        return Evaluator(point).eval(e)
    except InternalError:
        assume(False)


def assert_holds_on_samples(d, plan, bound, n: int = 10_000, seed: int = 0) -> None:
    """Every one of `n` random scenarios of `d` (the interpreter's) keeps `plan` valid with a
    reward of at least `bound`: a certified bound no sample may beat."""
    import random

    from dsl.interp import run
    from dsl.scenario import random_scenario
    rng = random.Random(seed)
    for _ in range(n):
        o = run(d, plan, random_scenario(d, rng))
        assert o.valid and o.reward >= bound
