"""The symbolic unrolling agrees with the interpreter, and classifies goals as linear or not."""
from __future__ import annotations

import random

import pytest

from corpus import domain_files, known_plan
from dsl.interp import Evaluator, run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import random_scenario
from prover.calculus.unroll import is_linear, scenario_env, unroll


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.stem)
def test_unrolled_reward_and_validity_match_the_interpreter(path):
    d = load_domain(path)
    rng = random.Random(1)
    for _ in range(10):
        plan = tuple(rng.choice(d.instances()) for _ in range(d.horizon))
        u = unroll(d, plan)
        s = random_scenario(d, rng)
        ev = Evaluator(scenario_env(u, s))
        o = run(d, plan, s)
        assert all(ev.eval(c.expr) for c in u.conditions) == o.valid
        if o.valid:
            assert ev.eval(u.reward) == o.reward == sum(ev.eval(r) for r in u.rewards)


@pytest.mark.parametrize("name, linear", [("thermostat", True), ("inventory", True), ("drone", False),
                                          ("sir", False), ("portfolio", False)])
def test_linearity(name, linear):
    path = next(p for p in domain_files() if p.stem == name)
    d = load_domain(path)
    u = unroll(d, parse_plan(known_plan(path), d))
    assert is_linear([u.reward, *(c.expr for c in u.conditions), *u.assumes]) is linear
