"""The tactic registry: each branching tactic's JSON form round-trips and re-derives the same
children; certificate writing and the checker cover every tactic and every leaf method."""
from __future__ import annotations

from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.calculus.certificate import tree_json
from prover.calculus.cut import Cut, cut_children
from prover.calculus.goals import Goal, root_box
from prover.calculus.objective import AtLeast, Tightest
from prover.calculus.registry import BRANCHES, branch_key
from prover.calculus.tactics import Leaf, Split, split_children
from prover.calculus.unroll import unroll
from prover.check.checker import LEAF_CHECKS
from prover.policy.spec import make_policy
from prover.search.distributed import subtrees
from prover.search.loop import Budget, Search
from prover.search.verify import verify_search

DOMAINS = {p.stem: p for p in domain_files()}


def _problem(stem):
    d = load_domain(DOMAINS[stem])
    return unroll(d, parse_plan(known_plan(DOMAINS[stem]), d))


def test_split_and_cut_round_trip_through_their_json_and_rederive_their_children():
    u = _problem("thermostat")
    goal = Goal(root_box(u.variables), AtLeast(Fraction(-40)))
    split = Split(0, Fraction(3, 10))          # leak in [0.2, 0.4]
    assert Split.from_json(split.to_json(u), u) == split
    assert tuple(c.goal for c in split.children(u, goal)) == split_children(goal, split, u.variables)
    cut = Cut(3, tuple((s.lo, s.hi) for s in u.domain.states), Fraction(-20))
    assert Cut.from_json(cut.to_json(u), u) == cut
    pieces = cut_children(u, goal, cut)
    assert [(c.name, c.goal) for c in cut.children(u, goal)] == list(zip(pieces.names, (g for _, g in pieces)))
    assert set(BRANCHES) == {"split", "cut", "fbbt"} and branch_key({"cut": {}, "children": []}) == "cut"


def test_the_checker_rechecks_every_leaf_method():
    assert set(LEAF_CHECKS) == set(Leaf)


def test_certificates_use_only_registered_tactics_and_leaf_methods():
    d = load_domain(DOMAINS["thermostat"])
    r = verify_search(d, parse_plan(known_plan(DOMAINS["thermostat"]), d), None, "smear", Budget(300, 60))
    stack, seen = [r.certificate["proofs"]["valid"], r.certificate["proofs"]["reward"]], set()
    while stack:
        node = stack.pop()
        key = branch_key(node)
        seen.add(key or Leaf(node["leaf"]))
        stack.extend(node.get("children", []))
    assert "split" in seen and Leaf.INTERVAL in seen


def test_one_writer_for_proof_trees():
    """The split proofs the distributed driver ships are the JSON of `tree_json`, node for node."""
    from prover.bounds.evaluation import GoalEvaluator
    from prover.bounds.sensitivity import Sensitivity
    from prover.search.allowance import Allowance
    from prover.search.problem import Problem
    from prover.search.worst import FloatTracker
    u = _problem("sir")
    ev = GoalEvaluator(u)
    problem = Problem(u, ev, Sensitivity(u), FloatTracker(u, ev))
    root = Search(problem, Tightest(), make_policy("smear"), Allowance.within(60, 30)).run().root
    assert not root.is_leaf
    assert subtrees(root, u)[0][0] == tree_json(root, u)
