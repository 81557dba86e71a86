"""Lifted quantities (prover/calculus/lifted.py) and `split q at c` (LiftedSplit): names, the JSON
form, the children's lifted bounds, and exact facts seeded with lifted bounds enclosing the
interpreter's values at sampled scenarios that meet them."""
from __future__ import annotations

import random
from fractions import Fraction

import pytest

from corpus import known_plan
from dsl.exact import to_fraction
from dsl.interp import Evaluator
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.bounds.interval_exact import ExactBoxFacts
from prover.calculus.goals import Goal, root_box
from prover.calculus.lifted import bounded, quantities
from prover.calculus.objective import AtLeast
from prover.calculus.registry import BRANCHES
from prover.calculus.tactics import LiftedSplit, TacticError
from prover.calculus.unroll import unroll
from tests.examples import DRONE


@pytest.fixture(scope="module")
def drone():
    d = load_domain(DRONE)
    return unroll(d, parse_plan(known_plan(DRONE), d))


def test_the_states_at_each_step_are_named_state_at_step(drone):
    names = list(quantities(drone))
    assert names[:2] == ["h@1", "v@1"] and "h@8" in names and len(names) == 16


def test_a_lifted_split_round_trips_and_bounds_its_children(drone):
    split = LiftedSplit("h@3", Fraction(7))
    assert BRANCHES["split"].from_json(split.to_json(drone), drone) == split
    goal = Goal(root_box(drone.variables), AtLeast(Fraction(-60)))
    left, right = (c.goal for c in split.children(drone, goal))
    assert left.lifted == (("h@3", None, Fraction(7)),) and right.lifted == (("h@3", Fraction(7), None),)
    assert left.box == right.box == goal.box
    with pytest.raises(TacticError):                       # 8 is not inside h@3 ≤ 7
        LiftedSplit("h@3", Fraction(8)).children(drone, left)
    with pytest.raises(ValueError):
        LiftedSplit.from_json({"q": "h@9", "at": "1"}, drone)


def _scenario(u, rng):
    return {v.name: v.lo + (v.hi - v.lo) * Fraction(rng.randint(0, 100), 100) for v in u.variables}


def test_seeded_exact_facts_enclose_every_scenario_meeting_the_lifted_bounds(drone):
    """Bounds around a sampled scenario's h@3 and v@5: R's seeded lower bound is at most R at every
    sampled scenario meeting them, tighter than without them, and bounds no state can meet make
    the box infeasible."""
    nodes, facts, box, rng = quantities(drone), ExactBoxFacts(drone), root_box(drone.variables), random.Random(3)
    plain = facts.facts(box, AtLeast(Fraction(0))).lo
    tighter = met = 0
    for _ in range(8):
        ev = Evaluator(_scenario(drone, rng))
        h3, v5 = to_fraction(ev.eval(nodes["h@3"])), to_fraction(ev.eval(nodes["v@5"]))
        lifted = bounded(bounded((), "h@3", h3 - 1, h3 + 1), "v@5", v5 - Fraction(1, 2), None)
        lo = facts.facts(box, AtLeast(Fraction(0)), lifted).lo
        tighter += lo > plain
        for _ in range(200):
            e = Evaluator(_scenario(drone, rng))
            if h3 - 1 <= e.eval(nodes["h@3"]) <= h3 + 1 and e.eval(nodes["v@5"]) >= v5 - Fraction(1, 2):
                assert lo <= e.eval(drone.reward)
                met += 1
    assert tighter > 0 and met > 0
    assert facts.facts(box, AtLeast(Fraction(0)), (("h@3", Fraction(100), None),)).infeasible
