"""Adversarial soundness: proved bounds hold in every sampled scenario, certificates re-check,
and every mutation of a certificate (or of the domain it is for) is rejected."""
from __future__ import annotations

import copy
import random
from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from dsl.scenario import failed_assumes, random_scenario
from prover.check.checker import CertificateRejected, check_certificate
from prover.search.loop import Budget
from prover.search.tree import check_invariants
from prover.search.verify import verify_search
from tests.prover.strategies import assert_holds_on_samples

THERMO = next(p for p in domain_files() if p.stem == "thermostat")


@pytest.fixture(scope="module")
def proved():
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    # smear proves by interval splits only, so the certificate has a tree worth mutating
    r = verify_search(d, plan, None, "smear", Budget(3000, 20))
    assert r.verdict == "proved" and r.certificate is not None
    return d, plan, r


def test_proved_bound_holds_on_random_scenarios(proved):
    d, plan, r = proved
    assert_holds_on_samples(d, plan, r.lower_bound, seed=0)
    assert r.worst_found.outcome.reward >= r.lower_bound


def test_certificate_checks(proved):
    d, _, r = proved
    report = check_certificate(d, r.certificate)
    assert report.nodes >= 2 and report.leaves


def _mutations(cert):
    bumped = copy.deepcopy(cert)
    bumped["claim"]["reward_at_least"] = str(Fraction(cert["claim"]["reward_at_least"]) + Fraction(1, 100))
    yield "bound + 1/100", bumped
    other = copy.deepcopy(cert)
    other["plan"] = ["wait"] * len(cert["plan"])      # a much colder plan: the bound is false for it
    yield "plan swapped", other
    sha = copy.deepcopy(cert)
    sha["domain"]["sha256"] = "0" * 64
    yield "sha", sha
    tree = cert["proofs"]["reward"]
    if "split" in tree:
        dropped = copy.deepcopy(cert)
        dropped["proofs"]["reward"]["children"] = dropped["proofs"]["reward"]["children"][:1]
        yield "child dropped", dropped
        moved = copy.deepcopy(cert)
        moved["proofs"]["reward"]["split"]["at"] = "1000"
        yield "split point outside", moved
        leafed = copy.deepcopy(cert)
        leafed["proofs"]["reward"] = {"leaf": "interval"}
        yield "subtree replaced by leaf", leafed
    invalid = copy.deepcopy(cert)
    invalid["proofs"]["valid"] = {"leaf": "infeasible"}
    yield "validity claimed infeasible", invalid
    for value in (False, None, "true"):
        not_valid = copy.deepcopy(cert)
        not_valid["claim"]["valid"] = value
        yield f"claim.valid = {value!r}", not_valid
    for horizon in (str(cert["domain"]["horizon"]), True, float(cert["domain"]["horizon"])):
        typed = copy.deepcopy(cert)
        typed["domain"]["horizon"] = horizon
        yield f"horizon = {horizon!r}", typed
    for key in ("claim", "plan", "proofs", "domain"):
        missing = copy.deepcopy(cert)
        del missing[key]
        yield f"no {key}", missing


def test_every_certificate_mutation_is_rejected(proved):
    d, _, r = proved
    names = []
    for name, mutated in _mutations(r.certificate):
        names.append(name)
        with pytest.raises(CertificateRejected):
            check_certificate(d, mutated)
    assert "child dropped" in names, "the proof should have needed a split"


def test_certificate_rejected_for_an_edited_domain(proved):
    """Widening the leak range makes the worst case worse: even with the hash updated, the
    proof must no longer check (one changed digit of the domain)."""
    d, _, r = proved
    edited = load_text(THERMO.read_text().replace("[0.2, 0.4]", "[0.2, 0.5]"), "edited.rwd")
    cert = copy.deepcopy(r.certificate)
    cert["domain"]["sha256"] = edited.sha256
    with pytest.raises(CertificateRejected):
        check_certificate(edited, cert)


@pytest.mark.parametrize("strategy", ["largest-first", "smear", "heuristic"])
def test_bound_just_above_worst_is_refuted_with_replayed_counterexample(proved, strategy):
    d, plan, r = proved
    bound = r.worst_found.outcome.reward + Fraction(1, 100)
    res = verify_search(d, plan, bound, strategy, Budget(2000, 20))
    assert res.verdict == "refuted"
    s = res.counterexample.scenario
    assert not failed_assumes(d, s)
    o = run(d, plan, s)
    assert o.valid and o.reward < bound


@pytest.mark.parametrize("strategy", ["largest-first", "smear", "heuristic"])
def test_bound_below_certified_is_proved_and_tree_is_consistent(proved, strategy):
    d, plan, r = proved
    res = verify_search(d, plan, r.lower_bound - 1, strategy, Budget(5000, 20))
    assert res.verdict == "proved" and res.lower_bound == r.lower_bound - 1
    check_certificate(d, res.certificate)
    assert len(res.searches) == 2
    for s in res.searches:
        check_invariants(s.root)


def test_invalid_plan_is_refuted_with_the_interpreters_violation():
    d = load_domain(THERMO)
    plan = parse_plan("heat(3); heat(3); heat(3); heat(3); wait; wait", d)
    res = verify_search(d, plan, Fraction(-100), "heuristic", Budget(2000, 20))
    assert res.verdict == "refuted"
    o = run(d, plan, res.counterexample.scenario)
    assert not o.valid and o.violation == res.counterexample.outcome.violation
    assert o.violation.kind == "safe"


