"""Smaller holes in what the checker and the worst-case tracker accept: Unicode digits in a
certificate's numbers, vacuous (all-infeasible) validity proofs, SMT re-checks that ignored the
time limit, and replays of points outside the declared ranges."""
from __future__ import annotations

import json
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from dsl.load import load_text
from dsl.plan import parse_plan
from planner.cli import main
from prover.check import checker
from prover.backends import z3_backend
from prover.calculus.certificate import FORMAT_VERSION
from prover.calculus.tactics import rational
from prover.check.checker import CertificateRejected, VacuousCertificate, check_certificate
from prover.bounds.evaluation import GoalEvaluator
from prover.search.loop import Budget
from prover.calculus.unroll import unroll
from prover.search.verify import verify_search
from prover.search.verify_z3 import verify_z3
from prover.search.worst import WorstTracker

SOURCE = """domain one
horizon 2
param p : real in [0, 1]
param n : int in [0, 3]
state s : real in [0, 10] init 0
action go {{ s' = s + p + n }}
reward step = s
{extra}
"""


def _domain(extra: str = ""):
    return load_text(SOURCE.format(extra=extra), "one.rwd")


def _cert(d, bound: str, valid: dict, reward: dict) -> dict:
    return {"format_version": FORMAT_VERSION,
            "domain": {"name": d.name, "sha256": d.sha256, "horizon": d.horizon},
            "plan": ["go", "go"], "claim": {"valid": True, "reward_at_least": bound},
            "proofs": {"valid": valid, "reward": reward}}


def _cert_plan(d, plan: str, bound: str, valid: dict, reward: dict) -> dict:
    return {**_cert(d, bound, valid, reward), "plan": [p.strip() for p in plan.split(";")]}


INTERVAL = {"leaf": "interval"}


@pytest.mark.parametrize("bound", ["\u0660", "\uff10", "-\u0660", "0/\u0661", "\u00b2"])
def test_unicode_digits_in_a_certificate_are_rejected(bound):
    """'٠' (Arabic-Indic zero) passed str.isdigit and int(): a mutated bound was accepted."""
    d = _domain()
    check_certificate(d, _cert(d, "0", INTERVAL, INTERVAL))            # R >= 0 holds: s >= 0
    with pytest.raises(CertificateRejected, match="malformed certificate: not a rational"):
        check_certificate(d, _cert(d, bound, INTERVAL, INTERVAL))


def test_unicode_digits_in_a_split_are_rejected():
    d = _domain()
    split = {"split": {"var": "p", "at": "\u0661/\u0662"}, "children": [INTERVAL, INTERVAL]}
    check_certificate(d, _cert(d, "0", INTERVAL, {**split, "split": {"var": "p", "at": "1/2"}}))
    with pytest.raises(CertificateRejected, match="bad split"):
        check_certificate(d, _cert(d, "0", INTERVAL, split))


DIGITS = st.characters(categories=["Nd"]) | st.sampled_from("0123456789")


@settings(max_examples=300, deadline=None)
@given(num=st.text(DIGITS, min_size=1, max_size=6), den=st.one_of(st.none(), st.text(DIGITS, min_size=1, max_size=6)),
       neg=st.booleans())
def test_certificate_rationals_are_ascii_only(num, den, neg):
    text = ("-" if neg else "") + num + ("" if den is None else "/" + den)
    ascii_digits = all(ch in "0123456789" for ch in num + (den or ""))
    if not ascii_digits or (den is not None and int(den) == 0):
        with pytest.raises(ValueError):
            rational(text)
    else:
        assert rational(text) == Fraction(text)


def test_a_vacuous_certificate_is_rejected_as_verify_refuses_the_domain(capsys, tmp_path):
    """No admissible scenario: every claim would hold vacuously. `verify` refuses the domain
    (an input error); the checker once accepted an all-'infeasible' certificate for it."""
    src = SOURCE.format(extra="assume p > 2")
    d = load_text(src, "one.rwd")
    infeasible = {"leaf": "infeasible"}
    with pytest.raises(VacuousCertificate, match="no admissible scenario"):
        check_certificate(d, _cert(d, "1000", infeasible, infeasible))
    with pytest.raises(VacuousCertificate):
        check_certificate(d, _cert(d, "1000", {"split": {"var": "p", "at": "1/2"},
                                               "children": [infeasible, INTERVAL]}, infeasible))
    path, cert = tmp_path / "one.rwd", tmp_path / "c.json"
    path.write_text(src)
    cert.write_text(json.dumps(_cert(d, "1000", infeasible, infeasible)))
    assert main(["check-cert", str(path), str(cert)]) == 1
    assert "no admissible scenario" in capsys.readouterr().err
    assert main(["verify", str(path), "--plan", "go; go", "--bound", "1000"]) == 2
    assert "no admissible scenario" in capsys.readouterr().err


