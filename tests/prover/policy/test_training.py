"""Oracle labels and training: labels are well formed, and a few epochs reduce the loss."""
from __future__ import annotations

import math

import numpy as np


def test_oracle_labels_are_splittable_variables_with_subtree_sizes(sir_labels):
    assert len(sir_labels) >= 8          # the search takes about 20 nodes (mean-value leaves included)
    for s in sir_labels:
        assert s.mask[s.label], "the oracle only picks variables that can be split"
        assert np.all((s.fracs > 0) & (s.fracs < 1))
    closed = [s.value for s in sir_labels if not math.isnan(s.value)]
    assert closed and min(closed) >= math.log(3), "an expanded node's closed subtree has >= 3 nodes"


def test_a_few_epochs_reduce_the_loss(sir_labels, sir_goal, tmp_path):
    import torch
    from prover.policy.net import PolicyConfig, PolicyNet
    from prover.policy.train import TrainConfig, attach_graphs, fit, run_epoch, to_arrays
    torch.manual_seed(0)
    model = PolicyNet(PolicyConfig(d_model=16, n_layers=1, d_ff=32))
    data = attach_graphs(to_arrays(sir_labels), [sir_goal])
    cfg = TrainConfig(str(tmp_path), str(tmp_path / "m"), lr=5e-3, batch_size=32)
    before = run_epoch(model, data, None, cfg, None)["loss"]
    history = fit(model, data, None, 15, cfg, "test", lambda row: None)
    after = run_epoch(model, data, None, cfg, None)["loss"]
    assert len(history) == 15
    assert after < 0.8 * before, (before, after)


def test_padding_mixes_goals_with_different_variable_counts(sir_labels):
    from prover.policy.train import concat, to_arrays
    a = to_arrays(sir_labels[:4])
    wide = [type(s)(np.pad(s.x, ((0, 2), (0, 0))), np.pad(s.mask, (0, 2)), s.label,
                    np.pad(s.fracs, (0, 2), constant_values=0.5), s.value, 1, np.pad(s.lo, (0, 2)),
                    np.pad(s.hi, (0, 2))) for s in sir_labels[:3]]
    both = concat(a, to_arrays(wide))
    assert both["x"].shape[:2] == (7, a["x"].shape[1] + 2)
    assert not both["present"][:4, -2:].any() and both["present"][4:].all()


def test_train_writes_a_loadable_checkpoint_and_resumes(sir_goal, tmp_path):
    from prover.policy import checkpoint
    from prover.policy.net import PolicyConfig
    from prover.policy.train import TrainConfig, train
    cfg = TrainConfig(str(tmp_path), str(tmp_path / "p"), epochs=2, rounds=1, round_epochs=1, per_goal=16,
                      node_budget=120, time_limit=5, batch_size=16)
    small = PolicyConfig(d_model=16, n_layers=1, d_ff=32)
    calls, rows = [], []
    result = train(cfg, [sir_goal], [], rows.append, lambda *a: calls.append(a), small)
    assert result["labels"] > 0 and [p["round"] for p in result["proved"]] == [0, 1]
    assert {c[0] for c in calls} >= {"oracle labels", "round 1 searches"}
    first = checkpoint.load(tmp_path / "p")
    calls.clear()
    rows.clear()
    train(cfg, [sir_goal], [], rows.append, lambda *a: calls.append(a), small)
    assert rows[0] == {"resumed_after": "round1"} and not calls, "a finished run is not searched again"
    again = checkpoint.load(tmp_path / "p")
    for a, b in zip(first.state_dict().values(), again.state_dict().values()):
        assert (a == b).all()


def test_features_of_variables_of_other_kinds():
    """A horizon cut introduces state variables of kind "cut": they read as initial states,
    and a kind the network has never seen gets no kind feature instead of an error."""
    from fractions import Fraction
    from prover.policy.features import static_features
    from prover.calculus.unroll import UVar
    vs = (UVar("h@0", "init", "h", 0, "real", Fraction(4), Fraction(5)),
          UVar("h@4", "cut", "h", 4, "real", Fraction(0), Fraction(40)),
          UVar("z", "something-new", "z", None, "real", Fraction(0), Fraction(1)))
    f = static_features(vs)
    assert (f[0] == f[1]).all() and f[2, :3].sum() == 0
