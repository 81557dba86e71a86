"""The checker's exact leaf checks on an executor's workers (`check-cert --workers N`, and the
merged certificate of a split proof).

`check_certificate(..., leaves=on_executor(executor))` walks the whole certificate in this
process — the header, the plan, every branch re-derived from its parent through the tactic
registry — and hands the exact leaves of the plan's own problem here, each with the goal the
walk derived for it. They go out in batches (`LeafJob`: the domain's source, the plan and the
leaves' goals and JSON); a worker rebuilds the unrolled plan from the source and runs the
checker's own `check_leaves` on them. Verdicts come back in batch order, so the first
rejection reported is the first failing leaf of the walk's order among the batches. Nothing a
search computed is trusted on the way: a worker sees only the domain, the plan and the
certificate's own leaves.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from prover.check.checker import LeafVerdict, check_leaves

BATCHES_PER_WORKER = 16    # batches per worker: enough to balance uneven leaves, few enough to ship cheaply
MIN_BATCH = 32             # leaves: a smaller batch costs more to ship than to check


@dataclass(frozen=True)
class LeafJob:
    """Leaves to re-check: (goal, node JSON, path) each, of `plan` on the domain of `source`."""

    source: str
    filename: str
    horizon: int
    plan: tuple[str, ...]
    items: tuple


def check_job(job: LeafJob) -> LeafVerdict:
    """A worker's check of one batch (module-level: it is shipped by reference)."""
    u, facts = _problem(job.source, job.filename, job.horizon, job.plan)
    return check_leaves(u, facts, job.items)


@lru_cache(maxsize=4)
def _problem(source: str, filename: str, horizon: int, plan: tuple[str, ...]):
    """The unrolled plan and its exact facts, built once per worker process."""
    from dsl.load import load_text
    from dsl.plan import parse_plan
    from prover.bounds.interval_exact import ExactBoxFacts
    from prover.calculus.unroll import unroll
    domain = load_text(source, filename).with_horizon(horizon)
    u = unroll(domain, parse_plan("; ".join(plan), domain))
    return u, ExactBoxFacts(u)


def warm(domain, plan) -> None:
    """Build what `check_job` needs for `plan` (a dsl Plan) in this process, ahead of its first
    batch: keyed by the plan's steps as the certificate writes them."""
    _problem(domain.source, domain.filename, domain.horizon, tuple(str(a) for a in plan))


def batches(items: list, workers: int) -> list[list]:
    """`items` cut into consecutive batches: about BATCHES_PER_WORKER per worker, at least MIN_BATCH each."""
    size = max(MIN_BATCH, -(-len(items) // (BATCHES_PER_WORKER * workers)))
    return [items[i:i + size] for i in range(0, len(items), size)]


def on_executor(executor):
    """The `leaves` argument of `check_certificate` that checks them on `executor`'s workers."""
    def run(domain, plan: tuple[str, ...], items: list):
        jobs = [LeafJob(domain.source, domain.filename, domain.horizon, plan, tuple(b))
                for b in batches(items, executor.workers)]
        return executor.map(check_job, jobs)
    return run