LOGISTIC = """domain logistic_011
horizon 6
param growth : real in [0.15, 0.34]
disturbance shock : real in [-0.5, 0.5]
state x : real in [0, 160] init in [32.7, 36.2]
action harvest(q : int in 0..2) {
  x' = x + growth * x * (1 - x / 80) - 6.8 * q + shock
  reward 1.98 * q
}
reward step = -0.005 * (x - 40)^2
safe x >= 8
"""


def test_leaves_below_a_validity_fbbt_step_empty_of_counterexamples_are_not_vacuity(tmp_path, capsys):
    """An `fbbt` step on a validity goal keeps the points where some condition fails; a leaf
    below it that nothing is left in has no counterexample, which says nothing of whether any
    scenario is admissible. `verify` refused this valid plan of a generated logistic domain (no
    assumes at all) as 'no admissible scenario' (a `corpus generate` run stopped on it); a
    domain whose assumes exclude everything is still refused, through the fbbt leaf."""
    d = load_text(LOGISTIC, "logistic_011.rwd")
    plan = "harvest(0); harvest(1); harvest(1); harvest(2); harvest(1); harvest(0)"
    narrowed = {"fbbt": {}, "children": [INTERVAL]}
    report = check_certificate(d, _cert_plan(d, plan, "-100000", narrowed, INTERVAL))
    assert report.leaves["interval"] == 2
    path = tmp_path / "logistic_011.rwd"
    path.write_text(LOGISTIC)
    assert main(["verify", str(path), "--plan", plan, "--bound", "-4"]) == 0
    assert "PROVED" in capsys.readouterr().out
    vacuous = load_text(SOURCE.format(extra="assume p > 2"), "one.rwd")
    with pytest.raises(VacuousCertificate):
        check_certificate(vacuous, _cert(vacuous, "1000", {"leaf": "fbbt"}, {"leaf": "infeasible"}))


def test_a_proof_with_some_infeasible_leaves_is_not_vacuous():
    d = _domain("assume p < 1/2")
    valid = {"split": {"var": "p", "at": "1/2"}, "children": [INTERVAL, {"leaf": "infeasible"}]}
    report = check_certificate(d, _cert(d, "0", valid, INTERVAL))
    assert report.leaves == {"interval": 2, "infeasible": 1}


def test_the_z3_certificate_check_respects_the_time_limit(monkeypatch):
    """`--strategy z3` re-checked its certificate with 60 s per SMT leaf whatever the limit."""
    seen = []
    real = z3_backend.check

    def recording(u, box, claim, seconds, compiler=None):
        seen.append(seconds)
        return real(u, box, claim, seconds, compiler)
    monkeypatch.setattr(z3_backend, "check", recording)
    d = _domain()
    r = verify_z3(d, parse_plan("go; go", d), Fraction(0), 4.0)
    assert r.verdict == "proved" and seen and max(seen) <= 4.0


def test_an_unconfirmed_smt_check_is_unknown_never_proved(monkeypatch):
    monkeypatch.setattr(z3_backend, "leaf_status", lambda u, box, claim, seconds: "unknown")
    d = _domain()
    r = verify_z3(d, parse_plan("go; go", d), Fraction(0), 4.0)
    assert r.verdict == "unknown" and r.certificate is None and "time limit" in r.note
    with pytest.raises(checker.CheckUnfinished):
        checker.timed_smt_check(time.monotonic() - 1)(unroll(d, parse_plan("go; go", d)), None, None)


def test_the_searches_smt_leaves_are_rechecked_within_the_time_left(monkeypatch):
    """A search's certificate with SMT leaves: re-checked with the wall time left, not 60 s."""
    seen = []
    real = z3_backend.leaf_status
    monkeypatch.setattr(z3_backend, "leaf_status", lambda u, box, claim, seconds: seen.append(seconds) or
                        real(u, box, claim, seconds))
    d = _domain("safe s - p - p - n - n <= 0")        # intervals lose the dependency; Z3 does not
    r = verify_search(d, parse_plan("go; go", d), Fraction(0), "heuristic", Budget(500, 5), smt=True, use_lp=False)
    assert r.verdict == "proved" and r.certificate["proofs"]["valid"] == {"leaf": "smt"}
    assert seen and all(s <= 5 for s in seen)


@pytest.mark.parametrize("point, kept", [
    ((Fraction(1, 2), Fraction(1)), True),
    ((Fraction(3, 2), Fraction(1)), False),          # p outside [0, 1]
    ((Fraction(1, 2), Fraction(1, 2)), False),       # n is an int
    ((Fraction(1, 2), Fraction(4)), False),          # n outside [0, 3]
])
def test_replays_only_record_scenarios_of_the_domain(point, kept):
    """The tracker once checked only the assumes: a point outside a declared range, or a
    fraction for an int, could become the reported worst case."""
    d = _domain()
    u = unroll(d, parse_plan("go; go", d))
    tracker = WorstTracker(u, GoalEvaluator(u))
    w = tracker.replay(point)
    assert (w is not None) == kept and (tracker.lowest is not None) == kept
