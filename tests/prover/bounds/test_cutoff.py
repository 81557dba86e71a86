"""Bound tightening that assumes the claim false (R ≤ below: SCIP's objective cutoff), in the
lp leaf: rounds on the full relaxation over the scenarios with R ≤ below prove bounds that hold
there, so the leaf proves R ≥ min(its dual bound, below). On portfolio_wide at H=32 bounds over
all scenarios stop 2.5% short of the worst case; with the cutoff the root closes at a 1% gap.
The checker re-derives every capped round with the same cap, insists that the cut is at least
the claimed bound, and rejects it on validity goals and on prefix rounds."""
from __future__ import annotations

import copy
import random
import time
from fractions import Fraction

import pytest

from corpus import domain_files
from dsl.interp import run
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from dsl.scenario import random_scenario
from prover.bounds.lp_leaf import LpBounder
from prover.calculus.goals import root_box
from prover.calculus.unroll import unroll
from prover.check.checker import CertificateRejected, check_certificate
from prover.search.loop import Budget
from prover.search.verify import verify_search
from tests.prover.strategies import assert_holds_on_samples

WIDE = next(p for p in domain_files() if p.stem == "portfolio_wide")
PLAN = "hold; hold; sell(1)" + "; hold" * 29          # the known plan stretched to H = 32
TARGET = Fraction(-33279, 1000)                        # 1% below the worst found, -32.9496


def _wide():
    d = load_domain(WIDE, 32)
    return d, parse_plan(PLAN, d)


def test_the_cutoff_closes_what_bounds_over_all_scenarios_leave_open():
    d, plan = _wide()
    u = unroll(d, plan)
    box = root_box(u.variables)
    plain = LpBounder(u).bound(box, float(TARGET), time.monotonic() + 60)
    assert plain.below is None and plain.bound < TARGET
    cut = LpBounder(u).bound(box, float(TARGET), time.monotonic() + 60, TARGET)
    assert cut.below == TARGET and cut.bound == TARGET
    assert any(r.below == TARGET for r in cut.tighten)


@pytest.fixture(scope="module")
def proved():
    d, plan = _wide()
    r = verify_search(d, plan, None, "heuristic", Budget(2000, 60))
    assert r.verdict == "proved" and r.stop_reason == "gap reached"
    return d, plan, r


def _capped_leaves(tree):
    stack = [tree]
    while stack:
        n = stack.pop()
        if n.get("leaf") == "lp" and any(isinstance(t, dict) and "below" in t for t in n.get("tighten", [])):
            yield n
        stack.extend(n.get("children", ()))


def _capped_round(leaf) -> dict:
    return next(t for t in leaf["tighten"] if isinstance(t, dict) and "below" in t)


def test_a_cutoff_proof_rechecks_and_holds_on_10000_sampled_scenarios(proved):
    d, plan, r = proved
    assert next(_capped_leaves(r.certificate["proofs"]["reward"]), None) is not None
    assert check_certificate(d, r.certificate).leaves.get("lp")
    assert r.lower_bound <= r.worst_found.outcome.reward
    assert_holds_on_samples(d, plan, r.lower_bound, seed=3)


def _mutated(cert, f):
    c = copy.deepcopy(cert)
    f(c, next(_capped_leaves(c["proofs"]["reward"])))
    return c


def test_every_mutation_of_a_cutoff_is_rejected(proved):
    d, _, r = proved
    claim = Fraction(r.certificate["claim"]["reward_at_least"])
    mutations = {
        "cut below the claim": lambda c, leaf: _capped_round(leaf).update(below=str(claim - Fraction(1, 1000))),
        "claim one unit higher": lambda c, leaf: c["claim"].update(reward_at_least=str(claim + 1)),
        "claim above the cut": lambda c, leaf: c["claim"].update(
            reward_at_least=str(Fraction(_capped_round(leaf)["below"]) + Fraction(1, 10 ** 6))),
        "a prefix round with a cut": lambda c, leaf: _capped_round(leaf).update(reach=2, since=0),
        "a cut that is not a rational": lambda c, leaf: _capped_round(leaf).update(below="-33.2x"),
        "a cut on a validity goal": lambda c, leaf: c["proofs"].update(
            valid={"leaf": "lp", "margins": {}, "tighten": [_capped_round(leaf)]}),
    }
    for name, f in mutations.items():
        with pytest.raises(CertificateRejected):
            check_certificate(d, _mutated(r.certificate, f))
            pytest.fail(f"accepted the mutation: {name}")


BILINEAR = """
domain mix{seed}
horizon {h}
disturbance w : real in [{lo}, {hi}]
assume sum(w) >= {budget}
state x : real in [-500, 500] init {x0}
state y : real in [-500, 500] init 0
action grow(k : int in 0..2) {{
  x' = (x + k) * (1 + w)
  y' = y - k / 2
}}
reward step = x + y
"""


@pytest.mark.parametrize("seed", range(6))
def test_random_bilinear_domains_never_prove_a_false_bound_with_the_cutoff(seed):
    """Tightest and fixed-bound searches over random bilinear unrollings (tightening, and so the
    cutoff, runs at their roots): proved bounds re-check and no sampled scenario beats them; a
    bound above the worst found is never proved."""
    rng = random.Random(seed)
    lo = Fraction(-rng.randint(1, 10), 100)
    text = BILINEAR.format(seed=seed, h=rng.randint(6, 12), lo=lo, hi=lo + Fraction(rng.randint(5, 20), 100),
                           budget=lo * rng.randint(1, 3), x0=rng.randint(1, 6))
    d = load_text(text, f"mix{seed}.rwd")
    plan = tuple(rng.choice(d.instances()) for _ in range(d.horizon))
    r = verify_search(d, plan, None, "heuristic", Budget(1500, 20))
    assert r.verdict == "proved"
    check_certificate(d, r.certificate)
    for _ in range(1000):
        o = run(d, plan, random_scenario(d, rng))          # (admissible draws)
        assert o.valid and o.reward >= r.lower_bound
    above = r.worst_found.outcome.reward + Fraction(1, 1000)
    assert verify_search(d, plan, above, "heuristic", Budget(1500, 20)).verdict != "proved"
    at = verify_search(d, plan, r.lower_bound, "heuristic", Budget(1500, 20))
    assert at.verdict == "proved"
    check_certificate(d, at.certificate)
