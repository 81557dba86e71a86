"""What a peer solver's run reports, whichever solver it was (floating point, not certified)."""
from __future__ import annotations

import math
from dataclasses import dataclass

GAPS = (0.1, 0.01)


def gap(primal: float | None, dual: float | None) -> float:
    """The relative gap of a minimisation as warrant measures its own: (best found − bound) / |best found|."""
    if primal is None or dual is None or not math.isfinite(primal) or not math.isfinite(dual):
        return math.inf
    width = max(0.0, primal - dual)
    return width / abs(primal) if primal else (0.0 if width == 0 else math.inf)


class GapClock:
    """Remembers the solver time at which the gap first reached 10% and 1% (callbacks feed it)."""

    def __init__(self):
        self.at_10: float | None = None
        self.at_1: float | None = None

    def seen(self, primal: float | None, dual: float | None, t: float) -> None:
        g = gap(primal, dual)
        if self.at_10 is None and g <= GAPS[0]:
            self.at_10 = t
        if self.at_1 is None and g <= GAPS[1]:
            self.at_1 = t


@dataclass(frozen=True)
class PeerRun:
    peer: str                     # "scip" | "gurobi"
    status: str                   # the solver's own word: "optimal", "timelimit", ... or "refused (...)"
    primal: float | None          # the best scenario's R the solver found (an upper bound on the minimum)
    dual: float | None            # the solver's lower bound on min R (floating point: not certified)
    solve_s: float                # the solver's own time
    build_s: float                # building the solver's model from the peer model
    to_10: float | None           # solver time when the gap first reached 10% (None: never)
    to_1: float | None
    nodes: int

    @property
    def gap(self) -> float:
        return gap(self.primal, self.dual)
