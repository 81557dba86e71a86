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
from prover.bounds.evaluation import to_arrays
from prover.bounds.interval import BoxEvaluator
from prover.bounds.interval_exact import MemoRangeEvaluator
from prover.calculus.unroll import unroll
from dsl.ranges import MaybeZeroDivisor

from tests.prover.strategies import P, VARS, box_and_point, boolean, numeric


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
    (lo, hi), = BoxEvaluator([ast.BinOp("*", x, x, P)], VARS).eval(*to_arrays([((Fraction(-1), Fraction(2)),) + ((0, 0),) * (len(VARS) - 1)]))
    assert lo[0] >= 0 and hi[0] >= 4


def test_decided_if_takes_one_branch():
    x = ast.Name("x", P)
    e = ast.Ite(ast.Compare(">", x, ast.Num(Fraction(0), P), P), ast.Num(Fraction(1), P), ast.Num(Fraction(100), P), P)
    box = ((Fraction(1), Fraction(2)),) + ((Fraction(0), Fraction(0)),) * (len(VARS) - 1)
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


@settings(max_examples=300, deadline=None)
@given(n=st.integers(-10**300, 10**300), d=st.integers(1, 10**150))
def test_outward_rounding_encloses_and_keeps_short_rationals(n, d):
    from dsl.exact import Q
    from prover.bounds.interval_exact import LIMIT, PRECISION, outward
    x = Q(n, d)
    lo, hi = outward(x, False), outward(x, True)
    assert lo <= x <= hi
    if int(x.denominator).bit_length() <= LIMIT:
        assert lo == hi == x
    else:          # PRECISION significant bits: the widening is relative and tiny
        assert hi - lo <= abs(x) / 2 ** (PRECISION - 2)
        assert int(hi.denominator).bit_length() <= max(LIMIT, int(x.denominator).bit_length() - int(x.numerator).bit_length() + PRECISION + 2)


def test_exact_checker_stays_small_on_a_long_nonlinear_unrolling():
    """SIR at horizon 12: products double the digits of exact endpoints at every step; the
    checker's outward rounding keeps them short and the enclosure still contains the truth."""
    from prover.bounds.interval_exact import ExactBoxFacts, LIMIT
    from prover.calculus.goals import root_box
    from dsl.scenario import random_scenario
    from prover.calculus.unroll import scenario_env
    sir = next(p for p in domain_files() if p.stem == "sir")
    d = load_domain(sir).with_horizon(12)
    plan = parse_plan("; ".join(["distance(2)"] * 8 + ["distance(1)"] * 3 + ["open"]), d)
    u = unroll(d, plan)
    facts = ExactBoxFacts(u).facts(root_box(u.variables))
    assert facts.lo is not None and facts.lo.denominator.bit_length() <= LIMIT
    rng = random.Random(0)
    for _ in range(2):
        value = Evaluator(scenario_env(u, random_scenario(d, rng))).eval(u.reward)
        assert facts.lo <= value


def test_stacked_and_plain_products_agree_exactly():
    """Small batches stack endpoint operations into one numpy call, large ones do not: the
    two paths must give bit-identical enclosures."""
    from prover.bounds.interval import STACK_BELOW
    sir = next(p for p in domain_files() if p.stem == "sir")
    d = load_domain(sir)
    u = unroll(d, parse_plan(known_plan(sir), d))
    ev = BoxEvaluator([u.reward, *(c.expr for c in u.conditions)], u.variables)
    rng = np.random.default_rng(0)
    n = 2 * STACK_BELOW
    lo0 = np.array([[float(v.lo) if v.lo is not None else 0.0 for v in u.variables]] * n)
    hi0 = np.array([[float(v.hi) if v.hi is not None else 1.0 for v in u.variables]] * n)
    a = lo0 + (hi0 - lo0) * rng.random(lo0.shape)
    b = lo0 + (hi0 - lo0) * rng.random(lo0.shape)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    whole = ev.eval(lo, hi)                                  # the plain path
    chunks = [ev.eval(lo[i:i + 100], hi[i:i + 100]) for i in range(0, n, 100)]   # stacked
    for k, (wl, wh) in enumerate(whole):
        cl = np.concatenate([np.broadcast_to(c[k][0], (min(100, n - 100 * j),)) for j, c in enumerate(chunks)])
        ch = np.concatenate([np.broadcast_to(c[k][1], (min(100, n - 100 * j),)) for j, c in enumerate(chunks)])
        assert np.array_equal(np.broadcast_to(wl, (n,)), cl) and np.array_equal(np.broadcast_to(wh, (n,)), ch)
