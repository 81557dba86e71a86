"""The learned proof-search policy (DESIGN.md, "The neural policy").

Modules: `features` (numpy: what the network sees of a node), `net` (the torch model and its
config), `checkpoint` (safetensors + JSON), `learned` (the `learned` strategy), `oracle`
(strong-branching labels and subtree sizes), `train` (imitation, then expert iteration).
Only `net`, `checkpoint`, `learned` and `train` import torch, and only when used: importing
this package imports nothing heavy.
"""
from pathlib import Path

DEFAULT_CHECKPOINT = Path(__file__).parent / "default"      # default.safetensors + default.json
