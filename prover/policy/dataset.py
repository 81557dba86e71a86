"""Training data: oracle samples as padded arrays, with each sample's DAG features (numpy, and
torch only to hand a minibatch over).

`to_arrays` pads samples with different numbers of variables into (N, Vmax, ...) arrays (the
part saved in a run's `labels.npz`); `attach_graphs` adds, per sample, its goal's DAG edges and
the DAG node features over the sample's box (`graph.GoalGraph`: static features and one batched
interval evaluation per goal). Those are recomputed from the goals when a run resumes, so the
saved labels stay small. Keys starting with `_` are such per-sample lists.
"""
from __future__ import annotations

import numpy as np

from prover.policy.graph import GoalGraph


def to_arrays(samples: list) -> dict:
    """Pad samples (oracle.Sample) with different numbers of variables into arrays (N, Vmax, ...)."""
    n, vmax = len(samples), max((len(s.mask) for s in samples), default=1)
    nf = samples[0].x.shape[1] if samples else 1
    out = {"x": np.zeros((n, vmax, nf), np.float32), "mask": np.zeros((n, vmax), bool),
           "present": np.zeros((n, vmax), bool), "label": np.zeros(n, np.int64),
           "fracs": np.full((n, vmax), 0.5, np.float32), "value": np.full(n, np.nan, np.float32),
           "goal": np.zeros(n, np.int64), "lo": np.zeros((n, vmax)), "hi": np.zeros((n, vmax))}
    for k, s in enumerate(samples):
        v = len(s.mask)
        out["x"][k, :v], out["mask"][k, :v], out["present"][k, :v] = s.x, s.mask, True
        out["label"][k], out["fracs"][k, :v], out["value"][k], out["goal"][k] = s.label, s.fracs, s.value, s.goal
        out["lo"][k, :v], out["hi"][k, :v] = s.lo, s.hi
    return out


def concat(a: dict | None, b: dict) -> dict:
    """Two data sets as one (padding the narrower one's variables)."""
    if a is None or len(a["label"]) == 0:
        return b
    vmax = max(a["x"].shape[1], b["x"].shape[1])
    pad = lambda arr, fill: np.concatenate([arr, np.full((arr.shape[0], vmax - arr.shape[1], *arr.shape[2:]), fill,
                                                         arr.dtype)], axis=1) if arr.shape[1] < vmax else arr
    out = {}
    for k in a:
        if k.startswith("_"):
            out[k] = a[k] + b[k]
        elif a[k].ndim >= 2:
            fill = 0.5 if k == "fracs" else 0
            out[k] = np.concatenate([pad(a[k], fill), pad(b[k], fill)])
        else:
            out[k] = np.concatenate([a[k], b[k]])
    return out


def goal_graph(goal) -> GoalGraph:
    """The DAG of one goal (a corpus.goals.BenchGoal): its unrolled plan's expressions."""
    from prover.bounds.evaluation import GoalEvaluator
    from prover.calculus.unroll import unroll
    return GoalGraph.of(GoalEvaluator(unroll(goal.domain, goal.plan)))


def node_features(g: GoalGraph, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(B, N, Fn) static and dynamic features of every DAG node over B boxes (B, V)."""
    dyn = g.dynamic(lo, hi)                                                           # (B, N, Fd)
    static = np.broadcast_to(g.static[None], (lo.shape[0], *g.static.shape))          # (B, N, Fs)
    return np.concatenate([static, dyn], axis=-1).astype(np.float32)


def attach_graphs(data: dict, goals: list) -> dict:
    """`data` with `_nodes` (per sample: (N, Fn) node features) and `_edges` (per sample: its
    goal's (src, dst)); `data["goal"]` indexes `goals`."""
    n = len(data["label"])
    nodes, edges = [None] * n, [None] * n
    for k in sorted(set(data["goal"].tolist())):
        g = goal_graph(goals[k])
        idx = np.flatnonzero(data["goal"] == k)
        V = g.n_vars
        feats = node_features(g, data["lo"][idx, :V], data["hi"][idx, :V])            # (b, N, Fn)
        for j, i in enumerate(idx):
            nodes[i], edges[i] = feats[j], (g.src, g.dst)
    return {**data, "_nodes": nodes, "_edges": edges}


def batches(data: dict, size: int, device: str, gen: np.random.Generator | None):
    """Minibatches (net.GraphBatch, targets) in a seeded order (gen None: in order)."""
    from prover.policy.net import collate
    import torch
    idx = np.arange(len(data["label"])) if gen is None else gen.permutation(len(data["label"]))
    for s in range(0, len(idx), size):
        j = idx[s:s + size]
        graph = collate(data["x"][j], data["mask"][j], data["present"][j], [data["_nodes"][i] for i in j],
                        [data["_edges"][i] for i in j], device)
        targets = {k: torch.from_numpy(data[k][j]).to(device) for k in ("label", "fracs", "value", "mask")}
        yield graph, targets
