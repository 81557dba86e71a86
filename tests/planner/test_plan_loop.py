"""plan-and-verify against brute force: on small discrete domains the selected plan's certified
bound is the true robust optimum, and so is the upper bound U."""
from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from dsl.interp import run
from tests.planner.brute import robust_optimum as _brute
from dsl.load import load_text
from dsl.scenario import Scenario, failed_assumes
from planner.loop import PlanOptions, plan_and_verify
from tests.examples import discrete_domain
from prover.check.checker import check_certificate

def discrete(h, budget, cost, safe="x >= -2") -> str:
    return discrete_domain(h, cost, low=-4, top=4, k_top=1, cap=3, budget=budget, safe=safe)


def all_scenarios(d):
    for k in (0, 1):
        for ds in itertools.product((-1, 0, 1), repeat=d.horizon):
            s = Scenario({"k": Fraction(k)}, {}, {"d": tuple(map(Fraction, ds))})
            if not failed_assumes(d, s):
                yield s


def robust_optimum(d):
    return _brute(d, all_scenarios(d))


@pytest.mark.parametrize("h, budget, cost", [(2, 0, "1/2"), (3, 1, "1"), (3, -1, "1/4"), (4, 0, "1/2")])
def test_selected_bound_and_upper_bound_equal_the_brute_force_optimum(h, budget, cost):
    d = load_text(discrete(h, budget, cost), f"discrete{h}.rwd")
    want = robust_optimum(d)
    res = plan_and_verify(d, PlanOptions(candidates=5, time_limit=60, gap=Fraction(0), workers=1, max_rounds=10))
    assert want is not None
    assert res.selected is not None and res.selected.result.lower_bound == want
    assert res.upper_bound == want
    check_certificate(d, res.selected.result.certificate)


def test_no_robustly_valid_plan_is_reported():
    d = load_text(discrete(3, 3, "1", safe="x >= 0"), "hopeless.rwd")
    assert robust_optimum(d) is None
    res = plan_and_verify(d, PlanOptions(candidates=3, time_limit=30, workers=1))
    assert res.selected is None and res.no_robust_plan and res.stop_reason == "no robust plan"
    assert all(c.result.verdict == "refuted" for r in res.rounds for c in r.candidates)
    # each plan fails in some scenario of the set the result names
    for plan in itertools.product(d.instances(), repeat=d.horizon):
        assert any(not run(d, plan, s).valid for s in res.scenarios)


def test_a_run_out_of_time_says_so():
    """Candidates left unproved for lack of time end the run with "time limit", not with a claim
    that no new worst-case scenario exists."""
    d = load_text(discrete(3, 1, "1/4"), "discrete.rwd")
    res = plan_and_verify(d, PlanOptions(candidates=3, time_limit=0.01, workers=1))
    assert res.selected is None and res.stop_reason == "time limit"
    assert "too little to start round 1" in res.stop_detail and not res.no_robust_plan
