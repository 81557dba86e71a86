"""The command line as users run it: exit codes, JSON contracts, certificates, exports."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
import z3

from corpus import known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import from_json
from planner.cli import main
from planner.cli.args import join_negative_values
from tests.examples import (DOMAINS, DRONE, THERMOSTAT, THERMOSTAT_EASY, THERMOSTAT_FALSE, THERMOSTAT_PLAN,
                            THERMOSTAT_TIGHT)

THERMO, PROXY, PLAN = str(THERMOSTAT), DOMAINS["proxy"], THERMOSTAT_PLAN


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_negative_fractions_are_values():
    assert join_negative_values(["verify", "--bound", "-7/2", "--gap", "-0.25"]) == \
        ["verify", "--bound=-7/2", "--gap=-0.25"]


@pytest.mark.parametrize("strategy", ["z3", "heuristic"])
def test_verify_tightest_json_and_certificate(capsys, tmp_path, strategy):
    cert = tmp_path / "c.json"
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", PLAN, "--tightest", "--strategy", strategy,
                       "--json", "--cert", str(cert))
    obj = json.loads(out)
    assert code == 0 and obj["verdict"] == "proved"
    assert set(obj) >= {"verdict", "plan", "bound", "lower_bound", "worst_found", "counterexample", "stats"}
    assert set(obj["stats"]) >= {"nodes", "smt_calls", "time_s"}
    assert Fraction(obj["lower_bound"]) <= Fraction(obj["worst_found"]["value"])
    assert cli(capsys, "check-cert", THERMO, str(cert))[0] == 0
    tampered = json.loads(cert.read_text())
    tampered["claim"]["reward_at_least"] = str(Fraction(obj["worst_found"]["value"]) + 1)
    cert.write_text(json.dumps(tampered))
    code, _, err = cli(capsys, "check-cert", THERMO, str(cert))
    assert code == 1 and "reward" in err


def test_verify_refutes_with_a_replayable_counterexample(capsys):
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", str(THERMOSTAT_FALSE), "--json")
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "refuted" and obj["lower_bound"] is None
    d = load_domain(THERMO)
    s = from_json(d, obj["counterexample"]["scenario"], "cex")
    assert run(d, parse_plan(PLAN, d), s).reward == Fraction(obj["counterexample"]["value"]) < THERMOSTAT_FALSE


def test_verify_negative_fraction_bound_as_written(capsys):
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", str(THERMOSTAT_TIGHT), "--json", "--strategy", "smear")
    assert code == 0 and json.loads(out)["bound"] == str(THERMOSTAT_TIGHT) == "-47/2"     # as written


def test_verify_unknown_when_budget_is_tiny(capsys):
    d = DRONE
    code, out, _ = cli(capsys, "verify", str(d), "--plan", known_plan(d), "--bound", "-48.5",
                       "--strategy", "largest-first", "--node-budget", "3", "--json")
    assert code == 3 and json.loads(out)["verdict"] == "unknown"


def test_invalid_plan_refuted_with_violation(capsys):
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", "heat(3); heat(3); heat(3); heat(3); wait; wait",
                       "--bound", "-100", "--json")
    v = json.loads(out)["counterexample"]["violation"]
    assert code == 1 and v["kind"] == "safe" and v["condition"] == "temp <= 30"


def test_unsatisfiable_assumes_are_an_input_error(capsys, tmp_path):
    bad = tmp_path / "empty.rwd"
    bad.write_text(open(THERMO).read().replace("assume sum(gust) <= 0.5", "assume sum(gust) <= -5"))
    for strategy in ("z3", "heuristic"):
        code, _, err = cli(capsys, "verify", str(bad), "--plan", PLAN, "--bound", "0", "--strategy", strategy)
        assert code == 2 and "no admissible scenario" in err


def test_compile_smt2_round_trips_through_z3(capsys):
    answers = []
    for bound in ("-227/10", "-22"):
        code, out, _ = cli(capsys, "compile", THERMO, "--plan", PLAN, "--bound", bound, "--to", "smt2")
        s = z3.Solver()
        s.from_string(out)
        answers.append(s.check())
    assert code == 0 and answers == [z3.unsat, z3.sat]


def test_bad_strategy_and_flags(capsys):
    assert cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "1", "--strategy", "magic")[0] == 2
    assert cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "one")[0] == 2
    assert cli(capsys, "verify", THERMO, "--plan", PLAN, "--tightest", "--time-limit", "0")[0] == 2
    assert cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "1", "--tightest")[0] == 2


def test_plan_and_verify_rejects_the_proxy_trap(capsys, tmp_path):
    cert = tmp_path / "proxy.json"
    code, out, _ = cli(capsys, "plan-and-verify", str(PROXY), "--json", "--workers", "1",
                       "--time-limit", "60", "--cert", str(cert))
    obj = json.loads(out)
    assert code == 0
    trap = ["fast"] * 5
    rejected = [c for c in obj["candidates"] if c["plan"] == trap]
    assert rejected and rejected[0]["verdict"] == "refuted"
    assert rejected[0]["counterexample"]["violation"]["kind"] == "safe"
    assert obj["selected"]["verdict"] == "proved" and obj["selected"]["plan"] != trap
    assert Fraction(obj["selected"]["lower_bound"]) <= Fraction(obj["upper_bound"])
    assert cli(capsys, "check-cert", str(PROXY), str(cert))[0] == 0


def test_console_script_runs_as_a_process():
    r = subprocess.run([sys.executable, "-m", "planner.cli", "simulate", THERMO, "--plan", PLAN, "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["valid"] is True


def test_cross_check_with_cvc5_agrees(capsys):
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", PLAN, "--tightest", "--cross-check", "--json")
    obj = json.loads(out)
    assert code == 0 and obj["cross_check"]["answer"] == "unsat" and not obj["cross_check"]["disagrees"]
    code, out, _ = cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "-22", "--cross-check", "--json")
    assert code == 1 and json.loads(out)["cross_check"]["answer"] == "sat"


@pytest.mark.parametrize("strategy", ["z3", "heuristic"])
def test_invalid_plan_reports_no_worst_reward(capsys, strategy):
    """An invalid plan has no worst-case reward; a reward seen in some valid scenario is not one."""
    argv = ("verify", str(PROXY), "--plan", "fast; fast; fast; fast; fast", "--tightest", "--strategy", strategy)
    code, out, _ = cli(capsys, *argv, "--json")
    obj = json.loads(out)
    assert code == 1 and obj["verdict"] == "refuted" and obj["counterexample"]["violation"] is not None
    assert obj["worst_found"] is None
    code, out, _ = cli(capsys, *argv)
    assert code == 1 and "counterexample" in out and "worst found" not in out


def test_check_cert_names_what_it_checked_and_rejects_in_json(capsys, tmp_path):
    cert = tmp_path / "c.json"
    assert cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", str(THERMOSTAT_EASY), "--cert", str(cert))[0] == 0
    code, out, _ = cli(capsys, "check-cert", THERMO, str(cert), "--json")
    obj = json.loads(out)
    assert code == 0 and obj["valid"] is True and obj["reward_at_least"] == str(THERMOSTAT_EASY)
    assert obj["plan"] == [a.strip() for a in PLAN.split(";")] and obj["horizon"] == load_domain(THERMO).horizon
    code, out, _ = cli(capsys, "check-cert", THERMO, str(cert))
    assert code == 0 and PLAN in out and f"horizon {obj['horizon']}" in out
    bad = json.loads(cert.read_text())
    bad["claim"]["valid"] = False
    cert.write_text(json.dumps(bad))
    code, out, _ = cli(capsys, "check-cert", THERMO, str(cert), "--json")
    obj = json.loads(out)
    assert code == 1 and obj["valid"] is False and "claim.valid" in obj["reason"]
    cert.write_text('{"proofs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, _, err = cli(capsys, "check-cert", THERMO, str(cert))
    assert code == 2 and "nested too deeply" in err
