"""Strong branching judges a candidate's children as the search would (interval facts, then the
mean-value form), over every splittable variable: the heuristic's choice is the best midpoint
split of all of them, which is often not among smear's top three."""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from corpus import domain_files
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.policy.branching import CLOSED, child_views, pair_score
from prover.bounds.evaluation import GoalEvaluator, child_arrays, to_arrays
from prover.calculus.goals import root_box
from prover.policy.base import Context, mid_split
from prover.policy.hand import Heuristic, Smear
from prover.search.loop import Budget, Search
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import unroll
from prover.search.worst import FloatTracker

DOMAINS = {p.stem: p for p in domain_files()}
# a held-out drone goal whose reward proof smear's top three split badly (docs/benchmarks.md)
DRONE_PLAN = "thrust(0); thrust(3); thrust(2); thrust(1); thrust(0); thrust(0); thrust(3); thrust(3)"
DRONE_BOUND = Fraction(-16273, 625)
SIR_PLAN = "distance(2); open; distance(1); open; distance(2); distance(1); distance(2); distance(1)"
SIR_BOUND = Fraction(-171051, 10000)


def _setup(stem, plan, kind, bound):
    d = load_domain(DOMAINS[stem])
    u = unroll(d, parse_plan(plan, d))
    ev = GoalEvaluator(u)
    return u, ev, Context(u.variables, ev, Sensitivity(u), kind, None)


def test_reward_views_take_the_better_of_interval_and_mean_value_bounds():
    bound = SIR_BOUND                    # SIR's reward proofs close by the mean-value form
    u, ev, ctx = _setup("sir", SIR_PLAN, "reward", bound)
    search = Search(ev, FloatTracker(u, ev), Smear(), ctx, "reward", bound, Budget(200, 30))
    nodes = list(_walk(search.run().root))
    lo, hi = np.array([n.flo for n in nodes]), np.array([n.fhi for n in nodes])
    facts = ev.facts(lo, hi)
    mv = ev.mean_value(lo, hi)
    target = float(bound)
    for f, m, v in zip(facts, mv, child_views(facts, lo, hi, ctx, target)):
        best = max(f.lo, float(m))
        assert v.closes == (best >= target)
        assert v.score == (CLOSED if v.closes else best)
    assert any(f.lo < target <= float(m) for f, m in zip(facts, mv)), "some box only the mean-value form closes"


def test_validity_views_count_the_conditions_the_mean_value_form_leaves_open():
    u, ev, ctx = _setup("sir", SIR_PLAN, "valid", None)
    lo, hi = to_arrays([root_box(u.variables)])
    facts = ev.facts(lo, hi)
    left = ev.mean_value_undecided(lo, hi, [facts[0].undecided])[0]
    assert len(left) < len(facts[0].undecided)
    (view,) = child_views(facts, lo, hi, ctx, None)
    assert view.score == -len(left) and not view.closes


def test_heuristic_takes_the_best_midpoint_split_over_all_variables():
    u, ev, ctx = _setup("drone", DRONE_PLAN, "reward", DRONE_BOUND)
    search = Search(ev, FloatTracker(u, ev), Smear(), ctx, "reward", DRONE_BOUND, Budget(60, 30))
    nodes = [n for n in _walk(search.run().root) if any(a < b for a, b in n.goal.box)][:24]
    chosen = Heuristic()._splits(nodes, ctx)
    smear = Smear().scores_batch(nodes, ctx)
    outside_top3 = 0
    for n, sp, row in zip(nodes, chosen, smear):
        scores = {}
        for i in np.flatnonzero(row >= 0):
            kids = child_arrays(n, mid_split(n, int(i), ctx), u.variables)
            klo, khi = np.array([k[1] for k in kids]), np.array([k[2] for k in kids])
            scores[int(i)] = pair_score(*child_views(ev.facts(klo, khi), klo, khi, ctx, float(DRONE_BOUND)))
        assert sp == mid_split(n, sp.var, ctx) and scores[sp.var] == max(scores.values())
        outside_top3 += sp.var not in np.argsort(-row)[:3]
    assert outside_top3 > 0, "the widened candidate set changed some choice"


def _walk(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)
