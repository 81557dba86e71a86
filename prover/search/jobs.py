"""Jobs for the executor (`prover.search.executor`): frozen, picklable descriptions of one piece of
work, and the functions that run them in a worker.

A job carries the domain as its source text (parsed once per worker process), the plan as
text, the claim, the budgets and the `PolicySpec`; a worker needs nothing else. Results are
plain values: a `VerifyResult` without its search trees (they stay in the worker).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from functools import lru_cache

from dsl.model import Domain, plan_str
from prover.policy.spec import PolicySpec
from prover.search.loop import Budget


@dataclass(frozen=True)
class DomainRef:
    """A domain as its source text, file name and horizon: what a worker re-parses."""

    source: str
    filename: str
    horizon: int

    @staticmethod
    def of(domain: Domain) -> "DomainRef":
        return DomainRef(domain.source, domain.filename, domain.horizon)

    def load(self) -> Domain:
        return _load(self)


@lru_cache(maxsize=32)
def _load(ref: DomainRef) -> Domain:
    from dsl.load import load_text
    d = load_text(ref.source, ref.filename)
    return d.with_horizon(ref.horizon)      # as the CLI's --horizon does


@lru_cache(maxsize=256)
def _plan(ref: DomainRef, text: str):
    from dsl.plan import parse_plan
    return parse_plan(text, ref.load())


@dataclass(frozen=True)
class VerifyJob:
    """`verify` of one plan: prove `valid(π) ∧ R(π) ≥ bound` (bound None: tightest)."""

    domain: DomainRef
    plan: str
    bound: Fraction | None
    policy: PolicySpec
    budget: Budget
    seed: int = 0
    smt: bool | None = None                  # None: the strategy decides
    stop_at_or_below: Fraction | None = None

    @staticmethod
    def of(domain: Domain, plan, bound, policy: PolicySpec, budget: Budget, **kw) -> "VerifyJob":
        return VerifyJob(DomainRef.of(domain), plan_str(plan), bound, policy, budget, **kw)


def run_verify(job: VerifyJob):
    """A worker's run of one VerifyJob: the VerifyResult, without its search trees."""
    domain, plan = job.domain.load(), _plan(job.domain, job.plan)
    if job.policy.strategy.monolithic:
        from prover.search.verify_z3 import verify_z3
        return verify_z3(domain, plan, job.bound, job.budget.seconds)
    from prover.search.verify import verify_search
    r = verify_search(domain, plan, job.bound, job.policy.name, job.budget, seed=job.seed, smt=job.smt,
                      stop_at_or_below=job.stop_at_or_below, policy=job.policy.make())
    return replace(r, searches=())


@dataclass(frozen=True)
class HarvestJob:
    """One training search of a goal, with the oracle's labels at sampled nodes."""

    domain: DomainRef
    plan: str
    bound: Fraction
    goal_id: int
    policy: PolicySpec
    budget: Budget
    per_goal: int
    seed: int


def run_harvest(job: HarvestJob):
    """(samples, verdict, nodes) of `prover.policy.oracle.harvest`."""
    from types import SimpleNamespace
    from prover.policy.oracle import harvest
    goal = SimpleNamespace(domain=job.domain.load(), plan=_plan(job.domain, job.plan), bound=job.bound)
    return harvest(goal, job.goal_id, job.policy.make(), job.budget, job.per_goal, job.seed)
