"""Objectives own what the search used to branch on by mode strings: which leaves close, the
target, the SMT claim, the certified bound and what counts as a counterexample."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import random_scenario
from prover.calculus.objective import AtLeast, Tightest, Validity, reward_objective
from prover.search.loop import Budget
from prover.search.verify import verify_search

DOMAINS = {p.stem: p for p in domain_files()}


def test_targets_follow_the_claim_or_the_worst_found():
    assert Validity().target(Fraction(5)) is None
    assert AtLeast(Fraction(3, 2)).target(None) == 1.5
    assert Tightest(Fraction(1, 100)).target(None) == math.inf
    assert Tightest(Fraction(1, 100)).target(Fraction(10)) == pytest.approx(9.9)
    assert Tightest(Fraction(1, 10)).target(Fraction(-10)) == pytest.approx(-11)


def test_which_leaves_close():
    assert Validity().closes(-math.inf, (), None) and not Validity().closes(math.inf, (3,), None)
    assert AtLeast(Fraction(1)).closes(1.0, (2,), 1.0) and not AtLeast(Fraction(1)).closes(0.5, (), 1.0)
    assert not Tightest().closes(5.0, (), None)            # no target yet: nothing closes


def test_what_the_smt_tactic_is_asked():
    assert Validity().smt_claim(Fraction(1)) == Validity()
    assert AtLeast(Fraction(2)).smt_claim(Fraction(1)) == AtLeast(Fraction(2))
    assert Tightest().smt_claim(None) is None
    assert Tightest().smt_claim(Fraction(7, 3)) == AtLeast(Fraction(7, 3))   # the worst found itself


def test_certified_bounds_are_read_off_the_leaves():
    values = [Fraction(3), Fraction(1), Fraction(2)]
    assert Tightest().certified(False, lambda: values) == 1
    assert Tightest().certified(True, lambda: [Fraction(1), None]) is None     # a leaf proves nothing
    assert Tightest().certified(True, lambda: []) is None
    assert AtLeast(Fraction(5)).certified(True, lambda: values) == 5
    assert AtLeast(Fraction(5)).certified(False, lambda: values) is None
    assert Validity().certified(True, lambda: values) is None
    assert Tightest().proved_claim(Fraction(1)) == AtLeast(Fraction(1))
    assert Tightest().proved_claim(None) == Tightest()
    assert reward_objective(None, Fraction(1, 3)) == Tightest(Fraction(1, 3))
    assert reward_objective(Fraction(2), Fraction(1, 3)) == AtLeast(Fraction(2))


def test_counterexamples_are_judged_on_interpreter_outcomes():
    """Every objective refutes an invalid outcome; only AtLeast refutes a valid one, when R < b."""
    import random
    d = load_domain(DOMAINS["thermostat"])
    plan = parse_plan(known_plan(DOMAINS["thermostat"]), d)
    o = run(d, plan, random_scenario(d, random.Random(0)))
    assert o.valid
    assert AtLeast(o.reward + 1).refutes(o) and not AtLeast(o.reward).refutes(o)
    assert not Tightest().refutes(o) and not Validity().refutes(o)
    bad = run(d, parse_plan("heat(3); heat(3); heat(3); heat(3); heat(3); heat(3)", d),
              random_scenario(d, random.Random(0)))
    assert not bad.valid
    assert all(obj.refutes(bad) for obj in (Validity(), AtLeast(Fraction(-10**6)), Tightest()))


def test_a_tightest_search_states_what_it_certified():
    d = load_domain(DOMAINS["proxy"])
    r = verify_search(d, parse_plan(known_plan(DOMAINS["proxy"]), d), None, "smear", Budget(500, 30))
    assert r.verdict == "proved"
    valid, reward = r.searches[0], r.searches[-1]
    assert valid.objective == Validity() and valid.claim == Validity()
    assert reward.objective == Tightest(Fraction(1, 100)) and reward.claim == AtLeast(r.lower_bound)
