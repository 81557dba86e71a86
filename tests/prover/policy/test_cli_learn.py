"""`warrant corpus build`, `warrant eval` and `warrant bench --strategies learned` end to end
on tiny suites."""
from __future__ import annotations

import json
from pathlib import Path

from corpus import known_plan
from planner.cli import main

from tests.prover.policy.conftest import SIR


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_corpus_build_is_deterministic_and_split_by_domain(capsys, tmp_path):
    from corpus import goalset
    battery, grid = str(SIR.parent / "battery.rwd"), str(SIR.parent / "grid_delivery.rwd")
    for name in ("a", "b"):
        code, out, _ = cli(capsys, "corpus", "build", "--out", str(tmp_path / name), "--per-domain", "2",
                           "--seed", "3", battery, grid)
        assert code == 0 and "goals written" in out
    a = (tmp_path / "a" / "goals.jsonl").read_text()
    assert a == (tmp_path / "b" / "goals.jsonl").read_text()
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["splits"]["test"] == ["grid_delivery.rwd"] and manifest["splits"]["validation"] == ["battery.rwd"]
    records = goalset.load_records(tmp_path / "a")
    assert {r.split for r in records} == {"test", "validation"} and all(r.probe != "refuted" for r in records)
    goal = goalset.to_goal(records[0])
    assert goal.bound < goal.worst_found


def test_eval_runs_every_strategy_on_a_tiny_suite(capsys, tmp_path, tiny_checkpoint):
    plot = tmp_path / "eval.png"
    code, out, _ = cli(capsys, "eval", str(SIR), "--goals", "1", "--strategies", "smear,heuristic,learned",
                       "--checkpoint", str(tiny_checkpoint), "--node-budget", "300", "--time-limit", "5",
                       "--json", "--plot", str(plot))
    assert code == 0 and plot.stat().st_size > 1000
    table = json.loads(out)
    assert set(table["strategies"]) == {"smear", "heuristic", "learned"}
    assert table["strategies"]["learned"]["goals"] == 1
    # the lp leaf may close the goal at the root, before any split asks the network
    # (test_one_forward_pass_per_search_iteration counts forward passes where splits happen)
    assert table["learned_inference"]["forwards"] >= 0
    assert table["goals"][0]["results"]["learned"]["verdict"] in ("proved", "unknown", "refuted")


def test_bench_accepts_the_learned_strategy(capsys, tiny_checkpoint):
    code, out, _ = cli(capsys, "bench", str(SIR), "--goals", "1", "--strategies", "learned",
                       "--checkpoint", str(tiny_checkpoint), "--node-budget", "200", "--time-limit", "5", "--json")
    assert code == 0 and json.loads(out)["strategies"]["learned"]["goals"] == 1


def test_verify_uses_the_checkpoint_it_is_given(capsys, tmp_path, tiny_checkpoint):
    cert = tmp_path / "c.json"
    plan = known_plan(SIR)
    code, out, _ = cli(capsys, "verify", str(SIR), "--plan", plan, "--bound", "-1000", "--strategy", "learned",
                       "--checkpoint", str(tiny_checkpoint), "--cert", str(cert))
    assert code == 0 and json.loads(cert.read_text())["strategy"] == "learned"
    assert cli(capsys, "check-cert", str(SIR), str(cert))[0] == 0
    code, _, err = cli(capsys, "verify", str(SIR), "--plan", plan, "--bound", "-1000", "--strategy", "learned",
                       "--checkpoint", str(tmp_path / "nothing"))
    assert code == 2 and "nothing" in err
    code, _, err = cli(capsys, "plan-and-verify", str(SIR), "--checkpoint", str(tiny_checkpoint))
    assert code == 2 and "only used by --strategy learned" in err


def test_train_never_overwrites_the_shipped_checkpoint_by_default(capsys, tmp_path):
    from planner.cli.main import build_parser
    from prover.policy import DEFAULT_CHECKPOINT
    args = build_parser()[0].parse_args(["train"])
    assert Path(args.out).resolve() != DEFAULT_CHECKPOINT.resolve()
    code, _, err = cli(capsys, "train", "--corpus", str(SIR.parents[1] / "goalset"), "--out", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_max_goals_must_be_positive(capsys):
    code, _, err = cli(capsys, "eval", "--max-goals", "0")
    assert code == 2 and "--max-goals" in err
