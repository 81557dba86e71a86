"""The `fbbt` tactic (prover/calculus/fbbt_step.py): its JSON form round-trips, its one child keeps
every counterexample of the parent (checked by the interpreter at sampled scenarios), an empty
result means the parent has none, and a bound below the claim's is refused."""
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
from prover.calculus.fbbt_step import Fbbt, fbbt_outcome
from prover.calculus.goals import Goal, root_box
from prover.calculus.lifted import quantities
from prover.calculus.objective import AtLeast, Validity
from prover.calculus.tactics import TacticError
from prover.calculus.unroll import unroll
from tests.examples import DOMAINS


def _problem(stem):
    d = load_domain(DOMAINS[stem])
    return unroll(d, parse_plan(known_plan(DOMAINS[stem]), d))


def _reward_range(u, box):
    ev = ExactBoxFacts(u).evaluator(box)
    lo, hi = ev.eval(u.reward)
    return to_fraction(lo), to_fraction(hi)


def _near_the_bottom(u, share):
    box = root_box(u.variables)
    lo, hi = _reward_range(u, box)
    return box, lo + share * (hi - lo)


def test_fbbt_round_trips_through_its_json_and_rederives_its_child():
    u = _problem("portfolio")
    box, b = _near_the_bottom(u, Fraction(1, 20))
    step = Fbbt(b)
    assert Fbbt.from_json(step.to_json(u), u) == step and Fbbt.from_json({}, u) == Fbbt(None)
    (child,) = step.children(u, Goal(box, AtLeast(b)))
    assert child.goal == fbbt_outcome(u, Goal(box, AtLeast(b)), b)[0]
    assert all(plo <= lo <= hi <= phi for (plo, phi), (lo, hi) in zip(box, child.goal.box))
    assert child.goal.box != box             # R < b near R's lower end narrows the returns


def _sample(u, box, rng):
    point = {}
    for v, (lo, hi) in zip(u.variables, box):
        if v.vtype == "bool":
            point[v.name] = rng.random() < 0.5
        elif v.vtype == "int":
            point[v.name] = Fraction(rng.randint(int(lo), int(hi)))
        else:
            point[v.name] = lo + (hi - lo) * Fraction(rng.randint(0, 1000), 1000)
    return point


def _inside(u, box, point):
    return all(lo <= (int(point[v.name]) if v.vtype == "bool" else point[v.name]) <= hi
               for v, (lo, hi) in zip(u.variables, box))


def _sub_box(u, rng):
    """A random sub-box of the root box: each real range cut to a random tenth to half of it."""
    out = []
    for v, (lo, hi) in zip(u.variables, root_box(u.variables)):
        if v.vtype != "real":
            out.append((lo, hi))
            continue
        w = (hi - lo) * Fraction(rng.randint(1, 5), 10)
        a = lo + (hi - lo - w) * Fraction(rng.randint(0, 100), 100)
        out.append((a, a + w))
    return tuple(out)


def _admissible_reward(u, point):
    ev = Evaluator(point)
    return ev.eval(u.reward) if all(ev.eval(a) for a in u.assumes) else None


@pytest.mark.parametrize("stem,narrows,carries", [("battery", True, False), ("portfolio", False, True),
                                                  ("drone", False, True), ("sir", False, True)])
def test_the_child_keeps_every_sampled_counterexample(stem, narrows, carries):
    """On random sub-boxes, with b the reward of a sampled scenario of the box: every sampled
    admissible scenario with R < b (the interpreter's values) lies in the narrowed box (and an
    empty result has none), and their states lie within the child's lifted bounds. On battery the
    boxes do narrow, with counterexamples in them; elsewhere FBBT proves states' ranges."""
    u, rng = _problem(stem), random.Random(1)
    narrowed_with_samples = carried = 0
    for _ in range(12):
        box = _sub_box(u, rng)
        rewards = [(r, p) for p in (_sample(u, box, rng) for _ in range(300))
                   if (r := _admissible_reward(u, p)) is not None]
        if not rewards:
            continue
        b = sorted(r for r, _ in rewards)[len(rewards) // 10]
        child, _ = fbbt_outcome(u, Goal(box, AtLeast(b)), b)
        got = None if child is None else child.box
        bad = [p for r, p in rewards if r < b]
        assert got is not None or not bad
        assert all(_inside(u, got, p) for p in bad)
        carried += 0 if child is None or not bad else len(child.lifted)
        assert all(_meets_lifted(u, child, p) for p in bad)
        narrowed_with_samples += got is not None and got != box and bool(bad)
    assert narrowed_with_samples > 0 or not narrows
    assert carried > 0 or not carries          # FBBT's proved state ranges ride along as lifted bounds


def _meets_lifted(u, goal, point) -> bool:
    """The scenario's states (the interpreter's values) lie within the goal's lifted bounds."""
    nodes, ev = quantities(u), Evaluator(point)
    return all((lo is None or lo <= ev.eval(nodes[q])) and (hi is None or ev.eval(nodes[q]) <= hi)
               for q, lo, hi in goal.lifted)


def test_an_empty_result_means_no_counterexample_and_a_validity_goal_narrows_by_its_conditions():
    u = _problem("drone")
    box, b = _near_the_bottom(u, Fraction(1, 100))
    assert fbbt_outcome(u, Goal(box, AtLeast(b)), b) == (None, False)        # the power rule at work
    _, high = _near_the_bottom(u, Fraction(1, 2))
    assert fbbt_outcome(u, Goal(box, AtLeast(high)), high)[0] is not None     # a higher bound: not empty
    t = _problem("thermostat")            # every condition decided true at the root: no counterexample
    assert fbbt_outcome(t, Goal(root_box(t.variables), Validity()), None) == (None, False)


def test_a_bound_below_the_claim_or_on_a_validity_goal_is_refused():
    u = _problem("portfolio")
    box, b = _near_the_bottom(u, Fraction(1, 20))
    with pytest.raises(TacticError, match="below the claimed"):
        Fbbt(b - 1).children(u, Goal(box, AtLeast(b)))
    with pytest.raises(TacticError, match="validity"):
        Fbbt(b).children(u, Goal(box, Validity()))
    d = _problem("drone")
    dbox, db = _near_the_bottom(d, Fraction(1, 100))
    with pytest.raises(TacticError, match="leaf"):                          # empty: a leaf, not a branch
        Fbbt(db).children(d, Goal(dbox, AtLeast(db)))
