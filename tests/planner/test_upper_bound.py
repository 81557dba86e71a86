"""The planner's upper bound U is sound: never below a certified bound, and equal to the robust
optimum (max over plans of the min over every admissible scenario, by brute force with the
interpreter) when the run says it is exact; "no robust plan exists" only when none does."""
from __future__ import annotations

import itertools
import json
from fractions import Fraction

from hypothesis import given, settings, strategies as st

from dsl.interp import run
from tests.planner.brute import robust_optimum
from dsl.load import load_text
from dsl.scenario import Scenario, failed_assumes
from planner.cli import main
from planner.loop import PlanOptions, plan_and_verify

# fill(2) and fill(3) from 9 reach the same full tank as fill(1), at a higher cost: the graph
# once kept only the last edge between two nodes and ranked plans on the wrong reward.
TANK = """
domain tank
horizon 3
state level : int in [0, 10] init 9
action fill(k : int in 1..3) {
  level' = min(level + k, 10)
  reward -k
}
action idle {
  level' = level
}
reward step = level
"""

TWINS = """
domain twins
horizon 2
state x : int in [0, 3] init 0
action good {
  x' = x
  reward 5
}
action bad {
  x' = x
  reward 0
}
"""


def _plan_json(capsys, tmp_path, text, *argv):
    f = tmp_path / "d.rwd"
    f.write_text(text)
    code = main(["plan-and-verify", str(f), "--workers", "1", "--json", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out)


def test_parallel_edges_keep_the_cheapest_fill(capsys, tmp_path):
    code, obj = _plan_json(capsys, tmp_path, TANK, "--plan", "fill(1); idle; idle")
    assert code == 0
    assert Fraction(obj["selected"]["lower_bound"]) == 29
    assert Fraction(obj["upper_bound"]) == 29
    assert all(Fraction(c["lower_bound"]) <= 29 for c in obj["candidates"] if c["lower_bound"])


def test_parallel_edges_keep_the_better_reward_without_a_user_plan(capsys, tmp_path):
    code, obj = _plan_json(capsys, tmp_path, TWINS)
    assert code == 0
    assert obj["selected"]["plan"] == ["good", "good"]
    assert Fraction(obj["selected"]["lower_bound"]) == 10 == Fraction(obj["upper_bound"])


def test_parallel_edges_upper_bound_is_not_below_a_user_plan(capsys, tmp_path):
    code, obj = _plan_json(capsys, tmp_path, TWINS, "--plan", "good; good", "--candidates", "1")
    assert code == 0
    assert Fraction(obj["upper_bound"]) >= Fraction(obj["selected"]["lower_bound"]) == 10


RANDOM = """
domain rand
horizon {h}
param k : int in [0, {kmax}]
disturbance d : int in [{dlo}, 1]
assume sum(d) <= {budget}
state x : int in [0, {cap}] init {x0}
action push(n : int in 1..{nmax}) {{
  requires x + n <= {cap} + 1
  x' = min(x + n + d, {cap})
  reward {c1} * n
}}
action pull {{
  x' = max(x - 1 + d, {floor})
  reward {c2}
}}
action hold {{
  x' = x
  reward {c3}
}}
reward step = if x >= k then {r1} else {r2}
reward final = {cf} * x
safe x >= {smin}
"""


def _all_scenarios(d):
    dlo = int(d.disturbances[0].lo)
    for k in range(0, int(d.params[0].hi) + 1):
        for ds in itertools.product(range(dlo, 2), repeat=d.horizon):
            s = Scenario({"k": Fraction(k)}, {}, {"d": tuple(map(Fraction, ds))})
            if not failed_assumes(d, s):
                yield s


def _robust_optimum(d):
    return robust_optimum(d, _all_scenarios(d))


small = st.integers(-2, 2)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 3), kmax=st.integers(0, 2), dlo=st.integers(-1, 0), budget=st.integers(-1, 2),
       cap=st.integers(1, 4), x0=st.integers(0, 1), nmax=st.integers(1, 3), floor=st.integers(-1, 0),
       c1=small, c2=small, c3=small, r1=small, r2=small, cf=small, smin=st.integers(0, 1))
def test_upper_bound_is_sound_and_exact_when_claimed(**kw):
    d = load_text(RANDOM.format(**kw), "rand.rwd")
    if not list(_all_scenarios(d)):
        return      # no admissible scenario: verify refuses such domains
    want = _robust_optimum(d)
    res = plan_and_verify(d, PlanOptions(candidates=3, time_limit=60, gap=Fraction(0), workers=1, max_rounds=30))
    certified = [c.result.lower_bound for r in res.rounds for c in r.candidates if c.result.verdict == "proved"]
    if res.no_robust_plan:      # claimed only when true, and with scenarios that show it
        assert want is None
        for plan in itertools.product(d.instances(), repeat=d.horizon):
            assert any(not run(d, plan, s).valid for s in res.scenarios)
    if want is None:
        assert not certified and res.selected is None
        return
    assert all(lb <= want for lb in certified)
    if res.upper_bound is not None:
        assert res.upper_bound >= want
        assert all(lb <= res.upper_bound for lb in certified)
    if res.exact:           # L = U: the run stops there, and both are the robust optimum
        assert res.stop_reason == "bound proved"
        assert res.selected.result.lower_bound == want == res.upper_bound


@settings(max_examples=10, deadline=None)
@given(h=st.integers(2, 3), budget=st.integers(-1, 1), beam=st.integers(2, 6), c1=small, r1=small)
def test_upper_bound_stays_sound_when_the_beam_cuts(h, budget, beam, c1, r1):
    kw = dict(h=h, kmax=1, dlo=-1, budget=budget, cap=4, x0=1, nmax=2, floor=0, c1=c1, c2=0, c3=0,
              r1=r1, r2=-1, cf=1, smin=0)
    d = load_text(RANDOM.format(**kw), "rand.rwd")
    want = _robust_optimum(d)
    res = plan_and_verify(d, PlanOptions(candidates=2, time_limit=60, gap=Fraction(0), workers=1, beam=beam))
    if res.no_robust_plan:
        assert want is None
    if want is not None and res.upper_bound is not None:
        assert res.upper_bound >= want
    if res.selected:
        assert res.selected.result.lower_bound <= want
