"""The learned strategy: sound proofs (the independent checker accepts them) and batched
inference (one forward pass per search iteration, whatever the batch size)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from corpus import known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.check.checker import check_certificate
from prover.search.loop import Budget
from prover.search.tree import check_invariants
from prover.search.verify import verify_search

from tests.prover.policy.conftest import THERMO


@pytest.fixture
def learned(tiny_net):
    from prover.policy.learned import LearnedPolicy
    return LearnedPolicy(model=tiny_net)


def test_learned_proofs_pass_the_certificate_checker(learned):
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    r = verify_search(d, plan, None, "learned", Budget(3000, 30), smt=False, policy=learned, use_lp=False)
    assert r.verdict == "proved" and r.certificate["strategy"] == "learned"
    report = check_certificate(d, r.certificate)
    assert report.nodes == r.nodes and report.leaves
    for part in r.searches:
        check_invariants(part.root)


def test_learned_never_proves_a_bound_above_the_worst_case(learned, sir_goal):
    r = verify_search(sir_goal.domain, sir_goal.plan, sir_goal.worst_found + Fraction(1, 100), "learned",
                      Budget(500, 20), smt=False, policy=learned)
    assert r.verdict == "refuted" and r.counterexample.outcome.reward < r.bound


def test_one_forward_pass_per_search_iteration(learned, sir_goal):
    calls = []
    original = learned._splits

    def counting(nodes, ctx):
        calls.append(len(nodes))
        return original(nodes, ctx)
    learned._splits = counting
    before = learned.stats["forwards"]
    r = verify_search(sir_goal.domain, sir_goal.plan, sir_goal.bound, "learned", Budget(400, 20), smt=False, use_lp=False,
                      policy=learned)
    assert r.nodes > 20 and max(calls) > 1, "the search expands several nodes per iteration"
    assert learned.stats["forwards"] - before == len(calls)


def test_learned_is_a_registered_strategy_loaded_lazily(tiny_checkpoint):
    import subprocess
    import sys
    code = ("import sys, prover.policy.registry, planner.cli; "
            "assert 'learned' in prover.policy.registry.STRATEGIES; assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(THERMO.parents[2]))


def test_children_facts_from_strong_branching_are_the_searchs_own(learned, sir_goal):
    """The facts the learned policy hands back for its chosen split are exactly what the search
    would compute for those children (so reusing them changes nothing but the time)."""
    from prover.search.loop import Search
    seen = []
    orig = Search._make

    def spy(self, goal, parent, facts, flo, fhi, mean_value=None):
        if parent is not None and self.policy.known_facts(parent, parent.split) is not None:
            fresh = self.ev.facts(flo[None, :], fhi[None, :])[0]
            seen.append(fresh == facts)
        return orig(self, goal, parent, facts, flo, fhi)
    Search._make = spy
    try:
        verify_search(sir_goal.domain, sir_goal.plan, None, "learned", Budget(300, 20), smt=False, policy=learned, use_lp=False)
    finally:
        Search._make = orig
    assert seen and all(seen)


@pytest.mark.parametrize("gap, alone", [(0.0, True), (2.0, False)])
def test_the_network_decides_alone_only_where_sure_and_its_proofs_check(tiny_net, gap, alone):
    """sure_gap 0: every split is the network's own (one candidate, no strong branching);
    above 1: strong branching everywhere. Either way the certificate passes the checker."""
    from prover.policy.learned import LearnedPolicy
    policy = LearnedPolicy(model=tiny_net)
    policy.sure_gap = gap
    tried = []
    original = policy.candidates
    policy.candidates = lambda nodes, ctx: tried.extend(original(nodes, ctx)) or tried[-len(nodes):]
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    r = verify_search(d, plan, None, "learned", Budget(3000, 30), smt=False, policy=policy, use_lp=False)
    # the certificate may end above the search's deepest nodes (a tightest proof's collapse)
    assert r.verdict == "proved" and 0 < check_certificate(d, r.certificate).nodes <= r.nodes
    assert (policy.stats["sure"] > 0) == alone and (policy.stats["unsure"] > 0) != alone
    assert all(len(c) == 1 for c in tried) == alone
