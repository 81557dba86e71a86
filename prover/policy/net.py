"""The policy network: a small set transformer over a node's variables (imports torch).

Each variable of a node is one token (its feature row, see `features.py`). Self-attention
lets the variables of different steps see each other, so the network can learn which ones
interact. Three heads: a pointer over the variables (which one to split), a split point per
variable (fraction of its width), and a value (log of the nodes its subtree needs to close).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from prover.policy.features import FEATURE_VERSION, N_FEATURES


@dataclass(frozen=True)
class PolicyConfig:
    n_features: int = N_FEATURES        # width of a variable's feature row
    d_model: int = 48                   # token width
    n_heads: int = 4                    # attention heads per layer
    n_layers: int = 2                   # transformer encoder layers
    d_ff: int = 96                      # hidden width of each layer's MLP
    dropout: float = 0.1                # in the encoder layers (training only)
    frac_min: float = 0.1               # split points live in [frac_min, 1 − frac_min] of the width
    feature_version: int = FEATURE_VERSION

    def to_json(self) -> dict:
        return asdict(self)


class PolicyNet(nn.Module):
    def __init__(self, config: PolicyConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Linear(config.n_features, config.d_model)
        layer = nn.TransformerEncoderLayer(config.d_model, config.n_heads, config.d_ff, dropout=config.dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.n_layers, enable_nested_tensor=False)
        self.pointer = nn.Linear(config.d_model, 1)
        self.frac = nn.Linear(config.d_model, 1)
        self.value = nn.Sequential(nn.Linear(config.d_model, config.d_model), nn.GELU(),
                                   nn.Linear(config.d_model, 1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor, present: torch.Tensor | None = None):
        """x (B, V, F) features, mask (B, V) True where the variable can be split, present (B, V)
        False on padding (training batches mix goals with different numbers of variables).
        Returns pointer logits (B, V) (−inf where masked), split fractions (B, V), value (B,)."""
        assert x.shape[-1] == self.config.n_features, f"expected {self.config.n_features} features, got {x.shape[-1]}"
        h = self.embed(x)                                                     # (B, V, D)
        pad = None if present is None else ~present                           # (B, V)
        h = self.encoder(h, src_key_padding_mask=pad)                         # (B, V, D)
        logits = self.pointer(h).squeeze(-1)                                  # (B, V)
        logits = logits.masked_fill(~mask, float("-inf"))
        m = self.config.frac_min
        frac = m + (1 - 2 * m) * torch.sigmoid(self.frac(h).squeeze(-1))      # (B, V)
        if present is None:
            pooled = h.mean(dim=1)                                            # (B, D)
        else:
            w = present.unsqueeze(-1).to(h.dtype)                             # (B, V, 1)
            pooled = (h * w).sum(dim=1) / w.sum(dim=1).clamp(min=1.0)         # (B, D)
        value = self.value(pooled).squeeze(-1)                                # (B,)
        return logits, frac, value