SMALL = """
domain tiny
horizon 3
param a : real in [{lo}, {hi}]
disturbance w : real in [-1, 1]
assume sum(w) <= {budget}
state x : real in [-50, 50] init in [0, 1]
action push(k : int in 0..2) {{
  x' = x + k * a - w
  reward -k / 4
}}
reward step = -abs(x - 2) + min(x, 1)
reward final = if x >= 1 then 1 else 0
"""


@pytest.mark.parametrize("seed", range(6))
def test_random_domains_never_prove_a_false_bound(seed):
    rng = random.Random(seed)
    lo = Fraction(rng.randint(-4, 4), 4)
    text = SMALL.format(lo=lo, hi=lo + Fraction(rng.randint(1, 4), 4), budget=Fraction(rng.randint(-2, 3), 2))
    d = load_text(text, f"tiny{seed}.rwd")
    plan = tuple(rng.choice(d.instances()) for _ in range(3))
    r = verify_search(d, plan, None, rng.choice(["largest-first", "smear", "heuristic"]), Budget(1500, 20))
    if r.verdict != "proved":
        return
    check_certificate(d, r.certificate)
    for _ in range(1500):
        o = run(d, plan, random_scenario(d, rng))
        assert o.valid and o.reward >= r.lower_bound


def test_smt_leaf_certificates_are_rechecked_by_z3():
    """The heuristic closes the linear thermostat with one SMT leaf at the exact worst case;
    the checker re-runs Z3, so the same certificate with the bound raised by 1/100 fails.
    (Without `lp` leaves: the LP relaxation closes the root within the gap first.)"""
    d = load_domain(THERMO)
    plan = parse_plan(known_plan(THERMO), d)
    r = verify_search(d, plan, None, "heuristic", Budget(3000, 20), use_lp=False)
    assert r.verdict == "proved" and r.lower_bound == r.worst_found.outcome.reward
    assert check_certificate(d, r.certificate).leaves.get("smt")
    with pytest.raises(CertificateRejected):
        check_certificate(d, r.certificate, smt_check=None)
    bumped = copy.deepcopy(r.certificate)
    bumped["claim"]["reward_at_least"] = str(r.lower_bound + Fraction(1, 100))
    with pytest.raises(CertificateRejected):
        check_certificate(d, bumped)


# What the trusted checker may not load: the search, the policies, the float bound code, torch.
UNTRUSTED = ("prover.search", "prover.policy", "prover.bounds.interval", "prover.bounds.evaluation",
             "prover.bounds.mean_value", "prover.bounds.sensitivity", "prover.bounds.lp_leaf", "torch")


def test_checker_imports_neither_the_search_nor_float_bounds_nor_torch(tmp_path):
    """The checker, checking certificates with interval, mean-value, lp and SMT leaves in a fresh
    process, loads no module of the search, the policies or the float bound engines (modules are
    matched exactly, so `prover.bounds.interval_exact` and `mean_value_exact` are allowed)."""
    import json
    import subprocess
    import sys
    sir = next(p for p in domain_files() if p.stem == "sir")
    jobs = []
    for path, lp in ((THERMO, False), (sir, None)):     # thermostat: an SMT leaf; sir: lp, mean-value
        d = load_domain(path)
        r = verify_search(d, parse_plan(known_plan(path), d), None, "heuristic", Budget(400, 60), use_lp=lp)
        assert r.verdict == "proved"
        (tmp_path / f"{path.stem}.json").write_text(json.dumps(r.certificate))
        jobs.append((str(path), str(tmp_path / f"{path.stem}.json")))
    code = ("import json, sys; from dsl.load import load_domain; from prover.check.checker import check_certificate\n"
            f"leaves = set()\nfor d, c in {jobs!r}:\n"
            "    leaves |= set(check_certificate(load_domain(d), json.load(open(c))).leaves)\n"
            f"bad = [m for m in sys.modules if m in {UNTRUSTED!r} or m.startswith({tuple(m + '.' for m in UNTRUSTED)!r})]\n"
            "assert not bad, bad\nprint(sorted(leaves))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert {"interval", "mean-value", "lp", "smt"} <= set(eval(done.stdout)), done.stdout


@pytest.mark.parametrize("seconds", [0.5, 1, 2])
def test_smt_retries_with_fresh_targets_stay_sound(seconds):
    """Regression: a memo keyed by id() once reused the id of a discarded reward expression,
    so Z3 'proved' a bound above the true worst case. Every proof is now checked before it is
    reported, and the bound never exceeds Z3's exact minimum."""
    from prover.search.verify_z3 import verify_z3
    d = load_domain(THERMO)
    plan = parse_plan("heat(3); wait; heat(1); heat(1); heat(1); heat(2)", d)
    exact = verify_z3(d, plan, None, 30).lower_bound
    for beat in (None, Fraction(-12), Fraction(-21, 2)):
        r = verify_search(d, plan, None, "heuristic", Budget(20000, seconds), stop_at_or_below=beat)
        if r.verdict == "proved":
            assert r.lower_bound <= exact
            check_certificate(d, r.certificate)
