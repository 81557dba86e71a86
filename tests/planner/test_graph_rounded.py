"""The scenario graph's rounded layers (nonlinear dynamics whose exact numbers explode) against
brute force by the exact interpreter, and the sharpened scenarios of the planning loop."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from corpus import domain_files
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import Scenario, failed_assumes, nominal, random_scenario
from planner.candidates import top_plans
from planner.graph import build
from planner.sharpen import sharpened

DOMAINS = {p.stem: p for p in domain_files()}


def brute_force(domain, scenarios) -> dict:
    """plan → min over scenarios of R, for every plan valid in every scenario (interpreter)."""
    out = {}
    for plan in itertools.product(domain.instances(), repeat=domain.horizon):
        outs = [run(domain, plan, s) for s in scenarios]
        if all(o.valid for o in outs):
            out[plan] = min(o.reward for o in outs)
    return out


@pytest.mark.parametrize("name, horizon", [("fishery", 4), ("thermostat", 3), ("sir", 4), ("portfolio", 3)])
def test_rounded_layers_keep_every_valid_plan_at_its_value(name, horizon):
    d = load_domain(DOMAINS[name]).with_horizon(horizon)
    rng = random.Random(name)
    scenarios = (nominal(d),) + tuple(random_scenario(d, rng) for _ in range(2))
    want = brute_force(d, scenarios)
    sg = build(d, scenarios, beam=10**6, exact_bits=-1)          # rounded from the first layer on
    assert sg.rounded and not sg.truncated
    got = top_plans(sg, len(want) + 5)
    assert not got.exhaustive                                    # approximate values: no U from it
    values = {c.plan: c.value for c in got.plans}
    assert set(values) == set(want)
    for plan, exact in want.items():
        assert abs(values[plan] - exact) <= Fraction(1, 10**9) * (1 + abs(exact)), plan


def test_long_fishery_graphs_switch_to_rounded_layers_and_stay_exact_when_short():
    d = load_domain(DOMAINS["fishery"])
    assert build(d, (nominal(d),), beam=200).rounded                 # 178-digit stocks by year ten
    thermo = load_domain(DOMAINS["thermostat"])
    assert not build(thermo, (nominal(thermo),), beam=200).rounded   # short rationals: exact as before


def test_a_counterexample_is_sharpened_to_the_most_violating_corner():
    d = load_domain(DOMAINS["fishery"])
    plan = parse_plan("fish(2); fish(2); fish(2); fish(1); fish(1); fish(3); fish(3); fish(3); fish(3); fish(3)", d)
    half = Fraction(1, 2)
    signs = (-1, 1, -1, 1, 1, 1, -1, -1, 1, -1)               # a counterexample the prover gave: stock 24.93 < 25
    weak = Scenario({"growth": Fraction(7, 20), "capacity": Fraction(90), "catchability": Fraction(11, 100)}, {},
                    {"recruit": tuple(k * half for k in signs)})
    o = run(d, plan, weak)
    assert not o.valid and o.violation.kind == "safe"
    s = sharpened(d, plan, weak)
    assert s == Scenario({"growth": Fraction(7, 20), "capacity": Fraction(90), "catchability": Fraction(11, 100)},
                         {}, {"recruit": (-half,) * 10})
    sharp = run(d, plan, s)
    assert not sharp.valid and sharp.violation.step <= o.violation.step


def test_sharpened_scenarios_keep_to_the_assumes():
    d = load_domain(DOMAINS["portfolio"])                          # assume sum(ret) >= -0.15
    plan = parse_plan("buy(2); buy(2); sell(2); sell(2); sell(2); sell(2)", d)
    for seed in range(5):
        s0 = random_scenario(d, random.Random(seed))
        s = sharpened(d, plan, s0)
        assert s is None or not failed_assumes(d, s)


def test_fishery_plan_and_verify_end_to_end_a_budgeted_horizon(capsys, tmp_path):
    """The fishery's loop, at horizon 6 so that it stays a short test: the prover's first
    counterexample is sharpened to the validity corner, after which the graph proposes plans
    that are robustly valid, and one is certified (its certificate re-checked)."""
    import json
    from planner.cli import main
    path, cert = str(DOMAINS["fishery"]), str(tmp_path / "c.json")
    code = main(["plan-and-verify", path, "--horizon", "6", "--candidates", "4", "--workers", "1",
                 "--cert", cert, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["selected"]["verdict"] == "proved"
    assert Fraction(out["selected"]["lower_bound"]) > 25
    assert main(["check-cert", path, cert]) == 0              # the certificate names its horizon
