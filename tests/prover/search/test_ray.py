"""The Ray executor on a real local Ray instance (two CPUs, started once for this module):
results are the local executor's, the learned checkpoint reaches Ray workers through its
PolicySpec, and a sub-goal whose worker is killed is run again."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from corpus import domain_files
from planner.cli import main
from prover.check.checker import check_certificate
from prover.search.distributed import run_subgoal, verify_split
from prover.search.executor import RayExecutor, make_executor
from prover.search.jobs import VerifyJob, run_verify
from prover.policy.spec import PolicySpec
from prover.search.loop import Budget

from tests.prover.search.test_distributed import BUDGET, goal

ray = pytest.importorskip("ray", reason="ray is not installed: pip install -e '.[ray]'")
PROXY = next(p for p in domain_files() if p.stem == "proxy")
SIR = next(p for p in domain_files() if p.stem == "sir")


@pytest.fixture(scope="module")
def cluster():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    ray.shutdown()


def cli_json(capsys, *argv) -> tuple[int, dict]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def _plain(obj: dict) -> dict:
    """A JSON result without its wall times (the only thing the executor may change)."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items() if k != "time_s"}
    return [_plain(v) for v in obj] if isinstance(obj, list) else obj


def test_plan_and_verify_on_ray_is_the_local_pools_result(cluster, capsys, tmp_path):
    argv = ["plan-and-verify", str(PROXY), "--workers", "2", "--json"]
    code_local, local = cli_json(capsys, *argv, "--cert", str(tmp_path / "local.json"))
    code_ray, on_ray = cli_json(capsys, *argv, "--executor", "ray", "--cert", str(tmp_path / "ray.json"))
    assert code_local == code_ray == 0 and on_ray["selected"]["verdict"] == "proved"
    assert _plain(on_ray) == _plain(local)
    cert = json.loads((tmp_path / "ray.json").read_text())
    from dsl.load import load_domain
    assert check_certificate(load_domain(PROXY), cert).bound == Fraction(on_ray["selected"]["lower_bound"])


def test_bench_on_ray_is_the_in_process_result(cluster, capsys):
    argv = ["bench", str(next(p for p in domain_files() if p.stem == "thermostat")), "--goals", "2",
            "--strategies", "z3,smear,heuristic", "--time-limit", "60", "--json"]
    _, local = cli_json(capsys, *argv)
    _, on_ray = cli_json(capsys, *argv, "--executor", "ray", "--workers", "2")
    assert _plain(on_ray["goals"]) == _plain(local["goals"]) and _plain(on_ray["tightest"]) == _plain(local["tightest"])


def test_the_learned_checkpoint_reaches_ray_workers(cluster, tmp_path):
    """A Ray worker loads the checkpoint its job's PolicySpec names: the search it runs is the
    one this process runs with that network, and a checkpoint missing there fails there."""
    import torch
    from prover.policy import checkpoint
    from prover.policy.net import PolicyConfig, PolicyNet
    torch.manual_seed(0)
    stem = tmp_path / "tiny"
    checkpoint.save(PolicyNet(PolicyConfig(d_model=16, n_layers=1, d_ff=32)).eval(), stem)
    from dsl.load import load_domain
    from dsl.plan import parse_plan
    from tests.prover.policy.test_policy_spec import PLAN
    d = load_domain(SIR, 12)
    job = VerifyJob.of(d, parse_plan(PLAN, d), None, PolicySpec("learned", str(stem)), Budget(60, 40, Fraction(0)))
    ex = RayExecutor(2)
    (there,) = list(ex.map(run_verify, [job]))
    here = run_verify(job)
    assert (there.nodes, there.lower_bound) == (here.nodes, here.lower_bound) and there.policy_stats["forwards"] > 0
    for f in checkpoint.paths(stem):
        f.unlink()
    with pytest.raises(checkpoint.CheckpointError, match="tiny"):
        list(ex.map(run_verify, [job]))


def test_a_split_proof_on_ray_is_the_local_verdict_and_checks_as_a_whole(cluster):
    d, plan, bound = goal(1)
    local = verify_split(d, plan, bound, PolicySpec("smear"), BUDGET, make_executor("local", 1), lead_nodes=4)
    on_ray = verify_split(d, plan, bound, PolicySpec("smear"), BUDGET, RayExecutor(2), lead_nodes=4)
    assert on_ray.verdict == local.verdict == "proved" and on_ray.lower_bound == local.lower_bound == bound
    assert on_ray.certificate["stats"]["sub_goals"] > 1
    assert check_certificate(d, on_ray.certificate).bound == bound


@pytest.mark.parametrize("retries, verdict", [(3, "proved"), (0, "unknown")])
def test_a_killed_ray_worker_has_its_sub_goal_retried(cluster, tmp_path, retries, verdict):
    marker = tmp_path / "died"

    def die_once(job):            # a closure: Ray ships it by value to its workers
        if not marker.exists():
            marker.write_text("died")
            os._exit(1)
        return run_subgoal(job)

    d, plan, bound = goal(0)
    r = verify_split(d, plan, bound, PolicySpec("smear"), BUDGET, RayExecutor(2, max_retries=retries),
                     task=die_once, lead_nodes=4)
    assert marker.exists(), "a worker was killed"
    assert r.verdict == verdict
    if verdict == "proved":
        assert check_certificate(d, r.certificate).bound == bound
    else:                         # without Ray's retries the sub-goal is lost: no proof is claimed
        assert "lost with their workers" in r.note and r.certificate is None


def test_without_ray_the_ray_executor_is_a_usage_error_naming_the_install():
    code = ("import sys; sys.modules['ray'] = None; from planner.cli import main; "
            f"sys.exit(main(['plan-and-verify', {str(PROXY)!r}, '--executor', 'ray']))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(Path(__file__).parents[3]))
    assert p.returncode == 2 and "pip install -e '.[ray]'" in p.stderr and "Traceback" not in p.stderr
