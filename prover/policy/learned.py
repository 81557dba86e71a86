"""The `learned` strategy: the policy network proposes, the interval evaluator confirms.

Per search iteration, one forward pass for all the popped nodes gives each node a pointer
over its variables and a split point per variable. The heuristic's candidates (every variable
at its midpoint) and the top-k variables of the pointer, each at its predicted point and at
3/8, 1/2 and 5/8 of its width, are the candidates (the heuristic's first, so they win ties:
the network adds candidates, it never hides the hand rule's); strong branching over them
(prover.policy.branching: interval facts, then the mean-value form, batched) picks the split that
closes the largest share of the box at once, then the best worst child.
SMT calls follow the heuristic's schedule. Soundness never depends on any of this: the
search closes goals only by checked tactics.
"""
from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

from prover.policy.branching import closed_share, frac_split
from prover.policy.features import features
from prover.policy.hand import Heuristic


def weights_file(checkpoint: str | None = None):
    """The weights file of `checkpoint` (None: the shipped one)."""
    from prover.policy import DEFAULT_CHECKPOINT
    from prover.policy.checkpoint import paths
    return paths(DEFAULT_CHECKPOINT if checkpoint is None else checkpoint)[0]


def load_model(checkpoint: str | None = None, device: str = "cpu"):
    """The network stored at `checkpoint` (None: the shipped one), loaded once per process and
    file version: a training run rewrites its working checkpoint between rounds."""
    weights = weights_file(checkpoint)
    stamp = weights.stat().st_mtime_ns if weights.is_file() else None
    return _cached_model(None if checkpoint is None else str(checkpoint), device, stamp)


@lru_cache(maxsize=4)
def _cached_model(stem: str | None, device: str, stamp):
    import torch
    from prover.policy import checkpoint
    # Forward passes here are tiny (16 nodes × tens of variables): one thread is fastest, and
    # extra threads spin against the interval evaluator (and other processes) on a busy machine.
    torch.set_num_threads(1)
    return checkpoint.load(stem, device)


class LearnedPolicy(Heuristic):
    name = "learned"
    score = staticmethod(closed_share)
    top_k = 2                           # variables of the pointer to try (docs/training.md: 3 cost
                                        # a drone proof its time limit, 1 lost the SIR gains)
    points = (0.5, 0.375, 0.625)        # fixed split points tried besides the predicted one

    def __init__(self, model=None, device: str = "cpu", checkpoint: str | None = None):
        super().__init__()
        self.device = device
        self.model = model if model is not None else load_model(checkpoint, device)
        # where the network came from (the weights file; None: a model handed over in memory),
        # seconds in features + forward passes, and the number of forward passes, of this policy;
        # a worker's VerifyResult carries them back (its policy_stats)
        self.stats = {"checkpoint": None if model is not None else str(weights_file(checkpoint)),
                      "infer_s": 0.0, "forwards": 0}

    def predict(self, x: np.ndarray, mask: np.ndarray):
        """One forward pass: (B, V) logits, (B, V) fractions, (B,) values as numpy."""
        import torch
        with torch.inference_mode():
            xt = torch.from_numpy(x).to(self.device)                                 # (B, V, F)
            mt = torch.from_numpy(mask).to(self.device)                              # (B, V)
            logits, frac, value = self.model(xt, mt)
        self.stats["forwards"] += 1
        return logits.cpu().numpy(), frac.cpu().numpy(), value.cpu().numpy()

    def candidates(self, nodes, ctx):
        """The heuristic's candidates (every variable at its midpoint, smear's order: ties go to
        them), then the pointer's top-k variables at the predicted and the fixed points."""
        smear = self.scores_batch(nodes, ctx)                                        # (B, V)
        start = time.perf_counter()
        x, mask = features(nodes, ctx.variables, smear, ctx.target)
        logits, frac, _ = self.predict(x, mask)
        self.stats["infer_s"] += time.perf_counter() - start
        cands = []
        for n, row, fr, s_row in zip(nodes, logits, frac, smear):
            splits = [frac_split(n, int(i), 0.5, ctx.variables) for i in np.argsort(-s_row, kind="stable")
                      if s_row[i] >= 0]
            splits = [sp for sp in splits if sp is not None]
            for i in [int(i) for i in np.argsort(-row) if np.isfinite(row[i])][: self.top_k]:
                for f in (fr[i], *self.points):
                    sp = frac_split(n, i, f, ctx.variables)
                    if sp is not None and sp not in splits:
                        splits.append(sp)
            cands.append(splits)
        return cands
