"""What the policy network sees of a search node: one feature row per uncertain variable.

Everything here is numpy (no torch), batched over the nodes of one search iteration. The
rows mix per-variable facts (width relative to the declared range, sampled sensitivity ×
width as smear computes it, the step a disturbance belongs to, the variable's kind and type)
with the node's own (claim kind, margin of its interval bound, depth), broadcast to every
row. Bumping `FEATURE_VERSION` makes older checkpoints incompatible (v2: the network also reads
the lifted DAG, graph.py).
"""
from __future__ import annotations

import math

import numpy as np

FEATURE_VERSION = 2
N_FEATURES = 17
KINDS = ("param", "init", "disturbance")
# Variables of other kinds are read as one of these: a horizon cut's state variables `s@k`
# start the second half of the plan as uncertain initial states do. Unknown kinds get no
# kind feature rather than an error: the features only steer the search.
KIND_AS = {"cut": "init"}
VTYPES = ("real", "int", "bool")


def static_features(variables) -> np.ndarray:
    """(V, 7) features that depend only on the goal's variables: kind, step / horizon, type."""
    horizon = max([v.step or 0 for v in variables] + [1])
    out = np.zeros((len(variables), 7))
    for i, v in enumerate(variables):
        kind = KIND_AS.get(v.kind, v.kind)
        if kind in KINDS:
            out[i, KINDS.index(kind)] = 1.0
        out[i, 3] = (v.step or 0) / horizon if v.kind == "disturbance" else 0.0
        if v.vtype in VTYPES:
            out[i, 4 + VTYPES.index(v.vtype)] = 1.0
    return out


def root_widths(variables) -> np.ndarray:
    """(V,) the declared width of each variable (1 for bools and degenerate ranges)."""
    w = [float(v.hi - v.lo) if v.vtype != "bool" and v.lo is not None and v.hi is not None and v.hi > v.lo
         else 1.0 for v in variables]
    return np.array(w)


def node_margin(node, target: float | None) -> float:
    """How far the node's interval bound is from closing it, scaled to about [-1, 1]."""
    if not node.goal.claim.bounds_reward:
        return -min(len(node.undecided), 10) / 10
    if target is None or not math.isfinite(node.lo) or not math.isfinite(target):
        return -1.0
    spread = node.hi - node.lo if math.isfinite(node.hi) else abs(target) + 1.0
    return float(np.clip((node.lo - target) / (abs(spread) + 1e-9), -5, 5) / 5)


def features(nodes, variables, smear: np.ndarray, target: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(B, V, F) features and (B, V) splittable mask for B nodes of one goal.
    `smear` is (B, V) smear scores (−1 marks an unsplittable variable)."""
    B, V = smear.shape
    lo = np.array([n.flo for n in nodes])                                            # (B, V)
    hi = np.array([n.fhi for n in nodes])                                            # (B, V)
    mask = np.array([[a < b for a, b in n.goal.box] for n in nodes])                 # (B, V)
    w = np.maximum(hi - lo, 0.0)                                                     # (B, V)
    rel = w / root_widths(variables)[None, :]                                        # (B, V)
    s = np.maximum(smear, 0.0)                                                       # (B, V)
    s_max = s.max(axis=1, keepdims=True)                                             # (B, 1)
    rank = np.argsort(np.argsort(-np.where(mask, s, -1.0), axis=1), axis=1)          # (B, V)
    f = np.zeros((B, V, N_FEATURES))
    f[:, :, 0] = np.log2(np.maximum(rel, 1e-30)) / 20
    f[:, :, 1] = w / np.maximum(w.max(axis=1, keepdims=True), 1e-300)
    f[:, :, 2] = s / np.maximum(s_max, 1e-300)
    f[:, :, 3] = np.log10(np.maximum(s / np.maximum(s_max, 1e-300), 1e-12)) / 12
    f[:, :, 4] = rank / max(V, 1)
    f[:, :, 5:12] = static_features(variables)[None, :, :]
    f[:, :, 12] = mask
    f[:, :, 13] = np.array([n.goal.claim.bounds_reward for n in nodes])[:, None]
    margins = [node_margin(n, target if n.goal.claim.bound is None else float(n.goal.claim.bound)) for n in nodes]
    f[:, :, 14] = np.array(margins)[:, None]
    f[:, :, 15] = np.array([min(n.depth, 60) / 30 for n in nodes])[:, None]
    f[:, :, 16] = math.log(V + 1) / 5
    return f.astype(np.float32), mask
