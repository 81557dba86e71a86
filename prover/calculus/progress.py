"""How long-running library code reports progress without printing.

Library functions that take a while (proof search, certificate checking, planning rounds,
corpus building, training) accept a `progress` callable and call it with a frozen
`Progress` event; the default `silent` does nothing. Only the CLI renders events (with rich,
on stderr, when stderr is a terminal: `planner/progress_view.py`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Progress:
    stage: str                  # what is running: "validity search", "checking certificate", "round 2", ...
    done: int                   # units finished so far (nodes, candidates, goals, epochs)
    total: int | None = None    # units planned, None when unknown
    detail: str = ""            # a short note: the last verdict, the best bound so far, ...


Reporter = Callable[[Progress], None]


def silent(event: Progress) -> None:
    """The default reporter: ignores every event."""
