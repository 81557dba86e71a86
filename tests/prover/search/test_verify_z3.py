"""Monolithic Z3 on the corpus: exact worst cases on linear domains, honest answers elsewhere."""
from __future__ import annotations

from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import failed_assumes
from prover.calculus.unroll import is_linear, unroll
from prover.search.verify_z3 import verify_z3


def _case(path):
    d = load_domain(path)
    plan = parse_plan(known_plan(path), d)
    u = unroll(d, plan)
    return d, plan, is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes])


CASES = [pytest.param(p, id=p.stem) for p in domain_files()]


@pytest.mark.parametrize("path", CASES)
def test_z3_exact_worst_case_on_linear_domains(path):
    d, plan, linear = _case(path)
    if not linear:
        r = verify_z3(d, plan, None, 2)
        assert r.verdict in ("proved", "unknown")          # honest: never a guess
        return
    r = verify_z3(d, plan, None, 30)
    assert r.verdict == "proved"
    exact = r.lower_bound
    assert r.worst_found.outcome.reward == exact            # attained by a replayed scenario
    above = verify_z3(d, plan, exact + Fraction(1, 100), 30)
    assert above.verdict == "refuted"
    s = above.counterexample.scenario
    assert not failed_assumes(d, s)
    o = run(d, plan, s)
    assert o.valid and o.reward < exact + Fraction(1, 100)
    assert verify_z3(d, plan, exact, 30).verdict == "proved"
