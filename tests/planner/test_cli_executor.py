"""The executor options on the command line: `verify --split-workers`, and `bench` / `corpus
build` on a local pool giving the in-process results (Ray: tests/prover/test_ray.py)."""
from __future__ import annotations

import json

from corpus import domain_files
from planner.cli import main

from tests.prover.search.test_distributed import DRONE, GOALS

THERMO = next(p for p in domain_files() if p.stem == "thermostat")


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_verify_split_across_two_workers_writes_a_certificate_check_cert_accepts(capsys, tmp_path):
    plan, bound = GOALS[1]
    cert = tmp_path / "split.json"
    code, out, _ = cli(capsys, "verify", str(DRONE), "--plan", plan, "--bound", bound, "--split-workers", "2",
                       "--time-limit", "120", "--cert", str(cert), "--json")
    result = json.loads(out)
    assert code == 0 and result["verdict"] == "proved" and result["lower_bound"] == bound
    assert json.loads(cert.read_text())["stats"]["split_workers"] == 2
    assert cli(capsys, "check-cert", str(DRONE), str(cert))[0] == 0


def test_executor_options_that_do_not_apply_are_usage_errors(capsys):
    plan, bound = GOALS[0]
    code, _, err = cli(capsys, "verify", str(DRONE), "--plan", plan, "--bound", bound, "--executor", "ray")
    assert code == 2 and "--split-workers" in err
    code, _, err = cli(capsys, "plan-and-verify", str(THERMO), "--ray-address", "auto")
    assert code == 2 and "--executor ray" in err
    code, _, err = cli(capsys, "bench", str(THERMO), "--workers", "0")
    assert code == 2 and "--workers" in err


def _no_times(obj):
    if isinstance(obj, dict):
        return {k: _no_times(v) for k, v in obj.items() if k != "time_s"}
    return [_no_times(v) for v in obj] if isinstance(obj, list) else obj


def test_bench_on_a_local_pool_gives_the_in_process_table(capsys):
    argv = ["bench", str(THERMO), "--goals", "3", "--strategies", "z3,largest-first,heuristic",
            "--time-limit", "60", "--json"]
    one = json.loads(cli(capsys, *argv)[1])
    two = json.loads(cli(capsys, *argv, "--workers", "2")[1])
    assert _no_times(one["goals"]) == _no_times(two["goals"]) and _no_times(one["tightest"]) == _no_times(two["tightest"])
    assert len(one["goals"]) == 3


def test_corpus_build_on_a_local_pool_writes_the_same_corpus(capsys, tmp_path):
    battery, grid = str(THERMO.parent / "battery.rwd"), str(THERMO.parent / "grid_delivery.rwd")
    for name, extra in (("one", ()), ("two", ("--workers", "2"))):
        code, _, _ = cli(capsys, "corpus", "build", "--out", str(tmp_path / name), "--per-domain", "2", "--seed", "3",
                         battery, grid, *extra)
        assert code == 0
    assert (tmp_path / "one" / "goals.jsonl").read_text() == (tmp_path / "two" / "goals.jsonl").read_text()
