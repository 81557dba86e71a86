"""The exact-number boundary (`dsl.exact`): gmpy2 `mpq` inside the exact code, Fractions of
Python ints everywhere else, and floats of huge rationals that never overflow.

`Fraction(mpq)` builds a Fraction with gmpy2 integers inside, which `mpq()` then refuses: a
discounted reward with a folded constant (`s*(1/2)`, `discount 9/10`) once crashed every
search strategy with `SystemError: Object does not appear to be Fraction`."""
from __future__ import annotations

import math
import sys
from fractions import Fraction

import pytest
from gmpy2 import mpq
from hypothesis import given, settings, strategies as st

from dsl import ast
from dsl.exact import approx, float_bounds, to_float, to_fraction, to_q
from dsl.interp import Evaluator, run
from dsl.load import load_text
from dsl.plan import parse_plan
from dsl.scenario import Scenario
from prover.bounds.derivative import gradients
from prover.calculus.goals import root_box
from prover.bounds.interval import const_bounds
from prover.bounds.interval_exact import ExactBoxFacts
from prover.search.loop import Budget
from prover.calculus.unroll import fold, unroll
from prover.search.verify import verify_search

from tests.prover.strategies import numeric

P = ast.Pos(0, 0, 0, 0)
# rationals of every size: short ones, and ones far beyond the float range in both directions
RATIONALS = st.one_of(
    st.fractions(max_denominator=10**6),
    st.builds(lambda n, d, e: Fraction(n, d) * Fraction(10) ** e, st.integers(-10**9, 10**9), st.integers(1, 10**9),
              st.integers(-400, 400)),
)


def _forms(q: Fraction):
    """The same value as each type the code meets: int, Fraction, mpq, and a Fraction built
    from an mpq (gmpy2 integers inside)."""
    out = [q, mpq(q.numerator, q.denominator), Fraction(mpq(q.numerator, q.denominator))]
    return out + [q.numerator] if q.denominator == 1 else out


def _is_plain_fraction(x) -> bool:
    return type(x) is Fraction and type(x.numerator) is int and type(x.denominator) is int


@settings(max_examples=300, deadline=None)
@given(q=RATIONALS)
def test_every_form_crosses_the_boundary_exactly(q):
    for x in _forms(q):
        f, m = to_fraction(x), to_q(x)
        assert _is_plain_fraction(f) and f == q
        assert type(m) is mpq and m == q
        assert to_fraction(m) == q and to_q(f) == m


def test_floats_cross_with_their_exact_binary_value():
    assert to_q(0.1) == mpq(3602879701896397, 36028797018963968) and to_fraction(0.1) == Fraction(0.1)
    assert _is_plain_fraction(to_fraction(-2.5)) and to_fraction(-2.5) == Fraction(-5, 2)


@pytest.mark.parametrize("x", [math.inf, math.nan, True, "1/2", None])
def test_only_exact_rationals_cross(x):
    with pytest.raises(TypeError):
        to_q(x)
    with pytest.raises(TypeError):
        to_fraction(x)


@settings(max_examples=200, deadline=None)
@given(e=numeric(3), x=st.fractions(-3, 3, max_denominator=5), y=st.fractions(-3, 3, max_denominator=5),
       n=st.integers(-3, 3), b=st.booleans(), c=st.booleans())
def test_folding_yields_fractions_of_ints_equal_to_the_interpreter(e, x, y, n, b, c):
    """Bottom-up folding (what unroll does) of a closed expression: every literal it builds is a
    Fraction of ints with the interpreter's value, divisions (mpq inside) included."""
    values = {"x": x, "y": y, "n": Fraction(n), "b": b, "c": c}
    env = {k: ast.BoolLit(v, P) if isinstance(v, bool) else ast.Num(v, P) for k, v in values.items()}
    memo = ast.NodeMemo()
    stack = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in memo:
            continue
        kids = ast.children(node)
        if ready or not kids:
            if not kids:
                memo[node] = env[node.id] if isinstance(node, ast.Name) else node
                continue
            memo[node] = fold(_rebuild(node, [memo[k] for k in kids]))
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
    out = memo[e]
    expected = Evaluator(values).eval(e)
    assert isinstance(out, ast.Num) and _is_plain_fraction(out.value) and out.value == expected


