"""`simulate --csv/--plot` write every state and the reward per step; `verify
--save-counterexample` writes the scenario file `simulate --scenario` reads, and simulating it
reproduces the violation (or the reward below the bound)."""
from __future__ import annotations

import csv
import json
from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import load_json
from planner.cli import main

PROXY = next(p for p in domain_files() if p.stem == "proxy")
PORTFOLIO = next(p for p in domain_files() if p.stem == "portfolio")
GREEDY = "fast; fast; fast; fast; fast"


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_csv_has_every_state_and_the_reward_of_every_step(capsys, tmp_path):
    path, plot = tmp_path / "run.csv", tmp_path / "run.png"
    plan = known_plan(PORTFOLIO)
    code, out, _ = cli(capsys, "simulate", PORTFOLIO, "--plan", plan, "--scenario", "random", "--seed", "4",
                       "--csv", path, "--plot", plot)
    assert code == 0 and f"wrote {path}" in out and plot.stat().st_size > 5000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(path.open()))
    d = load_domain(PORTFOLIO)
    assert list(rows[0]) == ["t", "action", "ret", "risky", "cash", "r_action", "r_step", "r_final", "reward"]
    assert [int(r["t"]) for r in rows] == list(range(d.horizon + 1))
    code, out, _ = cli(capsys, "simulate", PORTFOLIO, "--plan", plan, "--scenario", "random", "--seed", "4", "--json")
    trace = json.loads(out)["trace"]
    for row, step in zip(rows[1:], trace):
        for name in ("risky", "cash"):
            assert abs(float(row[name]) - float(Fraction(step["state"][name]))) <= 1e-12 * max(1, abs(float(row[name])))
        assert abs(float(row["reward"]) - float(Fraction(step["action_reward"]) + Fraction(step["step_reward"]) +
                                                 (Fraction(json.loads(out)["final_reward"]) if step is trace[-1] else 0))) < 1e-12
    # the final reward is on the last row only
    assert rows[-1]["r_final"] != "" and all(r["r_final"] == "" for r in rows[:-1])


def test_a_saved_counterexample_replays_the_violation(capsys, tmp_path):
    saved = tmp_path / "cex.json"
    code, out, _ = cli(capsys, "verify", PROXY, "--plan", GREEDY, "--bound", "0", "--save-counterexample", saved)
    assert code == 1 and f"counterexample scenario written to {saved}" in out
    d = load_domain(PROXY)
    o = run(d, parse_plan(GREEDY, d), load_json(d, str(saved)))
    assert not o.valid and o.violation.condition == "stress <= 12"
    code, out, _ = cli(capsys, "simulate", PROXY, "--plan", GREEDY, "--scenario", saved)
    assert code == 1 and "INVALID: safe violated" in out


def test_a_saved_counterexample_replays_the_low_reward(capsys, tmp_path):
    saved = tmp_path / "low.json"
    plan = known_plan(PROXY)                         # valid, worst case 16
    code, out, _ = cli(capsys, "verify", PROXY, "--plan", plan, "--bound", "17", "--save-counterexample", saved,
                       "--json")
    assert code == 1 and json.loads(out)["counterexample"]["value"] == "16"
    code, out, _ = cli(capsys, "simulate", PROXY, "--plan", plan, "--scenario", saved, "--json")
    assert code == 0 and Fraction(json.loads(out)["reward"]) < 17


def test_nothing_is_saved_when_nothing_is_refuted(capsys, tmp_path):
    saved = tmp_path / "none.json"
    code, out, _ = cli(capsys, "verify", PROXY, "--plan", known_plan(PROXY), "--bound", "10",
                       "--save-counterexample", saved)
    assert code == 0 and "no counterexample written" in out and not saved.exists()
