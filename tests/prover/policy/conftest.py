"""Shared fixtures of the policy tests: a small untrained network saved as a checkpoint, and
oracle labels from one short search (the same SIR goal every test reuses)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from corpus.goals import BenchGoal
from dsl.load import load_domain
from dsl.plan import parse_plan
from tests.examples import SIR, SIR_H12, THERMOSTAT as THERMO  # noqa: F401 (SIR, THERMO: the policy tests import them from here)


@pytest.fixture(scope="session")
def sir_goal():
    """SIR's known plan after four more distancing steps (H = 12), the bound 1% below the worst
    found: smear needs about 40 nodes (pinned mean-value leaves close the H = 8 goal in 8)."""
    d = load_domain(SIR_H12.path, SIR_H12.horizon)
    return BenchGoal(d, parse_plan(SIR_H12.plan, d), SIR_H12.bound, SIR_H12.worst_found, Fraction(1, 100))


@pytest.fixture(scope="session")
def tiny_net():
    import torch
    from prover.policy.net import PolicyConfig, PolicyNet
    torch.manual_seed(0)
    return PolicyNet(PolicyConfig(d_model=16, n_layers=1, d_ff=32)).eval()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_net):
    from prover.policy import checkpoint
    stem = tmp_path_factory.mktemp("ckpt") / "tiny"
    checkpoint.save(tiny_net, stem, {"note": "untrained, for tests"})
    return stem


@pytest.fixture(scope="session")
def sir_labels(sir_goal):
    from prover.policy.oracle import harvest
    from prover.search.loop import Budget
    samples, verdict, nodes = harvest(sir_goal, 0, "smear", Budget(300, 10), per_goal=64, seed=0)
    return samples