def _rebuild(node, kids):
    if isinstance(node, ast.Call):
        return ast.Call(node.func, tuple(kids), node.pos)
    if isinstance(node, (ast.Neg, ast.Not)):
        return type(node)(kids[0], node.pos)
    if isinstance(node, ast.Ite):
        return ast.Ite(*kids, node.pos)
    return type(node)(node.op, kids[0], kids[1], node.pos)


DISCOUNTED = """domain disc
horizon 3
discount {q}
param p : real in [0, 1]
state s : real in [-100, 100] init in [0, 1]
action go {{ s' = s + p }}
reward step = s*({c}) + p*p - p
"""


def _nums(exprs):
    memo, stack, out = ast.NodeMemo(), list(exprs), []
    while stack:
        e = stack.pop()
        if e in memo:
            continue
        memo[e] = True
        if isinstance(e, ast.Num):
            out.append(e.value)
        stack.extend(ast.children(e))
    return out


@settings(max_examples=30, deadline=None)
@given(q=st.fractions(Fraction(1, 10), 1, max_denominator=12), c=st.fractions(-2, 2, max_denominator=9),
       s0=st.fractions(0, 1, max_denominator=4), p=st.fractions(0, 1, max_denominator=4))
def test_discounted_rewards_cross_every_conversion_path(q, c, s0, p):
    """Discount weights, folded constants and their derivatives are Fractions of ints; the exact
    evaluator and its mean-value form take them, and the bound they give is below the
    interpreter's reward at a point of the box."""
    d = load_text(DISCOUNTED.format(q=q, c=c), "disc.rwd")
    u = unroll(d, parse_plan("go; go; go", d))
    grads = gradients([u.reward], tuple(v.name for v in u.variables))[0]
    assert all(_is_plain_fraction(v) for v in _nums([u.reward, *grads]))
    facts = ExactBoxFacts(u)
    box = root_box(u.variables)
    lower = facts.mean_value_lower(box)
    plain = facts.facts(box).lo
    value = run(d, u.plan, Scenario({"p": p}, {"s": s0}, {})).reward
    assert _is_plain_fraction(lower) and lower <= value and plain <= value


@pytest.mark.parametrize("strategy", ["largest-first", "smear", "heuristic"])
def test_discounted_reward_with_a_folded_constant_is_proved_by_every_strategy(strategy):
    """Once `SystemError: Object does not appear to be Fraction` in the checker's mean-value leaves."""
    d = load_text(DISCOUNTED.format(q="9/10", c="1/2"), "disc.rwd")
    plan = parse_plan("go; go; go", d)
    r = verify_search(d, plan, None, strategy, Budget(2000, 60))
    assert r.verdict == "proved" and r.lower_bound <= r.worst_found.outcome.reward


@settings(max_examples=300, deadline=None)
@given(q=RATIONALS)
def test_float_bounds_enclose_every_rational_tightly(q):
    for x in _forms(q):
        lo, hi = float_bounds(x)
        assert (lo == -math.inf or Fraction(lo) <= q) and (hi == math.inf or q <= Fraction(hi))
        assert hi == lo or hi == math.nextafter(lo, math.inf)       # neighbours, or q itself
        assert const_bounds(x) == (lo, hi)
        assert to_float(x) in (lo, hi)
        text = approx(x)
        assert float(text) == pytest.approx(to_float(x), rel=1e-5) or math.isinf(to_float(x))


def test_rationals_beyond_the_float_range_are_bounded_by_infinity():
    big = Fraction(10**64) ** 7
    assert float_bounds(big) == (sys.float_info.max, math.inf)
    assert float_bounds(-big) == (-math.inf, -sys.float_info.max)
    assert to_float(big) == math.inf and approx(-big) == "-1e+448"
    tiny = Fraction(1, 10**400)
    assert float_bounds(tiny) == (0.0, 5e-324) and approx(tiny) == "1e-400"
