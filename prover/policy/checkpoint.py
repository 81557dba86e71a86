"""Checkpoints: weights in safetensors, the config (and training metadata) in JSON beside them.

`load` refuses a missing, truncated or incompatible checkpoint with a `CheckpointError` — an
`InputError`, so the CLI prints one line saying how to rebuild it, never a traceback.
"""
from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from dsl.errors import InputError
from prover.policy import DEFAULT_CHECKPOINT
from prover.policy.features import FEATURE_VERSION

REBUILD = "rebuild it with `warrant corpus build` then `warrant train` (see docs/training.md)"


class CheckpointError(InputError):
    """The policy checkpoint is missing or does not fit this version of the code."""


def paths(stem) -> tuple[Path, Path]:
    """`stem` (with or without a suffix) → (weights .safetensors, config .json)."""
    stem = Path(stem)
    if stem.suffix in (".safetensors", ".json"):
        stem = stem.with_suffix("")
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def save(model, stem, meta: dict | None = None) -> tuple[Path, Path]:
    from safetensors.torch import save_file
    weights, config = paths(stem)
    weights.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(weights))
    config.write_text(json.dumps({"config": model.config.to_json(), "meta": meta or {}}, indent=1) + "\n",
                      encoding="utf-8")
    return weights, config


def load(stem=None, device: str = "cpu"):
    """The PolicyNet stored at `stem` (default: the shipped checkpoint), in eval mode."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from prover.policy.net import PolicyConfig, PolicyNet
    weights, config = paths(DEFAULT_CHECKPOINT if stem is None else stem)
    if not weights.is_file() or not config.is_file():
        raise CheckpointError(f"policy checkpoint {weights} (and {config.name}) not found; {REBUILD}")
    try:
        stored = json.loads(config.read_text(encoding="utf-8"))
        raw, meta = stored["config"], stored.get("meta") or {}
        cfg = PolicyConfig(**{f.name: raw[f.name] for f in fields(PolicyConfig) if f.name in raw})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"policy checkpoint config {config} is unreadable ({exc}); {REBUILD}") from exc
    if isinstance(meta, dict) and meta.get("labels") == 0:
        raise CheckpointError(f"policy checkpoint {weights} was trained on 0 oracle labels, so it has learned "
                              f"nothing; {REBUILD}")
    if cfg.feature_version != FEATURE_VERSION:
        raise CheckpointError(f"policy checkpoint {weights} was trained on features v{cfg.feature_version}, "
                              f"this code computes v{FEATURE_VERSION}; {REBUILD}")
    model = PolicyNet(cfg)
    try:
        model.load_state_dict(load_file(str(weights)))
    except (SafetensorError, RuntimeError, OSError) as exc:
        raise CheckpointError(f"policy checkpoint {weights} does not fit the network ({exc}); {REBUILD}") from exc
    return model.to(device).eval()


def resolve_device(name: str) -> str:
    """`auto` → cuda when present, else cpu."""
    import torch
    if name not in ("auto", "cpu", "cuda"):
        raise InputError(f"--device must be auto, cpu or cuda, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    return "cuda" if name == "auto" and torch.cuda.is_available() else ("cpu" if name == "auto" else name)
