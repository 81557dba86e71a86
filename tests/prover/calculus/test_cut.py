"""The horizon cut: its children cover the parent (checked by the exact interpreter), its
certificates re-check, and every mutation that makes a child's claim false is rejected."""
from __future__ import annotations

import copy
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from corpus import domain_files, known_plan
from dsl.interp import Evaluator, run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import random_scenario
from prover.calculus.certificate import certificate
from prover.check.checker import CertificateRejected, check_certificate
from prover.calculus.cut import Cut, cut_children
from prover.search.cut_search import cut_search
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast, Tightest
from prover.policy.spec import make_policy
from prover.search.allowance import Allowance
from prover.search.loop import Budget
from prover.calculus.tactics import TacticError
from prover.calculus.certificate import tree_json
from prover.calculus.unroll import scenario_env, unroll, unroll_from
from prover.search.verify import verify_search

DOMAINS = {p.stem: p for p in domain_files()}
THERMO = DOMAINS["thermostat"]


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(DOMAINS)), seed=st.integers(0, 10_000), data=st.data())
def test_tail_unrolled_from_the_true_state_is_the_plans_tail(name, seed, data):
    """unroll_from(u, k, s_k) evaluates to exactly the rewards of steps k..H at every scenario."""
    d = load_domain(DOMAINS[name])
    plan = parse_plan(known_plan(DOMAINS[name]), d)
    u = unroll(d, plan)
    k = data.draw(st.integers(1, d.horizon - 1))
    rng = random.Random(seed)
    s = random_scenario(d, rng)
    env = scenario_env(u, s)
    tail = unroll_from(u, k, u.states[k])
    ev = Evaluator(env)
    assert [ev.eval(r) for r in tail] == [ev.eval(r) for r in u.rewards[k:]]


@pytest.fixture(scope="module")
def cut_proof():
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    base = verify_search(d, plan, None, "smear", Budget(3000, 20))
    u = unroll(d, plan)
    c = cut_search(u, make_policy("smear"), base.searches[1].root, Tightest(Fraction(1, 20)),
                   Allowance.within(20_000, 20), k=3, gap=Fraction(1, 20))
    assert c.cut is not None and c.lower_bound is not None
    cert = certificate(d, plan, c.lower_bound, tree_json(base.searches[0].root, u), c.tree(), "smear", {})
    return d, plan, u, c, cert, base


def test_cut_certificate_checks_and_its_bound_holds(cut_proof):
    d, plan, _, c, cert, base = cut_proof
    report = check_certificate(d, cert)
    assert report.nodes > 3
    assert c.lower_bound <= base.worst_found.outcome.reward
    rng = random.Random(1)
    for _ in range(3000):
        o = run(d, plan, random_scenario(d, rng))
        assert o.valid and o.reward >= c.lower_bound


def test_the_cut_children_cover_the_parent_at_random_scenarios(cut_proof):
    """At real scenarios: s_k ∈ S, and head + tail (tail at the true s_k) = R exactly."""
    d, plan, u, c, _, _ = cut_proof
    goal = Goal(root_box(u.variables), AtLeast(c.lower_bound))
    (ru, _), (hu, _), (tu, tgoal) = cut_children(u, goal, c.cut)
    rng = random.Random(2)
    for _ in range(300):
        s = random_scenario(d, rng)
        env = scenario_env(u, s)
        ev = Evaluator(env)
        assert all(ev.eval(cond.expr) for cond in ru.conditions)
        s_k = {f"{st.name}@{c.cut.k}": ev.eval(u.states[c.cut.k][st.name]) for st in d.states}
        tail_value = Evaluator({**env, **s_k}).eval(tu.reward)
        assert ev.eval(hu.reward) + tail_value == run(d, plan, s).reward


def _mutate(cert, fn):
    m = copy.deepcopy(cert)
    fn(m["proofs"]["reward"], m)
    return m


def _bound_of(m, delta):
    m["claim"]["reward_at_least"] = str(Fraction(m["claim"]["reward_at_least"]) + delta)


