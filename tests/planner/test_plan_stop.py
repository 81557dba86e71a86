"""plan-and-verify's verdicts: exit 1 only when no robust plan provably exists, exit 3 with the best
bounds so far when the budget ends first, an explicit stop reason, and an upper bound that
converges to the certified bound by default (or says why not, and by how much it could move)."""
from __future__ import annotations

import itertools
import json
from fractions import Fraction

from corpus import domain_files
from dsl.interp import run
from dsl.load import load_domain
from dsl.scenario import from_json
from planner.cli import main
from planner.loop import STOP_REASONS
from tests.examples import BIKESHARE as BIKESHARE_PATH
from tests.examples import BIKESHARE_OPTIMUM

PROXY = str(next(p for p in domain_files() if p.stem == "proxy"))
BIKESHARE = str(BIKESHARE_PATH)

HOPELESS = """
domain hopeless
horizon 2
disturbance d : int in [-1, 1]
state x : int in [-3, 3] init 0
action up {
  x' = x + 1 + d
}
action stay {
  x' = x + d
}
safe x >= 0
"""


def _run(capsys, *argv):
    code = main(["plan-and-verify", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def test_no_robust_plan_exists_is_proved_and_names_its_scenarios(capsys, tmp_path):
    f = tmp_path / "hopeless.rwd"
    f.write_text(HOPELESS)
    code, out = _run(capsys, str(f), "--workers", "1", "--json")
    obj = json.loads(out)
    assert code == 1 and obj["no_robust_plan"] and obj["stop_reason"] == "no robust plan"
    d = load_domain(f)
    scenarios = [from_json(d, s, "set") for s in obj["refuting_scenarios"]]
    for plan in itertools.product(d.instances(), repeat=d.horizon):
        assert any(not run(d, plan, s).valid for s in scenarios)
    code, out = _run(capsys, str(f), "--workers", "1")
    assert code == 1 and "no robust plan exists" in out and "scenario 1:" in out


def test_refuted_candidates_and_a_spent_budget_are_not_a_refutation(capsys):
    """The nominal optimum of the proxy domain is refuted in round 1; with one round allowed the
    run ends for lack of rounds, which is exit 3 (unknown), not exit 1 (refuted)."""
    code, out = _run(capsys, PROXY, "--workers", "1", "--candidates", "1", "--rounds", "1", "--json")
    obj = json.loads(out)
    assert code == 3 and obj["selected"] is None and not obj["no_robust_plan"]
    assert obj["stop_reason"] == "rounds exhausted" and obj["candidates"][0]["verdict"] == "refuted"
    code, out = _run(capsys, PROXY, "--workers", "1", "--candidates", "1", "--rounds", "1")
    assert code == 3 and "none found within budget" in out and "stopped: rounds exhausted" in out


def test_default_run_converges_to_an_exact_upper_bound(capsys):
    """Budgeted demand at a bike-share station: the tightest proof of the best plan stops within
    the gap of its worst case; the run then proves R >= U itself, so L = U. (The run takes about
    35 s alone; the limit is raised from the default 60 s so that a loaded machine, running the
    suite in parallel, does not cut the direct proof short: the run ends when L = U either way.)"""
    code, out = _run(capsys, BIKESHARE, "--time-limit", "600", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["stop_reason"] == "bound proved" and obj["upper_bound_exact"]
    assert Fraction(obj["selected"]["lower_bound"]) == Fraction(obj["upper_bound"]) == BIKESHARE_OPTIMUM
    assert obj["upper_bound_note"] is None
    assert all(c["stop_reason"] for c in obj["candidates"])


def test_an_inexact_upper_bound_says_why_and_by_how_much(capsys):
    code, out = _run(capsys, BIKESHARE, "--rounds", "2", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["stop_reason"] == "rounds exhausted" in STOP_REASONS
    room = Fraction(obj["upper_bound"]) - Fraction(obj["selected"]["lower_bound"])
    assert not obj["upper_bound_exact"] and room > 0
    assert "rounds ran out" in obj["upper_bound_note"] and f"by up to {room}" in obj["upper_bound_note"]
