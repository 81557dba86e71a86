"""Reliability branching: strong branching until a variable's pseudocosts are reliable, then
pseudocosts alone; its proofs are checked like every other strategy's."""
from __future__ import annotations

from fractions import Fraction

from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast
from prover.calculus.unroll import unroll
from prover.check.checker import check_certificate
from prover.policy.base import Context
from prover.policy.hand import mid_split
from prover.policy.reliability import RELIABLE, Reliability
from prover.search.loop import Budget
from prover.search.tree import Node
from prover.search.verify import verify_search
from tests.examples import DRONE_BRANCHING


def _goal():
    d = load_domain(DRONE_BRANCHING.path)
    return d, parse_plan(DRONE_BRANCHING.plan, d)


def test_its_proofs_pass_the_checker_and_most_choices_come_from_pseudocosts():
    d, plan = _goal()
    r = verify_search(d, plan, DRONE_BRANCHING.bound, "reliability", Budget(5000, 120), use_lp=False)
    assert r.verdict == "proved" and r.nodes > 50
    assert check_certificate(d, r.certificate).bound == DRONE_BRANCHING.bound      # raises if rejected
    stats = r.policy_stats
    assert stats["strong"] > 0 and stats["pseudocost"] > 2 * stats["strong"]


def test_a_reliable_variable_is_scored_by_its_pseudocosts_without_evaluation():
    d, plan = _goal()
    u = unroll(d, plan)
    box = root_box(u.variables)
    node = Node(Goal(box, AtLeast(Fraction(-30))), None, 0, lo=-50.0)
    ctx = Context(u.variables, None, None, AtLeast(Fraction(-30)), -30.0)   # no evaluator: none is called
    policy = Reliability()
    good, poor = mid_split(node, 0, ctx), mid_split(node, 1, ctx)
    for _ in range(RELIABLE):
        policy._record(0, 1.0, 4.0, 3.0)       # gains per unit width: splitting variable 0 pays
        policy._record(1, 1.0, 0.5, 0.0)
    assert policy._reliable(0) and policy._reliable(1) and not policy._reliable(2)
    assert policy._score(node, good, None, ctx) > policy._score(node, poor, None, ctx)
    assert policy.stats == {"strong": 0, "pseudocost": 2}
