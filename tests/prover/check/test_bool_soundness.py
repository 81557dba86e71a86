"""Booleans compared with `==` / `!=`: one three-valued truth table for every evaluator.

The exact range evaluator once treated boolean (can_be_false, can_be_true) pairs as numeric
intervals, so the checker accepted forged certificates and the type checker accepted divisors
that can be 0. These tests forge such certificates, and compare every evaluator with the
interpreter on random boolean comparisons."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from dsl.errors import DslTypeError
from dsl.load import load_text
from dsl.plan import parse_plan
from dsl.ranges import RangeEvaluator, compare
from prover.calculus.certificate import FORMAT_VERSION
from prover.check.checker import CertificateRejected, check_certificate
from prover.bounds.evaluation import to_arrays
from prover.bounds.interval import BoxEvaluator
from prover.bounds.interval_exact import MemoRangeEvaluator
from prover.search.loop import Budget
from prover.search.verify import verify_search

from tests.prover.strategies import VARS, box_and_point, boolean, interpreter_value

EQUAL_BOOLS = """domain pq
horizon 1
param p : bool
param q : bool
state x : int in [0, 5] init 0
action go { x' = x + 1 }
safe p == q
reward final = if p == q then 0 else -100
"""

DIFFERENT_BOOLS = """domain ab
horizon 1
param a : bool
param b : bool
assume a != b
state x : int in [0, 5] init 0
action go { x' = x + 1 }
safe x <= 0
"""

SAME_BOOL = """domain pp
horizon 2
param p : bool
param w : real in [0, 1]
state x : real in [0, 5] init 0
action go { x' = x + w }
safe p == p
reward final = x
"""

BOOL_STATE = """domain ok
horizon 2
param w : real in [0, 1]
state x : real in [0, 5] init 0
state ok : bool init false
action go {
  x' = x + w
  ok' = x >= 0
}
reward final = if ok == true then 0 else -100
"""


def _forged(domain, plan: list[str], bound: str, valid: dict, reward: dict) -> dict:
    return {"format_version": FORMAT_VERSION,
            "domain": {"name": domain.name, "sha256": domain.sha256, "horizon": domain.horizon},
            "plan": plan, "claim": {"valid": True, "reward_at_least": bound},
            "proofs": {"valid": valid, "reward": reward}}


def test_checker_rejects_a_single_interval_leaf_for_equal_free_booleans():
    d = load_text(EQUAL_BOOLS, "pq.rwd")
    cert = _forged(d, ["go"], "0", {"leaf": "interval"}, {"leaf": "interval"})
    with pytest.raises(CertificateRejected, match="safe condition 'p == q'"):
        check_certificate(d, cert)


def test_checker_rejects_infeasible_leaves_when_the_boolean_assume_is_satisfiable():
    d = load_text(DIFFERENT_BOOLS, "ab.rwd")
    cert = _forged(d, ["go"], "0", {"leaf": "infeasible"}, {"leaf": "infeasible"})
    with pytest.raises(CertificateRejected, match="assumes are satisfiable"):
        check_certificate(d, cert)
    # and the plan really is unsafe: the search refutes it with a replayed scenario
    r = verify_search(d, parse_plan("go", d), Fraction(0), "heuristic", Budget(100, 20))
    assert r.verdict == "refuted"


def test_a_divisor_a_boolean_can_make_zero_is_a_type_error():
    src = EQUAL_BOOLS.replace("x' = x + 1", "x' = 1 / (if p != false then 1 else 0)").replace("int in [0, 5]", "real in [0, 5]")
    with pytest.raises(DslTypeError) as info:
        load_text(src, "div.rwd")
    assert "divisor may be zero" in str(info.value)
    assert "^" in str(info.value)


@pytest.mark.parametrize("strategy", ["largest-first", "smear", "heuristic"])
@pytest.mark.parametrize("source", [SAME_BOOL, BOOL_STATE], ids=["safe-p-eq-p", "bool-state-eq-true"])
def test_honest_boolean_proofs_are_proved_and_accepted(source, strategy):
    d = load_text(source, "d.rwd")
    r = verify_search(d, parse_plan("go; go", d), Fraction(0), strategy, Budget(200, 20))
    assert r.verdict == "proved", r
    check_certificate(d, r.certificate)
    # one unit too high is refuted, never proved
    high = verify_search(d, parse_plan("go; go", d), Fraction(1), strategy, Budget(200, 20))
    assert high.verdict != "proved"


def _bounds(box):
    return {v.name: ((b[0] == 0, b[1] == 1) if v.vtype == "bool" else b) for v, b in zip(VARS, box)}


@settings(max_examples=400, deadline=None)
@given(e=boolean(3), bp=box_and_point(), at_point=st.booleans())
def test_every_evaluator_agrees_with_the_interpreter_on_boolean_comparisons(e, bp, at_point):
    box, point = bp
    if at_point:      # a box that is one point: the exact evaluators must decide exactly
        box = tuple((Fraction(point[v.name]),) * 2 for v in VARS)
    value = interpreter_value(e, point)
    exact = [RangeEvaluator(_bounds(box)).eval(e), MemoRangeEvaluator(_bounds(box)).eval(e)]
    (f, t), = BoxEvaluator([e], VARS).eval(*to_arrays([box]))
    for can_false, can_true in exact + [(bool(f[0]), bool(t[0]))]:
        assert (can_true if value else can_false)
    if at_point:
        assert all(pair == (not value, value) for pair in exact)


@pytest.mark.parametrize("a", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("b", [(True, False), (False, True), (True, True)])
def test_boolean_truth_table_is_the_set_of_outcomes(a, b):
    values = lambda s: [v for v, can in ((False, s[0]), (True, s[1])) if can]
    for op, f in (("==", lambda x, y: x == y), ("!=", lambda x, y: x != y)):
        outcomes = {f(x, y) for x in values(a) for y in values(b)}
        assert compare(op, a, b) == (False in outcomes, True in outcomes)
