"""The `learned` strategy: the graph network chooses, strong branching only where it is unsure.

Per search iteration, one forward pass over the lifted DAGs of all the popped nodes (net.py,
graph.py) gives each node a pointer over its variables and a split point per variable. Where
the network is sure — the pointer's top-1 probability exceeds its top-2 by `sure_gap` — its
top variable at its predicted point is the split, and only that split's two children are
evaluated (the search reuses them). Elsewhere the candidates are the heuristic's (every
variable at its midpoint, first, so they win ties) and the pointer's top-k variables at the
predicted point and at 3/8, 1/2 and 5/8 of their width, and strong branching
(prover.policy.branching: interval facts, then the mean-value form, batched) picks the split that
closes the largest share of the box at once, then the best worst child. So the full cost of
strong branching is paid only at the nodes the network cannot decide.
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
    """The network's split where it is sure, strong branching where it is not (module doc)."""

    name = "learned"
    score = staticmethod(closed_share)
    top_k = 2                           # variables of the pointer to try when unsure
    points = (0.5, 0.375, 0.625)        # fixed split points tried besides the predicted one
    sure_gap = 0.35                     # top-1 minus top-2 pointer probability at which the network
                                        # is trusted alone (docs/training.md: how it was chosen)

    def __init__(self, model=None, device: str = "cpu", checkpoint: str | None = None):
        super().__init__()
        self.device = device
        self.model = model if model is not None else load_model(checkpoint, device)
        self.graphs: dict = {}          # id(evaluator) → (evaluator, its GoalGraph), per search part
        # where the network came from (the weights file; None: a model handed over in memory),
        # seconds in features + forward passes, forward passes, and nodes decided by the network
        # alone ("sure") or by strong branching; a worker's VerifyResult carries them back
        self.stats = {"checkpoint": None if model is not None else str(weights_file(checkpoint)),
                      "infer_s": 0.0, "forwards": 0, "sure": 0, "unsure": 0}

    def graph(self, ctx):
        from prover.policy.graph import GoalGraph
        hit = self.graphs.get(id(ctx.evaluator))
        if hit is None or hit[0] is not ctx.evaluator:
            hit = self.graphs[id(ctx.evaluator)] = (ctx.evaluator, GoalGraph.of(ctx.evaluator))
        return hit[1]

    def predict(self, nodes, ctx, smear: np.ndarray):
        """One forward pass for all `nodes`: (B, V) logits, (B, V) fractions, (B,) values."""
        import torch
        from prover.policy.dataset import node_features
        from prover.policy.net import collate
        x, mask = features(nodes, ctx.variables, smear, ctx.target)                   # (B, V, F), (B, V)
        g = self.graph(ctx)
        feats = node_features(g, np.array([n.flo for n in nodes]), np.array([n.fhi for n in nodes]))
        batch = collate(x, mask, np.ones_like(mask), list(feats), [(g.src, g.dst)] * len(nodes), self.device)
        with torch.inference_mode():
            logits, frac, value = self.model(batch)
        self.stats["forwards"] += 1
        return logits.cpu().numpy(), frac.cpu().numpy(), value.cpu().numpy()

    def candidates(self, nodes, ctx):
        """Per node: the pointer's top variable at its predicted point alone where the network is
        sure (top-2 probability gap >= sure_gap); else the heuristic's candidates (every variable
        at its midpoint, smear's order: ties go to them) and the pointer's top-k variables at the
        predicted and the fixed points."""
        smear = self.scores_batch(nodes, ctx)                                        # (B, V)
        start = time.perf_counter()
        logits, frac, _ = self.predict(nodes, ctx, smear)
        self.stats["infer_s"] += time.perf_counter() - start
        return [self._node_candidates(n, row, fr, s_row, ctx) for n, row, fr, s_row in zip(nodes, logits, frac, smear)]

    def _node_candidates(self, n, row, fr, s_row, ctx) -> list:
        order = [int(i) for i in np.argsort(-row) if np.isfinite(row[i])]
        p = np.exp(row[order] - row[order[0]]) if order else np.zeros(0)
        p = p / p.sum() if len(p) else p
        if len(p) and (len(p) == 1 or p[0] - p[1] >= self.sure_gap):
            sp = frac_split(n, order[0], fr[order[0]], ctx.variables) or frac_split(n, order[0], 0.5, ctx.variables)
            if sp is not None:
                self.stats["sure"] += 1
                return [sp]
        self.stats["unsure"] += 1
        splits = [frac_split(n, int(i), 0.5, ctx.variables) for i in np.argsort(-s_row, kind="stable") if s_row[i] >= 0]
        splits = [sp for sp in splits if sp is not None]
        for i in order[: self.top_k]:
            for f in (fr[i], *self.points):
                sp = frac_split(n, i, f, ctx.variables)
                if sp is not None and sp not in splits:
                    splits.append(sp)
        return splits
