"""The thermostat of DSL.md, computed by hand, against the reference interpreter."""
from fractions import Fraction as F

from dsl.interp import run
from dsl.plan import parse_plan
from dsl.scenario import Scenario, nominal


def test_nominal_reward_matches_hand_computation(thermostat):
    # leak 3/10, gust 0, temp0 35/2: temps 19.2, 18.9, 19.6, 19.3, 19.0, 21.7; energy ends 6.
    plan = parse_plan("heat(2); wait; heat(1); wait; wait; heat(3)", thermostat)
    o = run(thermostat, plan, nominal(thermostat))
    step = -sum(abs(F(t) - 21) for t in ("19.2", "18.9", "19.6", "19.3", "19.0", "21.7"))
    action = -F(1, 2) * (2 + 1 + 3)
    assert o.valid and o.reward == step + action + 5
    assert o.trace[-1].state == {"temp": F("21.7"), "energy": F(6)}


def test_requires_violation_names_step_and_condition(thermostat):
    plan = parse_plan("heat(3); heat(3); heat(3); heat(3); heat(1); wait", thermostat)
    o = run(thermostat, plan, nominal(thermostat))
    assert not o.valid and o.reward is None
    v = o.violation
    assert (v.step, v.kind, v.condition, v.action) == (4, "requires", "energy + p <= 12", "heat(1)")


def test_safe_violation_in_hot_scenario(thermostat):
    # Heating 3 per step with no leak and full gusts passes 30 degrees: 17 + 3 * 3.3 = 26.9, then 30.2.
    plan = parse_plan("heat(3); heat(3); heat(3); heat(3); wait; wait", thermostat)
    s = Scenario({"leak": F(1, 5)}, {"temp": F(18)}, {"gust": (F(1, 10),) * 4 + (F(0),) * 2})
    o = run(thermostat, plan, s)
    # temps: 18 + 4 * (3 - 0.2 + 0.1) = 29.6 after 4 heats, then 29.4, 29.2: valid
    assert o.valid
    gusts = tuple(map(F, ("0.3", "0.3", "0.3", "0.2", "-0.3", "-0.3")))   # sum 1/2: admissible
    o = run(thermostat, plan, Scenario({"leak": F(1, 5)}, {"temp": F(18)}, {"gust": gusts}))
    # 21.1, 24.2, 27.3, then 30.3 > 30 in s_4
    assert (o.violation.step, o.violation.kind, o.violation.condition) == (4, "safe", "temp <= 30")
