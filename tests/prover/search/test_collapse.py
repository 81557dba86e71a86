"""A tightest bound is the minimum over the proof's leaves, and an expanded node's own leaf proof
may beat its subtree's: the proof then ends at that node (`collapse`), and children whose plain
relaxation falls below their parent's bound get bound tightening of their own."""
from __future__ import annotations

import math
from fractions import Fraction

from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.calculus.certificate import tree_json
from prover.calculus.goals import Goal
from prover.calculus.objective import Tightest
from prover.calculus.tactics import Leaf, Split
from prover.check.checker import check_certificate
from prover.search.certified import collapse
from prover.search.loop import Budget
from prover.search.tree import Node
from prover.search.verify import verify_search
from tests.examples import DRONE_H10


def _tree(root_lo: float, child_los: tuple[float, float]) -> Node:
    box = ((Fraction(0), Fraction(2)),)
    root = Node(Goal(box, Tightest()), None, 0, lo=root_lo)
    root.split = Split(0, Fraction(1))
    root.children = [Node(Goal(((Fraction(0), Fraction(1)),), Tightest()), root, 1, lo=child_los[0]),
                     Node(Goal(((Fraction(1), Fraction(2)),), Tightest()), root, 1, lo=child_los[1])]
    return root


def test_a_node_whose_own_bound_beats_its_children_ends_the_proof():
    root = _tree(-10.0, (-20.0, -5.0))
    collapse(root)
    assert root.collapsed and list(root.leaves()) == [root]
    assert tree_json(root, None) == {"leaf": Leaf.INTERVAL.value}


def test_children_that_beat_their_parent_stay_in_the_proof():
    root = _tree(-10.0, (-8.0, -5.0))
    collapse(root)
    assert not root.collapsed and len(list(root.leaves())) == 2
    root.children[0].lo = -math.inf            # a child that proves nothing: the parent's bound serves
    collapse(root)
    assert root.collapsed


def test_the_hard_drone_goal_reaches_its_gap_in_a_few_nodes_with_a_checked_certificate():
    d = load_domain(DRONE_H10.path, horizon=DRONE_H10.horizon)
    plan = parse_plan(DRONE_H10.plan, d)
    r = verify_search(d, plan, None, "heuristic", Budget(200, 120, gap=Fraction(1, 100)))
    assert r.lower_bound is not None and r.lower_bound >= DRONE_H10.bound
    assert r.stop_reason == "gap reached" and r.nodes <= 40
    assert check_certificate(d, r.certificate).bound == r.lower_bound      # raises if rejected
