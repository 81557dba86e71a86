"""The policy network: message passing over the lifted DAG, a pointer over branching candidates
(imports torch).

A batch is the disjoint union of B search nodes' DAGs (`GraphBatch`; each node of the union is
one operation or variable of one sample's unrolled plan, see `graph.py`). Node features are
embedded, the variable features of `features.py` (smear sensitivity, width, kind, the node's
margin and depth) are added onto the variable nodes, then `n_layers` rounds of message passing
— operands to operations and operations to operands, each a mean over neighbours summed with
`index_add_`, then a residual MLP — let every variable see the operations it feeds. Three
heads: a pointer over the candidates (today the variables; a candidate kind embedding makes
room for lifted quantities), a split point per candidate (fraction of its width) and a value
(log of the nodes the search node's subtree needs to close).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

import torch
from torch import nn

from prover.policy.features import FEATURE_VERSION, N_FEATURES
from prover.policy.graph import CANDIDATE_KINDS, N_DYNAMIC, N_STATIC


@dataclass(frozen=True)
class PolicyConfig:
    n_features: int = N_FEATURES        # width of a variable's feature row (features.py)
    n_node_features: int = N_STATIC + N_DYNAMIC   # width of a DAG node's feature row (graph.py)
    d_model: int = 32                   # node embedding width (forward cost is linear in it: a
                                        # batch of 16 search nodes is ~5,000 DAG nodes on SIR H = 12)
    n_layers: int = 3                   # message-passing rounds
    d_ff: int = 64                      # hidden width of each round's MLP
    dropout: float = 0.1                # in the MLPs (training only)
    frac_min: float = 0.1               # split points live in [frac_min, 1 − frac_min] of the width
    feature_version: int = FEATURE_VERSION

    def to_json(self) -> dict:
        return asdict(self)


class GraphBatch(NamedTuple):
    """B samples' DAGs as one disjoint union of M nodes and E edges; V is the padded variable count."""
    x: torch.Tensor           # (B, V, F) variable features
    mask: torch.Tensor        # (B, V) the variable can be split
    present: torch.Tensor     # (B, V) False on padding
    node_x: torch.Tensor      # (M, Fn) DAG node features
    src: torch.Tensor         # (E,) operand node (global index)
    dst: torch.Tensor         # (E,) operation node (global index)
    var_node: torch.Tensor    # (B, V) the DAG node of each variable (0 on padding)
    node_graph: torch.Tensor  # (M,) which sample each node belongs to


class Round(nn.Module):
    """One message-passing round: mean of operands' and of users' messages, residual MLP."""

    def __init__(self, d: int, d_ff: int, dropout: float):
        super().__init__()
        self.up, self.down = nn.Linear(d, d), nn.Linear(d, d)
        self.norm = nn.LayerNorm(3 * d)
        self.mlp = nn.Sequential(nn.Linear(3 * d, d_ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_ff, d))

    def forward(self, h, src, dst, deg_in, deg_out):
        up = torch.zeros_like(h).index_add_(0, dst, self.up(h)[src]) / deg_in          # (M, D)
        down = torch.zeros_like(h).index_add_(0, src, self.down(h)[dst]) / deg_out     # (M, D)
        return h + self.mlp(self.norm(torch.cat([h, up, down], dim=-1)))              # (M, D)


class PolicyNet(nn.Module):
    def __init__(self, config: PolicyConfig):
        super().__init__()
        self.config = config
        d = config.d_model
        self.node_embed = nn.Linear(config.n_node_features, d)
        self.var_embed = nn.Linear(config.n_features, d)
        self.kind_embed = nn.Embedding(len(CANDIDATE_KINDS), d)
        self.rounds = nn.ModuleList(Round(d, config.d_ff, config.dropout) for _ in range(config.n_layers))
        self.head = nn.Sequential(nn.LayerNorm(2 * d), nn.Linear(2 * d, d), nn.GELU())
        self.pointer, self.frac = nn.Linear(d, 1), nn.Linear(d, 1)
        self.value = nn.Sequential(nn.Linear(2 * d, d), nn.GELU(), nn.Linear(d, 1))

    def forward(self, b: GraphBatch):
        """Pointer logits (B, V) (−inf where the variable cannot be split), split fractions (B, V)
        and values (B,)."""
        assert b.x.shape[-1] == self.config.n_features, f"expected {self.config.n_features} features, got {b.x.shape[-1]}"
        M, B = b.node_x.shape[0], b.x.shape[0]
        v_emb = self.var_embed(b.x)                                                    # (B, V, D)
        h = self.node_embed(b.node_x)                                                  # (M, D)
        h = h.index_add_(0, b.var_node[b.present], v_emb[b.present])                   # (M, D)
        ones = h.new_ones(b.src.shape[0])
        deg_in = h.new_zeros(M).index_add_(0, b.dst, ones).clamp(min=1)[:, None]        # (M, 1)
        deg_out = h.new_zeros(M).index_add_(0, b.src, ones).clamp(min=1)[:, None]       # (M, 1)
        for r in self.rounds:
            h = r(h, b.src, b.dst, deg_in, deg_out)                                    # (M, D)
        cand = h[b.var_node] + self.kind_embed.weight[0]                               # (B, V, D)
        z = self.head(torch.cat([cand, v_emb], dim=-1))                                # (B, V, D)
        logits = self.pointer(z).squeeze(-1).masked_fill(~b.mask, float("-inf"))      # (B, V)
        m = self.config.frac_min
        frac = m + (1 - 2 * m) * torch.sigmoid(self.frac(z).squeeze(-1))              # (B, V)
        count = h.new_zeros(B).index_add_(0, b.node_graph, h.new_ones(M)).clamp(min=1)  # (B,)
        pooled = h.new_zeros(B, h.shape[1]).index_add_(0, b.node_graph, h) / count[:, None]   # (B, D)
        w = b.present.unsqueeze(-1).to(h.dtype)                                        # (B, V, 1)
        var_pool = (z * w).sum(1) / w.sum(1).clamp(min=1)                              # (B, D)
        value = self.value(torch.cat([pooled, var_pool], dim=-1)).squeeze(-1)         # (B,)
        return logits, frac, value


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def collate(x, mask, present, node_x: list, edges: list, device: str = "cpu") -> GraphBatch:
    """A GraphBatch from numpy: x (B, V, F), mask and present (B, V), and per sample its DAG's
    node features (N_b, Fn) and (src, dst) edges; sample b's variables are its nodes 0..V_b-1."""
    import numpy as np
    sizes = np.array([len(n) for n in node_x])                                        # (B,)
    offset = np.concatenate([[0], np.cumsum(sizes)[:-1]])                              # (B,)
    src = np.concatenate([s + o for (s, _), o in zip(edges, offset)])                  # (E,)
    dst = np.concatenate([d + o for (_, d), o in zip(edges, offset)])                  # (E,)
    V = x.shape[1]
    var_node = np.where(present, offset[:, None] + np.arange(V)[None, :], 0)           # (B, V)
    node_graph = np.repeat(np.arange(len(sizes)), sizes)                               # (M,)
    t = lambda a, dtype: torch.as_tensor(np.ascontiguousarray(a), dtype=dtype, device=device)
    return GraphBatch(t(x, torch.float32), t(mask, torch.bool), t(present, torch.bool),
                      t(np.concatenate(node_x), torch.float32), t(src, torch.long), t(dst, torch.long),
                      t(var_node, torch.long), t(node_graph, torch.long))
