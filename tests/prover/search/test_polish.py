"""The primal heuristic (prover/search/polish.py): local optimisation over the box and the
assumes finds a scenario at least as bad as corners, random points and coordinate descent do,
and what it reports is the reference interpreter's replay of an admissible scenario."""
from __future__ import annotations

from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from corpus import known_plan
from prover.bounds.evaluation import GoalEvaluator
from prover.calculus.goals import root_box
from prover.calculus.unroll import unroll
from prover.search.polish import Polisher
from prover.search.worst import WorstTracker, admissible, explore

from tests.examples import DOMAINS


def _portfolio():
    d = load_domain(DOMAINS["portfolio"])
    plan = parse_plan(known_plan(DOMAINS["portfolio"]), d)
    return d, plan, unroll(d, plan)


def test_local_optimisation_beats_the_corners_and_is_replayed():
    """Portfolio's worst case lies on its assume `sum(ret) >= -0.15`, not at a corner: SLSQP
    along the constraint finds a strictly worse scenario than the sampling and descent."""
    d, plan, u = _portfolio()
    plain = WorstTracker(u, GoalEvaluator(u))
    explore(plain, seed=0)
    polished = WorstTracker(u, GoalEvaluator(u))
    explore(polished, seed=0, polish=True)
    assert polished.value < plain.value
    w = polished.lowest
    assert admissible(d, w.scenario)
    assert run(d, plan, w.scenario).reward == w.outcome.reward == polished.value


def test_a_polished_point_keeps_the_assumes_and_the_box():
    d, plan, u = _portfolio()
    box = root_box(u.variables)
    start = tuple(lo for lo, _ in box)                # every return at its low end: inadmissible
    tracker = WorstTracker(u, GoalEvaluator(u))
    explore(tracker, seed=1)
    got = Polisher(u).polish(box, tracker.best_point)
    assert got is not None
    assert all(lo <= x <= hi for x, (lo, hi) in zip(got, box))
    assert tracker.replay(got) is not None, "admissible: the replay keeps it"
    assert Polisher(u).polish(box, start) is None or tracker.replay(Polisher(u).polish(box, start)) is not None
