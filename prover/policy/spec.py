"""`PolicySpec`: which policy a search uses, as a frozen, picklable value.

A worker process (a local pool's or a Ray cluster's) rebuilds its policy from the spec it is
handed with its job, so a `--checkpoint` given to the driver reaches every worker; nothing is
read from module state.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicySpec:
    name: str = "heuristic"           # a strategy name: prover.policy.registry.STRATEGIES
    checkpoint: str | None = None     # learned: the checkpoint stem (None: the shipped one)
    device: str = "cpu"               # learned: the torch device of its forward passes

    @property
    def strategy(self):
        """The registry entry of `name` (prover.policy.registry.Strategy)."""
        from prover.policy.registry import strategy
        return strategy(self.name)

    def make(self):
        """A fresh Policy for one search (the learned network is loaded once per process)."""
        return self.strategy.make(self)

    def load(self) -> None:
        """Load the network now (network strategies only), so a bad checkpoint is reported before any search."""
        if self.strategy.network:
            from prover.policy.learned import load_model
            load_model(self.checkpoint, self.device)


def make_policy(name: str):
    """A fresh Policy of the strategy `name` (the learned one with the shipped checkpoint)."""
    return PolicySpec(name).make()
