"""Verification of one plan by the strategy its `PolicySpec` names: the one call `warrant
verify` makes, whichever prover runs (one monolithic Z3 call, a proof search, or a search
split across workers)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl.model import Domain, Plan
from prover.calculus.progress import Progress, Reporter, silent


@dataclass(frozen=True)
class Split:
    """A proof split across `workers` workers of an executor (prover.search.distributed)."""
    workers: int
    executor: str = "local"           # "local" | "ray"
    ray_address: str | None = None


def verify_plan(domain: Domain, plan: Plan, bound: Fraction | None, spec, budget, progress: Reporter = silent,
                seed: int = 0, split: Split | None = None):
    """Prove (or refute) `valid(π) ∧ R(π) ≥ bound` (None: the tightest bound) with the
    strategy of `spec` (a prover.policy.spec.PolicySpec) within `budget` (a
    prover.search.loop.Budget); a prover.search.verify.VerifyResult."""
    if spec.strategy.monolithic:
        from prover.search.verify_z3 import verify_z3
        progress(Progress("asking Z3", 0, None))
        return verify_z3(domain, plan, bound, budget.seconds, budget.gap)
    if split is not None:
        return _split(domain, plan, bound, spec, budget, seed, split)
    from prover.search.verify import verify_search
    return verify_search(domain, plan, bound, spec.name, budget, seed=seed, progress=progress, policy=spec.make())


def _split(domain, plan, bound, spec, budget, seed: int, split: Split):
    from prover.search.distributed import verify_split
    from prover.search.executor import make_executor
    executor = make_executor(split.executor, split.workers, split.ray_address)
    try:
        return verify_split(domain, plan, bound, spec, budget, executor, seed=seed)
    finally:
        executor.close()
