"""Interpreter results computed by hand on corpus domains (and one range-violation domain)."""
from __future__ import annotations

from fractions import Fraction as F

from corpus import domain_files
from dsl.interp import run
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from dsl.scenario import Scenario


def corpus(name):
    return load_domain(next(p for p in domain_files() if p.stem == name))


GRID_PLAN = "east; east; north; north; east; east; north; north"


def test_grid_delivery_without_and_with_a_slip():
    d = corpus("grid_delivery")
    plan = parse_plan(GRID_PLAN, d)
    calm = run(d, plan, Scenario({}, {}, {"slip": (False,) * 8}))
    assert calm.valid and calm.reward == -8 + 10             # eight moves at -1, goal reached
    slipped = run(d, plan, Scenario({}, {}, {"slip": (True,) + (False,) * 7}))
    # the first east slips: the robot ends at (3, 4), one move short: -8 + 4
    assert slipped.valid and slipped.reward == -4 and slipped.trace[-1].state == {"x": 3, "y": 4}


def test_grid_delivery_requires_violation():
    d = corpus("grid_delivery")
    plan = parse_plan("east; east; east; east; east; north; north; north", d)
    o = run(d, plan, Scenario({}, {}, {"slip": (False,) * 8}))
    assert (o.violation.step, o.violation.kind, o.violation.condition) == (4, "requires", "x < 4")


def test_portfolio_discount():
    d = corpus("portfolio")
    plan = parse_plan("hold; hold; hold; hold; hold; hold", d)
    rets = (F("0.1"),) + (F(0),) * 5
    o = run(d, plan, Scenario({}, {}, {"ret": rets}))
    # risky 5 -> 5.5 and stays; wealth 10.5: step reward 1/2 at every step, discounted by 0.95^t
    assert o.valid and o.reward == sum(F(1, 2) * F(95, 100) ** t for t in range(6)) == F("2.64908109375")


def test_range_violation():
    d = load_text("""
domain counter
horizon 3
disturbance w : int in [0, 2]
state n : int in [0, 5] init 1
action add(k : int in 1..2) {
  n' = n + k + w
  reward -k
}
reward final = n
""", "counter.rwd")
    plan = parse_plan("add(2); add(2); add(1)", d)
    o = run(d, plan, Scenario({}, {}, {"w": (F(0), F(1), F(0))}))
    # n: 1 -> 3 -> 6 > 5: the state leaves its declared range in s_2, after the second add(2)
    assert (o.violation.step, o.violation.kind, o.violation.condition, o.violation.action) == \
        (2, "range", "n in [0, 5]", "add(2)")
    ok = run(d, parse_plan("add(1); add(1); add(1)", d), Scenario({}, {}, {"w": (F(0),) * 3}))
    assert ok.valid and ok.reward == -3 + 4


def test_initial_state_safe_violation():
    d = load_text("""
domain start
horizon 1
state x : real in [0, 10] init in [1, 3]
action stay { }
safe x <= 2
""", "start.rwd")
    o = run(d, parse_plan("stay", d), Scenario({}, {"x": F(5, 2)}, {}))
    assert (o.violation.step, o.violation.kind, o.violation.action) == (0, "safe", None)


def test_run_returns_fractions_equal_to_plain_fraction_arithmetic():
    """`run` computes with gmpy2 rationals inside; what it returns is `Fraction`, equal to the
    same unrolled arithmetic done in `Fraction` by the plain Evaluator."""
    import random
    from fractions import Fraction
    from corpus import domain_files, known_plan
    from dsl.interp import Evaluator, run
    from dsl.load import load_domain
    from dsl.plan import parse_plan
    from dsl.scenario import random_scenario
    from prover.calculus.unroll import scenario_env, unroll
    sir = next(p for p in domain_files() if p.stem == "sir")
    d = load_domain(sir)
    plan = parse_plan(known_plan(sir), d)
    s = random_scenario(d, random.Random(3))
    o = run(d, plan, s)
    assert type(o.reward) is Fraction and type(o.final_reward) is Fraction
    assert all(type(v) is Fraction for step in o.trace for v in step.state.values())
    assert all(type(step.step_reward) is Fraction for step in o.trace)
    u = unroll(d, plan)
    assert o.reward == Evaluator(scenario_env(u, s)).eval(u.reward)
