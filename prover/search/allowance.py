"""What a search may spend (`Allowance`) and how a verification divides its budget (`Schedule`).

The CLI asks for a `Budget`: nodes, seconds and the `--tightest` gap. A verification turns it
into frozen `Allowance`s — a node count and a deadline on `time.monotonic()` — one per search,
by the shares of one `Schedule`, written down here once instead of at each call site.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Budget:
    """What the user asks for: a node budget, a time limit and the `--tightest` gap."""

    nodes: int = 20_000
    seconds: float = 60.0
    gap: Fraction = Fraction(1, 100)      # --tightest stops when (worst − L) ≤ gap · |worst|


@dataclass(frozen=True)
class Allowance:
    """What one search may spend: at most `nodes` nodes, until `deadline` (time.monotonic); and
    the certificate must be checked by `check_by`: the search stops once its tree's estimated
    check time, with `check_before` seconds for the certificate's other trees, would overrun it
    (a run ends within its time limit, the check included)."""

    nodes: int
    deadline: float
    check_by: float = math.inf
    check_before: float = 0.0

    @classmethod
    def within(cls, nodes: int, seconds: float, check_by: float = math.inf, check_before: float = 0.0) -> "Allowance":
        """`nodes` nodes for `seconds` from now (a negative time counts as none)."""
        return cls(nodes, time.monotonic() + max(0.0, seconds), check_by, check_before)

    def seconds_left(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def share(self, f: float, spent_nodes: int = 0, time_share: float | None = None,
              check_before: float = 0.0) -> "Allowance":
        """`f` of the nodes not yet spent (at least one) and `time_share` (default `f`) of the
        time left: a piece of this allowance for one search (checked by the same `check_by`)."""
        return Allowance.within(max(1, int(f * (self.nodes - spent_nodes))),
                                (f if time_share is None else time_share) * (self.deadline - time.monotonic()),
                                self.check_by, check_before)


@dataclass(frozen=True)
class Schedule:
    """How a verification divides its budget between its searches (docs/benchmarks.md
    measured each share). Node shares are of the node budget, time shares of the time limit."""

    search: float = 0.7             # of --time-limit for the searches; the rest checks the certificate
    valid_plain_nodes: float = 0.2  # the plain validity search when cuts may follow ...
    valid_plain_time: float = 0.4   # ... and its time: its mean-value forms cost more per node than cuts
    valid_with_cuts: float = 0.6    # the validity claim with its cuts (at H/2, H/4, 3H/4)
    reward_plain: float = 0.85      # the plain reward search before cuts are tried (H/4, then H/2): with
                                    # mean-value leaves it rarely needs them
    rerun_gain: float = 6 / 5       # a last search over what the stages left runs only with this much more room
    cut_reach: float = 0.3          # a reward cut: the reach search's share, the head's of what is left,
    cut_head: float = 0.45          # the tail the rest
    cut_valid_reach: float = 0.5    # a validity cut: the reach search's share, the tail the rest
    tighten: float = 0.8            # an lp leaf's bound-tightening rounds: of the search's time left
    z3_prove: float = 0.5           # verify_z3: of the time limit for the queries (the check asks Z3 again)
    z3_optimize: float = 0.5        # verify_z3: of the time left, for z3 Optimize; bisection gets the rest
    planner_round: float = 0.8      # plan-and-verify: of a round's time left, for its candidates


SCHEDULE = Schedule()
