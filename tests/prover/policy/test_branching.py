"""Strong branching judges a candidate's children as the search would (interval facts, then the
mean-value form), over every splittable variable: the heuristic's choice is the best midpoint
split of all of them, which is often not among smear's top three."""
from __future__ import annotations


import numpy as np

from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.policy.branching import CLOSED, child_views, closed_share, pair_score, strong_branch, worst_child
from prover.bounds.evaluation import GoalEvaluator, child_arrays, to_arrays
from prover.calculus.goals import root_box
from prover.calculus.objective import AtLeast, Validity
from prover.policy.base import Context, mid_split
from prover.policy.hand import Heuristic, Smear
from prover.search.allowance import Allowance
from prover.search.loop import Search
from prover.search.problem import Problem
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import unroll
from prover.search.worst import FloatTracker
from tests.examples import DOMAINS, DRONE_BRANCHING, SIR_BRANCHING

# a held-out drone goal whose reward proof smear's top three split badly (docs/benchmarks.md)
DRONE_PLAN, DRONE_BOUND = DRONE_BRANCHING.plan, DRONE_BRANCHING.bound
SIR_PLAN, SIR_BOUND = SIR_BRANCHING.plan, SIR_BRANCHING.bound


def _setup(stem, plan, objective):
    d = load_domain(DOMAINS[stem])
    u = unroll(d, parse_plan(plan, d))
    ev = GoalEvaluator(u)
    return u, ev, Context(u.variables, ev, Sensitivity(u), objective, None)


def _search(u, ev, objective, nodes):
    problem = Problem(u, ev, Sensitivity(u), FloatTracker(u, ev))
    return Search(problem, objective, Smear(), Allowance.within(nodes, 30))


def test_reward_views_take_the_better_of_interval_and_mean_value_bounds():
    bound = SIR_BOUND                    # SIR's reward proofs close by the mean-value form
    u, ev, ctx = _setup("sir", SIR_PLAN, AtLeast(bound))
    search = _search(u, ev, AtLeast(bound), 200)
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
    u, ev, ctx = _setup("sir", SIR_PLAN, Validity())
    lo, hi = to_arrays([root_box(u.variables)])
    facts = ev.facts(lo, hi)
    left = ev.mean_value_undecided(lo, hi, [facts[0].undecided])[0]
    assert len(left) < len(facts[0].undecided)
    (view,) = child_views(facts, lo, hi, ctx, None)
    assert view.score == -len(left) and not view.closes


def test_heuristic_takes_the_best_midpoint_split_over_all_variables():
    u, ev, ctx = _setup("drone", DRONE_PLAN, AtLeast(DRONE_BOUND))
    search = _search(u, ev, AtLeast(DRONE_BOUND), 60)
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


def _drone_nodes(count: int = 12):
    u, ev, ctx = _setup("drone", DRONE_PLAN, AtLeast(DRONE_BOUND))
    search = _search(u, ev, AtLeast(DRONE_BOUND), 60)
    nodes = [n for n in _walk(search.run().root) if any(a < b for a, b in n.goal.box)][:count]
    return u, ev, ctx, nodes


def test_strong_branching_ranks_candidates_by_the_score_it_is_given():
    """One routine, any score: the best by the score wins, the first of equal scores, and the
    facts handed back are the chosen split's children's own."""
    u, ev, ctx, nodes = _drone_nodes()
    cands = Heuristic().candidates(nodes, ctx)
    assert all(len(c) > 1 for c in cands)
    by_var = strong_branch(nodes, cands, ctx, lambda n, sp, a, b: -sp.var)
    flat = strong_branch(nodes, cands, ctx, lambda n, sp, a, b: 0.0)
    for n, c, b, f in zip(nodes, cands, by_var, flat):
        assert b.split == min(c, key=lambda sp: sp.var) and b.scores == tuple(-sp.var for sp in c)
        assert f.split == c[0]
        kids = child_arrays(n, b.split, u.variables)
        klo, khi = np.array([k[1] for k in kids]), np.array([k[2] for k in kids])
        assert [x.lo for x in b.facts] == [x.lo for x in ev.facts(klo, khi)]


def test_the_closed_share_score_carves_off_the_largest_closing_piece_first():
    u, ev, ctx, nodes = _drone_nodes()
    cands = Heuristic().candidates(nodes, ctx)
    for n, c, b in zip(nodes, cands, strong_branch(nodes, cands, ctx, closed_share)):
        j = c.index(b.split)
        assert b.scores[j] == max(b.scores) and b.scores[j][0] == max(s[0] for s in b.scores)
        assert all(0 <= share <= 1 for share, _ in b.scores)
        assert b.scores[j][1] == max(m for share, m in b.scores if share == b.scores[j][0])


def test_a_policy_changes_its_score_not_the_branching_routine():
    """The heuristic's split choice is strong_branch under `worst_child`; a subclass that only
    swaps in `closed_share` chooses what strong_branch under that score chooses, and hands the
    search back the facts of what it chose."""
    class ClosingFirst(Heuristic):
        score = staticmethod(closed_share)

    u, ev, ctx, nodes = _drone_nodes()
    cands = Heuristic().candidates(nodes, ctx)
    h, c = Heuristic(), ClosingFirst()
    assert h._splits(nodes, ctx) == [b.split for b in strong_branch(nodes, cands, ctx, worst_child)]
    expected = strong_branch(nodes, cands, ctx, closed_share)
    assert c._splits(nodes, ctx) == [b.split for b in expected]
    assert all(c.known_facts(n, b.split) == b.facts for n, b in zip(nodes, expected))


def _walk(root):
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.children)
