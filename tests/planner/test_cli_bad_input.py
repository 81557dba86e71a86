"""Every kind of bad input exits 2 with one clear message and no traceback."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpus import domain_files, known_plan
from planner.cli import main

THERMO_PATH = next(p for p in domain_files() if p.stem == "thermostat")
THERMO, PLAN = str(THERMO_PATH), known_plan(THERMO_PATH)
GOOD = {"params": {"leak": "1/4"}, "init": {"temp": "35/2"}, "disturbances": {"gust": ["0"] * 6}}


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def _file(tmp_path, name, data):
    p = tmp_path / name
    (p.write_bytes if isinstance(data, bytes) else p.write_text)(data)
    return str(p)


@pytest.mark.parametrize("name, data, words", [
    ("empty.rwd", "", "must start with 'domain NAME'"),
    ("binary.rwd", b"\x00\x01\x02garbage\xff", "binary"),
    ("latin1.rwd", "domain caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
    ("huge.rwd", "#" * (10 * 2**20), "too large"),
    ("deep.rwd", "domain d\nhorizon 1\nsafe " + "(" * 10_000 + "1" + ")" * 10_000 + " > 0\n", "nested too deeply"),
    ("chain.rwd", "domain d\nhorizon 1\nsafe " + " + ".join(["1"] * 5000) + " > 0\n", "nested too deeply"),
    ("numeral.rwd", "domain d\nhorizon " + "9" * 5000 + "\n", "numeral has"),
])
def test_bad_files(capsys, tmp_path, name, data, words):
    code, err = run_cli(capsys, "check", _file(tmp_path, name, data))
    assert code == 2 and words in err


def test_missing_file_and_directory(capsys, tmp_path):
    code, err = run_cli(capsys, "check", str(tmp_path / "nope.rwd"))
    assert code == 2 and "no such file" in err
    code, err = run_cli(capsys, "check", str(tmp_path))
    assert code == 2 and "directory" in err


@pytest.mark.parametrize("plan, words", [
    ("heat(2); wait", "plan has 2 steps but the horizon is 6"),
    ("heat(2); wiat; wait; wait; wait; wait", "unknown action 'wiat'; did you mean 'wait'?"),
    ("heat(9); wait; wait; wait; wait; wait", "must be in 1..3, got 9"),
    ("heat; wait; wait; wait; wait; wait", "takes 1 argument"),
    ("heat(2) wait", "a plan looks like"),
])
def test_bad_plans(capsys, plan, words):
    code, err = run_cli(capsys, "simulate", THERMO, "--plan", plan)
    assert code == 2 and words in err and err.count("error:") == 1


def _scenario(**changes):
    s = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if value is None:
            del s[section][name]
        else:
            s[section][name] = value
    return s


@pytest.mark.parametrize("scenario, words", [
    (_scenario(params__leak=None), "params is missing 'leak'"),
    (_scenario(params__wind="1"), "unknown key 'wind'"),
    (_scenario(params__leak="0.9"), "leak = 9/10 is outside its range [1/5, 2/5]"),
    (_scenario(params__leak=True), "must be a number"),
    (_scenario(params__leak="abc"), "is not a number"),
    (_scenario(disturbances__gust=["0"] * 5), "must be a list of 6 values"),
    (_scenario(disturbances__gust=["0.3"] * 6), "violates 'assume sum(gust) <= 0.5'"),
    ([1, 2, 3], "must be a JSON object"),
])
def test_bad_scenarios(capsys, tmp_path, scenario, words):
    path = _file(tmp_path, "s.json", json.dumps(scenario))
    code, err = run_cli(capsys, "simulate", THERMO, "--plan", PLAN, "--scenario", path)
    assert code == 2 and words in err


def test_scenario_file_problems(capsys, tmp_path):
    code, err = run_cli(capsys, "simulate", THERMO, "--plan", PLAN, "--scenario", _file(tmp_path, "s.json", "{not json"))
    assert code == 2 and "not valid JSON" in err
    code, err = run_cli(capsys, "simulate", THERMO, "--plan", PLAN, "--scenario", "sometimes")
    assert code == 2 and "nominal, random or a .json file" in err
    code, err = run_cli(capsys, "simulate", THERMO, "--plan", PLAN, "--horizon", "0")
    assert code == 2 and "--horizon" in err


def test_good_scenario_and_exit_codes(capsys, tmp_path):
    path = _file(tmp_path, "s.json", json.dumps(GOOD))
    code = main(["simulate", THERMO, "--plan", PLAN, "--scenario", path, "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert code == 0 and obj["valid"] and obj["violation"] is None and len(obj["trace"]) == 6
    code = main(["simulate", THERMO, "--plan", "heat(3); heat(3); heat(3); heat(3); heat(1); wait", "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert code == 1 and not obj["valid"] and obj["reward"] is None and obj["violation"]["kind"] == "requires"


@pytest.mark.parametrize("argv", [["check", "/no/such.rwd"], ["simulate", THERMO, "--plan", "wait"]])
def test_real_process_gives_message_not_traceback(argv):
    r = subprocess.run([sys.executable, "-m", "planner.cli", *argv], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "error" in r.stderr or "no such file" in r.stderr


@pytest.mark.parametrize("argv, words", [
    (["verify", THERMO, "--plan", PLAN, "--tightest", "--cert", "{missing}/c.json"], "does not exist"),
    (["plan-and-verify", THERMO, "--cert", "{dir}"], "is a directory"),
    (["bench", THERMO, "--plot", "{missing}/b.png"], "does not exist"),
    (["eval", THERMO, "--strategies", "smear", "--out", "{missing}/e.json"], "does not exist"),
    (["compile", THERMO, "--plan", PLAN, "--bound", "0", "--to", "smt2", "-o", "{dir}"], "is a directory"),
])
def test_unwritable_outputs_are_refused_before_any_work(capsys, tmp_path, argv, words):
    argv = [a.format(missing=tmp_path / "no" / "such", dir=tmp_path) for a in argv]
    code, err = run_cli(capsys, *argv)
    assert code == 2 and words in err


@pytest.mark.parametrize("horizon", ["0", "-3"])
def test_bench_horizon_is_range_checked(capsys, horizon):
    code, err = run_cli(capsys, "bench", THERMO, "--horizon", horizon, "--goals", "1")
    assert code == 2 and "--horizon must be between" in err


@pytest.mark.parametrize("limit", ["nan", "inf", "-1", "0", "abc"])
def test_time_limit_must_be_a_positive_finite_number(capsys, limit):
    code, err = run_cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "-30", "--time-limit", limit)
    assert code == 2 and "--time-limit" in err


def test_time_limit_may_be_a_fraction_and_options_are_not_abbreviated(capsys):
    code, _ = run_cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "-30", "--time-limit", "5/2")
    assert code == 0
    code, err = run_cli(capsys, "verify", THERMO, "--plan", PLAN, "--tightest", "--node-bud", "5")
    assert code == 2 and "--node-bud" in err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("warrant ")


def test_empty_output_name_and_directory_certificate(capsys, tmp_path):
    code, err = run_cli(capsys, "verify", THERMO, "--plan", PLAN, "--bound", "-30", "--cert", "")
    assert code == 2 and "--cert: empty file name" in err
    code, err = run_cli(capsys, "check-cert", THERMO, str(tmp_path))     # an input, not an output
    assert code == 2 and "cannot read certificate" in err and "--cert" not in err


def test_corpus_out_that_is_a_file_is_refused_before_any_work(capsys, tmp_path):
    target = tmp_path / "goals"
    target.write_text("")
    code, err = run_cli(capsys, "corpus", "build", "--out", str(target), "--per-domain", "1", THERMO)
    assert code == 2 and "not a directory" in err


def test_bench_table_without_decided_plans_says_so(capsys):
    thermo = str(next(p for p in domain_files() if p.stem == "thermostat"))   # at H=1 its roots close: no choice made
    code = main(["bench", thermo, "--horizon", "1", "--goals", "1", "--strategies", "smear", "--node-budget", "50",
                 "--time-limit", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "None" not in out and "no decided plan" in out
