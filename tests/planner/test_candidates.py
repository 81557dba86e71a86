"""The scenario graph and candidate ranking against brute force over every plan."""
from __future__ import annotations

import itertools
import random

from hypothesis import given, settings, strategies as st

from dsl.interp import run
from dsl.load import load_text
from dsl.scenario import nominal, random_scenario
from planner.candidates import NO_PLAN, scenario_optimum, top_plans
from planner.graph import build
from tests.examples import discrete_domain


def brute_force(domain, scenarios):
    """(min over scenarios of R, plan) for every plan valid in all scenarios, best first."""
    out = []
    for plan in itertools.product(domain.instances(), repeat=domain.horizon):
        outs = [run(domain, plan, s) for s in scenarios]
        if all(o.valid for o in outs):
            out.append((min(o.reward for o in outs), plan))
    return sorted(out, key=lambda x: -x[0])


def test_thermostat_top_plans_match_brute_force(thermostat):
    scenarios = (nominal(thermostat),) + tuple(random_scenario(thermostat, random.Random(i)) for i in range(2))
    want = brute_force(thermostat, scenarios)
    got = top_plans(build(thermostat, scenarios), 8)
    assert got.exhaustive
    assert [c.value for c in got.plans] == [v for v, _ in want[:8]]
    assert {c.plan for c in got.plans if c.value > want[8][0]} <= {p for _, p in want[:8]}


def small(h, top, cost, **extra) -> str:
    """The brute-force domain with x in [-3, top]; `up(n)` requires x + n <= top unless told."""
    return discrete_domain(h, cost, low=-3, top=top, k_top=2, name="small", **{"cap": top, **extra})


@settings(max_examples=30, deadline=None)
@given(h=st.integers(1, 4), cap=st.integers(1, 5), cost=st.sampled_from(["0", "1/2", "1", "2"]),
       seeds=st.lists(st.integers(0, 10_000), min_size=0, max_size=3))
def test_random_small_domains_match_brute_force(h, cap, cost, seeds):
    d = load_text(small(h, cap, cost))
    scenarios = (nominal(d),) + tuple(random_scenario(d, random.Random(s)) for s in seeds)
    want = brute_force(d, scenarios)
    got = top_plans(build(d, scenarios), 3)
    assert got.exhaustive
    assert [c.value for c in got.plans] == [v for v, _ in want[:3]]
    for c in got.plans:   # each reported value is the plan's true min-over-scenarios return
        assert min(run(d, c.plan, s).reward for s in scenarios) == c.value


@settings(max_examples=30, deadline=None)
@given(h=st.integers(1, 4), cap=st.integers(1, 3), cost=st.sampled_from(["0", "1/2", "1", "-1"]),
       seeds=st.lists(st.integers(0, 10_000), min_size=0, max_size=3))
def test_parallel_edges_keep_the_best_value(h, cap, cost, seeds):
    """With a clamp, up(1) and up(2) often reach the same child in every scenario: the best
    value over the set must survive (once the later edge replaced the earlier one)."""
    d = load_text(small(h, cap, cost, cap=None, clamp=cap))
    scenarios = (nominal(d),) + tuple(random_scenario(d, random.Random(s)) for s in seeds)
    want = brute_force(d, scenarios)
    got = top_plans(build(d, scenarios), 3)
    assert got.exhaustive
    assert [c.value for c in got.plans[:1]] == [v for v, _ in want[:1]]
    for c in got.plans:
        assert min(run(d, c.plan, s).reward for s in scenarios) == c.value


@settings(max_examples=30, deadline=None)
@given(h=st.integers(1, 4), cap=st.integers(1, 3), cost=st.sampled_from(["0", "1/2", "-1"]),
       seed=st.integers(0, 10_000), beam=st.sampled_from([2, 4, 2000]))
def test_a_single_scenario_optimum_is_exact_or_none(h, cap, cost, seed, beam):
    """The planner's U when the beam cuts the joint graph: each scenario's own optimum, exact."""
    d = load_text(small(h, cap, cost, safe="x >= -1"))
    s = random_scenario(d, random.Random(seed))
    want = brute_force(d, (s,))
    got = scenario_optimum(d, s, beam)
    if beam == 2000:
        assert got is not None
    if got is not None:
        assert got == (want[0][0] if want else NO_PLAN)


def test_beam_truncation_is_reported(thermostat):
    sg = build(thermostat, (nominal(thermostat),), beam=3)
    assert sg.truncated
    assert not top_plans(sg, 3).exhaustive
