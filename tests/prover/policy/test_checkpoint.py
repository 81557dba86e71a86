"""Checkpoints round-trip exactly; a missing or incompatible one is a one-line input error."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dsl.errors import InputError
from planner.cli import main

from tests.prover.policy.conftest import THERMO


def random_batch(model, seed=0, B=5, V=7, N=20):
    """B random samples of one random DAG with N nodes (the first V of them variables)."""
    from prover.policy.net import collate
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, V, model.config.n_features))                      # (B, V, F)
    mask = rng.random((B, V)) > 0.2
    mask[:, 0] = True
    nodes = [rng.normal(size=(N, model.config.n_node_features)) for _ in range(B)]
    dst = rng.integers(V, N, size=30)
    src = np.array([rng.integers(0, d) for d in dst])                          # operands come first
    return collate(x, mask, np.ones_like(mask), nodes, [(src, dst)] * B)


def _outputs(model, seed=0):
    import torch
    with torch.no_grad():
        return [t.numpy() for t in model(random_batch(model, seed))]


def test_save_then_load_gives_identical_outputs(tiny_net, tiny_checkpoint):
    from prover.policy import checkpoint
    loaded = checkpoint.load(tiny_checkpoint)
    assert loaded.config == tiny_net.config
    for a, b in zip(_outputs(tiny_net), _outputs(loaded)):
        np.testing.assert_array_equal(a, b)


def test_missing_checkpoint_is_an_input_error(tmp_path):
    from prover.policy import checkpoint
    with pytest.raises(InputError, match="warrant train"):
        checkpoint.load(tmp_path / "nothing")


def test_incompatible_checkpoint_is_an_input_error(tiny_checkpoint, tmp_path):
    from prover.policy import checkpoint
    weights, config = checkpoint.paths(tiny_checkpoint)
    stem = tmp_path / "old"
    (tmp_path / "old.safetensors").write_bytes(weights.read_bytes())
    raw = json.loads(config.read_text())
    raw["config"]["feature_version"] = 0
    (tmp_path / "old.json").write_text(json.dumps(raw))
    with pytest.raises(InputError, match="features v0"):
        checkpoint.load(stem)
    raw["config"]["feature_version"] += 1
    raw["config"]["d_model"] = 32                       # the weights no longer fit
    (tmp_path / "old.json").write_text(json.dumps(raw).replace('"feature_version": 1', '"feature_version": 1'))
    raw["config"]["feature_version"] = checkpoint.FEATURE_VERSION
    (tmp_path / "old.json").write_text(json.dumps(raw))
    with pytest.raises(InputError, match="does not fit"):
        checkpoint.load(stem)


def test_cli_reports_a_missing_checkpoint_without_traceback(capsys, tmp_path):
    code = main(["eval", str(THERMO), "--goals", "1", "--strategies", "learned",
                 "--checkpoint", str(tmp_path / "missing")])
    out, err = capsys.readouterr()
    assert code == 2
    assert "not found" in err and "warrant train" in err and "Traceback" not in out + err
