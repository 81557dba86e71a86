"""The validity cut `cut k, S` on valid(π): its two children cover the parent (checked by the
exact interpreter at random scenarios), its certificates re-check and their plans are valid
at sampled scenarios, and every mutation that makes a child's claim false is rejected."""
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
from prover.calculus.certificate import certificate, tree_json
from prover.check.checker import CertificateRejected, check_certificate
from prover.calculus.cut import Cut, cut_children
from prover.search.cut_search import cut_search
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast, Validity
from prover.policy.spec import make_policy
from prover.search.allowance import Allowance
from prover.search.loop import Budget
from prover.calculus.outcome import Outcome
from prover.calculus.tactics import TacticError
from prover.calculus.unroll import conditions_from, scenario_env, unroll
from prover.search.verify import verify_search

DOMAINS = {p.stem: p for p in domain_files()}
DRONE = DOMAINS["drone"]
# Two drone plans from the held-out goal corpus. At horizon 10, smear's splitting cannot prove
# STALLING_PLAN valid in 2000 nodes (mean-value leaves included), while a cut at step 2 on the
# tree of a 400-node search proves it in about 500. SHORT_PLAN (horizon 8) needs about 115
# nodes of splitting; with a 300-node budget verify gives the plain search 60 and then cuts.
STALLING_PLAN = "thrust(2); thrust(2); thrust(2); thrust(0); thrust(0); thrust(2); thrust(1); thrust(1); thrust(3); thrust(3)"
SHORT_PLAN = "thrust(2); thrust(3); thrust(0); thrust(2); thrust(3); thrust(0); thrust(1); thrust(2)"


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(DOMAINS)), seed=st.integers(0, 10_000), data=st.data())
def test_reach_and_tail_conditions_are_exactly_the_plans(name, seed, data):
    """At a random scenario, the reach's early conditions and the tail's conditions unrolled from
    the true s_k are the plan's conditions, each once and with the same truth value."""
    d = load_domain(DOMAINS[name])
    u = unroll(d, parse_plan(known_plan(DOMAINS[name]), d))
    k = data.draw(st.integers(1, d.horizon - 1))
    ev = Evaluator(scenario_env(u, random_scenario(d, random.Random(seed))))
    wide = tuple((Fraction(-10**9), Fraction(10**9)) if s.vtype != "bool" else (Fraction(0), Fraction(1))
                 for s in d.states)
    (ru, _), (tu, _) = cut_children(u, Goal(root_box(u.variables), Validity()), Cut(k, wide, None))
    early = [c for c in ru.conditions if c.kind != "reach"]
    later = conditions_from(u, k, u.states[k])
    assert len(early) + len(later) == len(u.conditions)
    assert [ev.eval(c.expr) for c in early + list(later)] == \
        [ev.eval(c.expr) for c in u.conditions if c in early] + \
        [ev.eval(c.expr) for c in u.conditions if c not in early]
    assert [(c.step, c.kind, c.text) for c in later] == \
        [(c.step, c.kind, c.text) for c in u.conditions if c not in early]
    assert len(tu.conditions) == len(later) and all(c.step > k or c.kind == "requires" for c in later)


@pytest.fixture(scope="module")
def valid_cut():
    d = load_domain(DRONE, horizon=10)
    plan = parse_plan(STALLING_PLAN, d)
    u = unroll(d, plan)
    base = verify_search(d, plan, None, "smear", Budget(400, 20))
    stalled = base.searches[0]
    assert stalled.status is not Outcome.PROVED          # splitting alone stalls within 400 nodes
    c = cut_search(u, make_policy("heuristic"), stalled.root, Validity(), Allowance.within(4000, 60), k=2)
    assert c.status is Outcome.PROVED and c.cut.b1 is None
    reward = verify_search(d, plan, Fraction(-10**6), "smear", Budget(4000, 60)).searches[-1]
    cert = certificate(d, plan, Fraction(-10**6), c.tree(), tree_json(reward.root, u), "heuristic", {})
    return d, plan, u, c, cert


def test_validity_cut_certificate_checks_and_the_plan_is_valid(valid_cut):
    d, plan, _, c, cert = valid_cut
    assert "cut" in cert["proofs"]["valid"] and "b1" not in cert["proofs"]["valid"]["cut"]
    report = check_certificate(d, cert)
    assert report.nodes > 3
    rng = random.Random(3)
    for _ in range(2000):
        assert run(d, plan, random_scenario(d, rng)).valid