def test_every_false_cut_mutation_is_rejected(cut_proof):
    d, plan, u, c, cert, base = cut_proof
    worst = base.worst_found.outcome.reward
    state = d.states[0].name
    far = str(d.states[0].hi + 1)
    # the head's reward at the worst scenario found: a b1 above it is a false head claim
    head_at_worst = Evaluator(scenario_env(u, base.worst_found.scenario)).eval(
        cut_children(u, Goal(root_box(u.variables), AtLeast(c.lower_bound)), c.cut).head[0].reward)
    mutations = {
        "bound above the worst found": _mutate(cert, lambda t, m: _bound_of(m, worst - c.lower_bound + Fraction(1, 100))),
        "S excludes every reachable state": _mutate(cert, lambda t, m: t["cut"]["box"].__setitem__(state, [far, far])),
        "b1 above the head's worst case": _mutate(cert, lambda t, m: t["cut"].__setitem__("b1", str(head_at_worst + 1))),
        "b1 so low the tail must earn too much": _mutate(cert, lambda t, m: t["cut"].__setitem__("b1", str(c.cut.b1 - 1000))),
        "a child dropped": _mutate(cert, lambda t, m: t["children"].pop()),
        "cut position outside the horizon": _mutate(cert, lambda t, m: t["cut"].__setitem__("k", d.horizon)),
        "cut position not an integer": _mutate(cert, lambda t, m: t["cut"].__setitem__("k", 2.5)),
        "a state missing from S": _mutate(cert, lambda t, m: t["cut"]["box"].pop(state)),
    }
    for name, m in mutations.items():
        with pytest.raises(CertificateRejected):
            check_certificate(d, m)
            pytest.fail(f"accepted: {name}")


def test_a_cut_is_not_allowed_inside_a_cut(cut_proof):
    d, plan, u, c, cert, _ = cut_proof
    goal = Goal(root_box(u.variables), AtLeast(c.lower_bound))
    tail_u, tail_goal = cut_children(u, goal, c.cut).tail
    with pytest.raises(TacticError):
        cut_children(tail_u, tail_goal, Cut(4, c.cut.box, Fraction(0)))
    nested = copy.deepcopy(cert)
    nested["proofs"]["reward"]["children"][2] = copy.deepcopy(cert["proofs"]["reward"])
    with pytest.raises(CertificateRejected):
        check_certificate(d, nested)


def test_verify_with_the_heuristic_may_cut_and_stays_checked():
    """With a small budget the plain searches stall at their share, so the heuristic tries cuts:
    on the validity claim of the horizon-8 drone's known plan (pinned mean-value leaves then
    close its reward claim to a 10⁻³ gap without one), and on the reward claim of a corpus drone
    plan whose reward proof needs about 850 nodes. Whichever proofs it reports were accepted by
    the checker."""
    drone = DOMAINS["drone"]
    d = load_domain(drone)
    plan = parse_plan(known_plan(drone), d)
    r = verify_search(d, plan, None, "heuristic", Budget(200, 20, Fraction(1, 1000)), use_lp=False)
    assert r.verdict == "proved"
    assert "cut" in r.certificate["proofs"]["valid"]
    check_certificate(d, r.certificate)
    assert r.lower_bound <= r.worst_found.outcome.reward
    plan = parse_plan("thrust(0); thrust(3); thrust(2); thrust(1); thrust(0); thrust(0); thrust(3); thrust(3)", d)
    r = verify_search(d, plan, None, "heuristic", Budget(200, 20, Fraction(1, 1000)), use_lp=False)
    kinds = [type(p).__name__ for p in r.searches]
    assert kinds[:2] == ["SearchResult", "SearchResult"] and "CutResult" in kinds[2:], kinds
    assert r.verdict == "proved"
    check_certificate(d, r.certificate)
    assert r.lower_bound <= r.worst_found.outcome.reward


def test_an_interval_leaf_over_a_possibly_zero_divisor_is_rejected_not_crashed():
    """Declared ranges keep the divisor away from 0, but the unrolled state's interval over the
    box does not: R has no finite interval bound there, and the checker must say so."""
    from dsl.load import load_text
    from prover.check.checker import _check_tree
    from prover.bounds.interval_exact import ExactBoxFacts
    d = load_text("domain divs\nhorizon 2\ndisturbance g : real in [-1, 1]\n"
                  "state s : real in [1, 3] init 2\naction go { s' = s + g }\nreward step = 1 / s\n")
    u = unroll(d, parse_plan("go; go", d))
    assert ExactBoxFacts(u).facts(root_box(u.variables), AtLeast(Fraction(-100))).lo is None
    with pytest.raises(CertificateRejected, match="no finite interval lower bound"):
        _check_tree(u, ExactBoxFacts(u), AtLeast(Fraction(-100)), {"leaf": "interval"}, "reward", {}, None)
