"""Rigorous replays (prover/bounds/point.py): at a point, the enclosure of R holds the
interpreter's exact reward, it *is* that reward while numbers stay short, and witnesses found
with enclosures are reported as upper bounds that the exact interpreter confirms."""
from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import from_json
from prover.bounds import point
from prover.calculus.unroll import point_scenario, unroll
from tests.examples import DOMAINS, SIR


def _points(u, rng, n):
    for _ in range(n):
        yield tuple(Fraction(rng.randint(0, 1)) if v.vtype == "bool" else
                    Fraction(rng.randint(int(v.lo), int(v.hi))) if v.vtype == "int" else
                    v.lo + (v.hi - v.lo) * Fraction(rng.randint(0, 97), 97) for v in u.variables)


@pytest.mark.parametrize("stem", ["sir", "drone", "portfolio", "thermostat", "battery"])
@pytest.mark.parametrize("bits", [24, 64, None])
def test_the_enclosure_holds_the_exact_reward(stem, bits):
    from corpus import known_plan
    d = load_domain(DOMAINS[stem])
    u = unroll(d, parse_plan(known_plan(DOMAINS[stem]), d))
    for p in _points(u, random.Random(7), 6):
        o = run(d, u.plan, point_scenario(u, p))
        got = point.replay_at(u, p, bits)
        if got.valid is False:
            assert not o.valid
        if got.valid is True:
            assert o.valid and got.reward[0] <= o.reward <= got.reward[1]
            if not got.rounded:
                assert got.reward[0] == got.reward[1] == o.reward
        if o.valid and bits is None:         # short numbers: exact and decided
            assert got.valid is True and not got.rounded and got.reward == (o.reward, o.reward)


def _verify(monkeypatch, capsys, *extra):
    from planner.cli import main
    monkeypatch.setattr(point, "REPLAY_BITS", 40)      # as if the exact numbers were too long
    plan = "distance(2); " * 4 + __import__("corpus").known_plan(SIR)
    code = main(["verify", str(SIR), "--horizon", "12", "--plan", plan, "--json", "--quiet", *extra])
    out = json.loads(capsys.readouterr().out)
    d = load_domain(SIR, 12)
    return code, out, d, parse_plan(plan, d)


def test_a_worst_found_by_enclosure_is_an_upper_bound_the_interpreter_confirms(monkeypatch, capsys):
    code, out, d, plan = _verify(monkeypatch, capsys, "--tightest", "--gap", "1/20")
    w = out["worst_found"]
    assert code == 0 and w["enclosure"] is not None
    lo, hi = map(Fraction, w["enclosure"])
    exact = run(d, plan, from_json(d, w["scenario"], "worst")).reward
    assert lo <= exact <= hi and Fraction(w["value"]) == hi
    assert Fraction(out["lower_bound"]) <= exact


def test_a_counterexample_by_enclosure_is_confirmed_exactly(monkeypatch, capsys):
    code, out, d, plan = _verify(monkeypatch, capsys, "--bound", "-20")
    cex = out["counterexample"]
    assert code == 1 and cex["enclosure"] is not None and Fraction(cex["value"]) < -20
    assert run(d, plan, from_json(d, cex["scenario"], "cex")).reward < -20


# ---- violations decided by enclosures -------------------------------------------------------

def _random_plans(d, rng, n):
    from corpus.screening import candidates
    for k, (plan, _) in enumerate(candidates(d, rng.randint(0, 999), 400)):
        if k >= n:
            return
        yield plan


@pytest.mark.parametrize("stem, horizon", [("drone", 12), ("sir", 10)])
@pytest.mark.parametrize("bits", [24, 64])
def test_a_violation_the_enclosures_decide_is_the_interpreters_first_one(stem, horizon, bits):
    """Random plans and points with rounding forced early: whenever `first_violation` names a
    condition, the exact interpreter stops at that very condition (step, kind, text, action)."""
    d = load_domain(DOMAINS[stem], horizon)
    rng, decided = random.Random(11), 0
    for plan in _random_plans(d, rng, 6):
        u = unroll(d, plan)
        for p in _points(u, rng, 8):
            got = point.first_violation(u, p, bits)
            o = run(d, plan, point_scenario(u, p))
            if got is None:
                continue
            decided += 1
            c, v = u.conditions[got.condition], o.violation
            assert not o.valid and (v.step, v.kind, v.condition, v.action) == (c.step, c.kind, c.text, c.action)
            assert {name for name, *_ in got.states} <= set(u.states[c.step])
    assert decided > 0, "some violation was decided by the enclosures"


def test_a_long_horizon_violation_is_reported_from_enclosures(capsys):
    """Drone at H = 32: an exact replay of a failing scenario would multiply its numbers'
    digits at every step (drag · v · |v|); the refutation is confirmed by enclosures instead,
    and says so."""
    from planner.cli import main
    plan = "; ".join(["thrust(3)", "thrust(2)"] + ["thrust(1)"] * 30)
    code = main(["verify", str(DOMAINS["drone"]), "--horizon", "32", "--plan", plan, "--bound", "-1000", "--json"])
    out = json.loads(capsys.readouterr().out)
    cex = out["counterexample"]
    assert code == 1 and cex["replay"] == "rigorous" and "rigorous enclosure" in cex["violation"]["detail"]
    code = main(["verify", str(DOMAINS["drone"]), "--horizon", "32", "--plan", plan, "--bound", "-1000"])
    assert code == 1 and "replayed with a rigorous enclosure" in capsys.readouterr().out
