"""Every search policy (DESIGN.md, "The neural policy"; README, "How the proofs work").

Modules: `base` (the `Policy` interface and the `Context` it sees), `hand` (largest-first,
smear, heuristic), `branching` (the one strong-branching routine, with pluggable scores),
`registry` (every `--strategy`, with its flags and factory), `spec` (`PolicySpec`, what a worker
rebuilds its policy from), `features` (numpy: what the network sees of a node's variables),
`graph` (numpy: the lifted DAG, its node features and the branching candidates), `net` (the
torch model, message passing over the DAG, and its config), `dataset` (training arrays),
`checkpoint` (safetensors + JSON), `learned` (the `learned` strategy), `oracle`
(strong-branching labels and subtree sizes), `train` (imitation, then expert iteration). Only
`net`, `dataset`, `checkpoint`, `learned` and `train` import torch, and only when used:
importing this package imports nothing heavy.
"""
from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).parent / "default"      # default.safetensors + default.json
