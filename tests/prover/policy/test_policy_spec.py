"""The learned strategy's checkpoint reaches worker processes through the PolicySpec carried
in the options (issue 13 item 3): no module state decides which network a worker loads."""
from __future__ import annotations

import json
from fractions import Fraction

from corpus import known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from planner.cli import main
from prover.policy.spec import PolicySpec
from prover.search.loop import Budget
from prover.search.verify import verify_search

from tests.prover.policy.conftest import SIR

# SIR at H = 12 with four more distancing steps, the learned strategy's goal of these tests.
PLAN = "distance(2); " * 4 + known_plan(SIR)


def searched(spec: PolicySpec):
    d = load_domain(SIR, 12)
    return verify_search(d, parse_plan(PLAN, d), None, "learned", Budget(20_000, 40, Fraction(1, 100)),
                         policy=spec.make())


def plan_and_verify(capsys, *extra) -> dict:
    code = main(["plan-and-verify", str(SIR), "--horizon", "12", "--beam", "20", "--candidates", "1",
                 "--rounds", "1", "--strategy", "learned", "--plan", PLAN, "--json", *extra])
    out, err = capsys.readouterr()
    assert code in (0, 3) and "Traceback" not in err
    return next(c for c in json.loads(out)["candidates"] if "; ".join(c["plan"]) == PLAN)


def test_plan_and_verify_workers_search_with_the_checkpoint_they_are_given(capsys, monkeypatch, tiny_checkpoint):
    """Each candidate's result comes back from a worker process with the record of the weights
    file its policy loaded: a worker that used the shipped network instead (module state, a
    default) would report the shipped file. (The goal closes at the root, so node counts alone
    could not tell the two networks apart.)"""
    import os
    import planner.cli.plan
    from prover.policy.learned import weights_file
    from prover.search import executor
    finished, pids = [], set()
    real, real_map = planner.cli.plan.plan_and_verify, executor.LocalPool.map

    def keep(*args, **kw):                 # the PlanResult the CLI renders
        finished.append(real(*args, **kw))
        return finished[-1]

    def map_noting_workers(self, fn, jobs):
        pids.update(self.pool.submit(os.getpid).result() for _ in range(4))
        return real_map(self, fn, jobs)
    monkeypatch.setattr(planner.cli.plan, "plan_and_verify", keep)
    monkeypatch.setattr(executor.LocalPool, "map", map_noting_workers)
    tiny = searched(PolicySpec("learned", str(tiny_checkpoint)))
    got = plan_and_verify(capsys, "--workers", "2", "--checkpoint", str(tiny_checkpoint))
    assert got["stats"]["nodes"] == tiny.nodes and got["lower_bound"] == str(tiny.lower_bound)
    assert pids and os.getpid() not in pids, "the candidates were verified in worker processes"
    reports = [c for r in finished[0].rounds for c in r.candidates]
    assert reports and {c.result.policy_stats["checkpoint"] for c in reports} == {str(weights_file(tiny_checkpoint))}
    assert weights_file(tiny_checkpoint) != weights_file(None)


def test_a_worker_loads_the_checkpoint_its_job_names(tmp_path, tiny_checkpoint):
    """The driver has loaded the copy (as the CLI does before any search); the copy then goes
    away. A worker that reads its PolicySpec fails on the missing file; one that inherited the
    driver's network (module state, a forked copy of it) would search with it unnoticed."""
    import shutil
    import pytest
    from prover.search.executor import LocalPool
    from prover.search.jobs import VerifyJob, run_verify
    from prover.policy.checkpoint import CheckpointError, paths
    stem = tmp_path / "copy"
    for src, dst in zip(paths(tiny_checkpoint), paths(stem)):
        shutil.copy(src, dst)
    spec = PolicySpec("learned", str(stem))
    spec.load()
    for f in paths(stem):
        f.unlink()
    d = load_domain(SIR, 12)
    pool = LocalPool(2)
    try:
        with pytest.raises(CheckpointError, match="copy"):
            list(pool.map(run_verify, [VerifyJob.of(d, parse_plan(PLAN, d), None, spec, Budget(50, 20))]))
    finally:
        pool.close()


def test_a_policy_spec_is_a_frozen_value_that_pickles():
    import pickle
    spec = PolicySpec("learned", "some/stem", "cpu")
    assert pickle.loads(pickle.dumps(spec)) == spec and hash(spec) == hash(PolicySpec("learned", "some/stem"))


def test_harvesting_searches_on_a_local_pool_give_the_in_process_labels(sir_goal):
    import numpy as np
    from prover.search.executor import LocalPool
    from prover.policy.train import TrainConfig, label_goals
    cfg = TrainConfig("unused", "unused", node_budget=300, time_limit=30, per_goal=16)
    goals = [sir_goal, sir_goal]
    here, proved_here = label_goals(goals, PolicySpec("smear"), cfg, 0, lambda: None)
    pool = LocalPool(2)
    try:
        there, proved_there = label_goals(goals, PolicySpec("smear"), cfg, 0, lambda: None, pool)
    finally:
        pool.close()
    assert proved_here == proved_there and len(here["label"]) > 0 and set(here) == set(there)
    for k in here:
        np.testing.assert_array_equal(here[k], there[k])
