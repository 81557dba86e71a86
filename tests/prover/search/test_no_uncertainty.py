"""A domain with no uncertain variable at all: one scenario, whose reward the interpreter
computes. Every strategy must give the verdict that scenario implies (the search strategies
once crashed with `ValueError: need at least one array to stack` in the mean-value form)."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from dsl.interp import run
from dsl.load import load_text
from dsl.plan import parse_plan
from dsl.scenario import Scenario
from prover.check.checker import check_certificate
from prover.search.loop import Budget
from prover.search.verify import verify_search
from prover.search.verify_z3 import verify_z3

SOURCE = """domain fixed
horizon {h}
state s : int in [0, 20] init {s0}
state r : real in [-10, 10] init {r0}
action inc {{ s' = s + {k} }}
action mix {{ r' = r * {c} }}
reward step = s + r * r
safe s <= {cap}
"""
STRATEGIES = ["largest-first", "smear", "heuristic", "z3"]


def _verify(d, plan, bound, strategy):
    if strategy == "z3":
        return verify_z3(d, plan, bound, 30.0)
    return verify_search(d, plan, bound, strategy, Budget(500, 30))


def _check(d, plan, bound, strategy):
    """The verdict agrees with the interpreter's outcome of the one scenario there is."""
    truth = run(d, plan, Scenario({}, {}, {}))
    r = _verify(d, plan, bound, strategy)
    if not truth.valid:
        assert r.verdict == "refuted" and r.counterexample.outcome.violation == truth.violation
        return
    if bound is None:
        assert r.verdict == "proved" and r.lower_bound <= truth.reward
        assert r.lower_bound >= truth.reward - abs(truth.reward) / 100 - Fraction(1, 10**6)
    elif truth.reward >= bound:
        assert r.verdict == "proved" and r.lower_bound == bound
    else:
        assert r.verdict == "refuted" and r.counterexample.outcome.reward == truth.reward
    if r.verdict == "proved":
        check_certificate(d, r.certificate)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("bound", [Fraction(3), Fraction(4), None], ids=["true", "false", "tightest"])
def test_no_uncertain_variables_issue_case(strategy, bound):
    """`verify --bound 2` on such a domain once crashed every search strategy."""
    d = load_text(SOURCE.format(h=2, s0=0, r0=0, k=1, c=1, cap=20), "fixed.rwd")
    _check(d, parse_plan("inc; inc", d), bound, strategy)          # R = 1 + 2 = 3


@settings(max_examples=12, deadline=None)
@given(h=st.integers(1, 4), s0=st.integers(0, 5), r0=st.fractions(-3, 3, max_denominator=4),
       k=st.integers(0, 3), c=st.fractions(-2, 2, max_denominator=3), cap=st.integers(4, 20),
       steps=st.lists(st.booleans(), min_size=4, max_size=4), offset=st.fractions(-2, 2, max_denominator=2),
       strategy=st.sampled_from(STRATEGIES), tightest=st.booleans())
def test_every_strategy_agrees_with_the_interpreter(h, s0, r0, k, c, cap, steps, offset, strategy, tightest):
    d = load_text(SOURCE.format(h=h, s0=s0, r0=r0, k=k, c=c, cap=cap), "fixed.rwd")
    plan = parse_plan("; ".join("inc" if b else "mix" for b in steps[:h]), d)
    truth = run(d, plan, Scenario({}, {}, {}))
    bound = None if tightest or not truth.valid else truth.reward + offset
    _check(d, plan, bound, strategy)
