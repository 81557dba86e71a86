"""The frontier of monolithic Z3 on the nonlinear drone and SIR domains, against the search.

`warrant corpus frontier [--horizons 4,8,12,16] [--z3-seconds 20] [--search-seconds 60]`
prints one markdown row per (domain, horizon, strategy): the verdict, the certified bound and
its gap to the worst found, nodes and time. The plans are the domains' known good plans
stretched to the horizon (drone: `thrust(1)` appended; SIR: `distance(2)` prepended; a domain
may say how with a `# stretched plan: append|prepend STEP` header).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

from corpus import domain_files, stretched_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.policy.registry import strategy as strategy_of
from prover.search.loop import Budget

GAP = Fraction(1, 10)      # the search's --tightest stops at this gap to the worst found


@dataclass(frozen=True)
class FrontierRow:
    """One strategy's `--tightest` run on one stretched plan."""
    domain: str
    horizon: int
    strategy: str
    verdict: str
    lower_bound: Fraction | None      # certified
    worst: Fraction | None            # the worst reward found
    nodes: int
    wall_s: float
    cut: int | None                   # the horizon cut at which the certified bound was proved

    @property
    def gap(self) -> float | None:
        """(worst − certified) / |worst|: how far the certified bound is from the worst found."""
        if self.lower_bound is None or not self.worst:
            return None
        return float((self.worst - self.lower_bound) / abs(self.worst))


def stretched(name: str, horizon: int) -> str:
    """Shipped domain `name`'s known good plan stretched (or cut) to `horizon` steps."""
    path = next(p for p in domain_files() if p.stem == name)
    return stretched_plan(path.read_text(encoding="utf-8"), name, horizon)


def row(name: str, horizon: int, strategy: str, seconds: float, gap: Fraction = GAP) -> FrontierRow:
    """`strategy`'s tightest bound on domain `name`'s known plan stretched to `horizon`."""
    from prover.search.verify import verify_search
    from prover.search.verify_z3 import verify_z3
    path = next(p for p in domain_files() if p.stem == name)
    d = load_domain(path).with_horizon(horizon)
    plan = parse_plan(stretched(name, horizon), d)
    start = time.monotonic()
    if strategy_of(strategy).monolithic:
        r = verify_z3(d, plan, None, seconds)
    else:
        r = verify_search(d, plan, None, strategy, Budget(2_000_000, seconds, gap))
    wall = time.monotonic() - start
    cut = next((p.cut.k for p in r.searches if type(p).__name__ == "CutResult" and p.cut is not None
                and r.lower_bound == p.lower_bound), None)
    return FrontierRow(name, horizon, strategy, r.verdict, r.lower_bound,
                       r.worst_found.outcome.reward if r.worst_found else None, r.nodes, wall, cut)


def frontier(domains: list[str], horizons: list[int], strategies: list[str], z3_seconds: float,
             search_seconds: float, gap: Fraction = GAP) -> Iterator[FrontierRow]:
    """Every (domain, horizon, strategy) row, one at a time (each run takes up to its seconds)."""
    for name in domains:
        for h in horizons:
            for s in strategies:
                yield row(name, h, s, z3_seconds if strategy_of(s).monolithic else search_seconds, gap)
