"""cvc5's second opinion on a verdict, as a value (prover.backends.cross_check)."""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.backends import smt_cvc5
from prover.backends.cross_check import CrossCheck, cross_check

THERMO = next(p for p in domain_files() if p.stem == "thermostat")


@pytest.mark.parametrize("verdict, answer, disagrees", [
    ("proved", "unsat", False), ("proved", "sat", True), ("refuted", "sat", False), ("refuted", "unsat", True),
    ("proved", "unknown", False), ("unknown", "sat", False), ("unknown", "unsat", False),
])
def test_a_decided_answer_against_the_verdict_disagrees(verdict, answer, disagrees):
    assert CrossCheck(True, Fraction(1), answer, verdict).disagrees is disagrees


def _result(verdict: str, bound, lower_bound=None):
    return SimpleNamespace(verdict=verdict, bound=bound, lower_bound=lower_bound)


@pytest.mark.skipif(not smt_cvc5.available(), reason="cvc5 is in the test extra; not installed here")
def test_cvc5_answers_on_the_certified_bound_else_the_asked_one():
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    low = cross_check(d, plan, _result("proved", Fraction(-10**6), lower_bound=Fraction(-10**6)), 20.0)
    assert (low.available, low.bound, low.answer, low.disagrees) == (True, Fraction(-10**6), "unsat", False)
    wrong = cross_check(d, plan, _result("proved", Fraction(10**6)), 20.0)          # R >= 10^6 is false
    assert (wrong.bound, wrong.answer, wrong.disagrees) == (Fraction(10**6), "sat", True)


def test_nothing_to_check_without_a_bound(monkeypatch):
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    monkeypatch.setattr(smt_cvc5, "available", lambda: True)
    c = cross_check(d, plan, _result("unknown", None), 1.0)
    assert (c.available, c.answer, c.bound, c.disagrees) == (True, None, None, False)
    monkeypatch.setattr(smt_cvc5, "available", lambda: False)
    assert cross_check(d, plan, _result("proved", Fraction(0)), 1.0) == CrossCheck(available=False)