def test_the_validity_cut_children_cover_the_parent_at_random_scenarios(valid_cut):
    """At real scenarios: s_k ∈ S holds (the reach's last conditions) and the tail's conditions
    at the true s_k agree with the plan's later conditions."""
    d, plan, u, c, _ = valid_cut
    (ru, _), (tu, _) = cut_children(u, Goal(root_box(u.variables), Validity()), c.cut)
    later = [cond for cond in u.conditions if cond.step > c.cut.k or (cond.step == c.cut.k and cond.kind == "requires")]
    rng = random.Random(4)
    for _ in range(300):
        env = scenario_env(u, random_scenario(d, rng))
        ev = Evaluator(env)
        assert all(ev.eval(cond.expr) for cond in ru.conditions)
        s_k = {f"{s.name}@{c.cut.k}": ev.eval(u.states[c.cut.k][s.name]) for s in d.states}
        tail_ev = Evaluator({**env, **s_k})
        assert [tail_ev.eval(cond.expr) for cond in tu.conditions] == [ev.eval(cond.expr) for cond in later]


def _mutated(cert, fn):
    m = copy.deepcopy(cert)
    fn(m["proofs"]["valid"], m)
    return m


def test_every_false_validity_cut_mutation_is_rejected(valid_cut):
    d, plan, u, c, cert = valid_cut
    h_lo, h_hi = c.cut.box[0]
    mutations = {
        "S excludes every reachable height": lambda t, m: t["cut"]["box"].__setitem__("h", ["35", "36"]),
        "S narrowed to a point": lambda t, m: t["cut"]["box"].__setitem__("h", [str(h_lo), str(h_lo)]),
        "S widened past what the tail proved": lambda t, m: t["cut"]["box"].__setitem__("h", [str(h_lo), "40"]),
        "a b1 on a validity cut": lambda t, m: t["cut"].__setitem__("b1", "0"),
        "a child dropped": lambda t, m: t["children"].pop(),
        "a third child": lambda t, m: t["children"].append({"leaf": "interval"}),
        "cut position outside the horizon": lambda t, m: t["cut"].__setitem__("k", d.horizon),
        "a state missing from S": lambda t, m: t["cut"]["box"].pop("v"),
        "an invalid plan under the same proof": lambda t, m: m.__setitem__("plan", ["thrust(3)"] * d.horizon),
    }
    for name, fn in mutations.items():
        with pytest.raises(CertificateRejected):
            check_certificate(d, _mutated(cert, fn))
            pytest.fail(f"accepted: {name}")


def test_a_validity_cut_is_not_allowed_inside_a_cut(valid_cut):
    d, plan, u, c, cert = valid_cut
    tail_u, tail_goal = cut_children(u, Goal(root_box(u.variables), Validity()), c.cut).tail
    with pytest.raises(TacticError):
        cut_children(tail_u, tail_goal, Cut(4, c.cut.box, None))
    nested = copy.deepcopy(cert)
    nested["proofs"]["valid"]["children"][1] = copy.deepcopy(cert["proofs"]["valid"])
    with pytest.raises(CertificateRejected):
        check_certificate(d, nested)


def test_a_reward_cut_without_b1_is_rejected():
    d = load_domain(DRONE)
    u = unroll(d, parse_plan(SHORT_PLAN, d))
    box = tuple((s.lo, s.hi) for s in d.states)
    with pytest.raises(TacticError, match="b1"):
        cut_children(u, Goal(root_box(u.variables), AtLeast(Fraction(-100))), Cut(4, box, None))


def test_verify_proves_validity_through_a_cut_where_splitting_stalls():
    """End to end: the heuristic's plain validity search stalls on this plan, a validity cut
    proves it, and the certificate `verify` returns was accepted by the checker."""
    d = load_domain(DRONE)
    plan = parse_plan(SHORT_PLAN, d)
    r = verify_search(d, plan, Fraction(-10**6), "heuristic", Budget(300, 60), use_lp=False)
    assert r.verdict == "proved"
    assert "cut" in r.certificate["proofs"]["valid"]
    assert r.searches[0].status is not Outcome.PROVED            # the plain validity search stalled
    check_certificate(d, r.certificate)


def test_the_reach_child_is_checked_against_s(valid_cut):
    """With S narrowed to the upper half of the heights the search found, the reach's own proof
    tree no longer proves s_k ∈ S: the checker names the reach condition."""
    from prover.check.checker import _check_tree
    from prover.bounds.interval_exact import ExactBoxFacts
    d, plan, u, c, cert = valid_cut
    (h_lo, h_hi), rest = c.cut.box[0], c.cut.box[1:]
    narrow = Cut(c.cut.k, ((h_lo + (h_hi - h_lo) / 2, h_hi),) + rest, None)
    root = Goal(root_box(u.variables), Validity())
    reach_tree = cert["proofs"]["valid"]["children"][0]
    ru, goal = cut_children(u, root, c.cut).reach
    _check_tree(ru, ExactBoxFacts(ru), goal.claim, reach_tree, "reach", {}, None)       # the true S: fine
    ru, goal = cut_children(u, root, narrow).reach
    with pytest.raises(CertificateRejected, match="reach condition 'h in"):
        _check_tree(ru, ExactBoxFacts(ru), goal.claim, reach_tree, "reach", {}, None)
