"""`PolicySpec`: which policy a search uses, as a frozen, picklable value.

A worker process (a local pool's or a Ray cluster's) rebuilds its policy from the spec it is
handed with its job, so a `--checkpoint` given to the driver reaches every worker; nothing is
read from module state.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicySpec:
    name: str = "heuristic"           # a strategy name: prover.policy.hand.POLICIES, or "z3"
    checkpoint: str | None = None     # learned: the checkpoint stem (None: the shipped one)
    device: str = "cpu"               # learned: the torch device of its forward passes

    def make(self):
        """A fresh Policy for one search (the learned network is loaded once per process)."""
        from prover.policy.hand import make_policy
        if self.name == "learned":
            from prover.policy.learned import LearnedPolicy
            return LearnedPolicy(checkpoint=self.checkpoint, device=self.device)
        return make_policy(self.name)

    def load(self) -> None:
        """Load the network now (learned only), so a bad checkpoint is reported before any search."""
        if self.name == "learned":
            from prover.policy.learned import load_model
            load_model(self.checkpoint, self.device)
