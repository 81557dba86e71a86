"""The CLI's rendering of `prover.calculus.progress` events: one rich progress line on stderr.

Shown only when stderr is a terminal and neither `--json` nor `--quiet` was given, so
standard output stays exactly the command's result (pure JSON with `--json`) and logs and
pipes never fill with progress frames (`--quiet`: planner.cli.args).
"""
from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from prover.calculus.progress import Progress as Event
from prover.calculus.progress import Reporter, silent


def shows_progress(args, console: Console | None = None) -> bool:
    if getattr(args, "json", False) or getattr(args, "quiet", False):
        return False
    console = console or Console(stderr=True)
    return console.is_terminal and not console.is_dumb_terminal


@contextmanager
def progress_view(args, console: Console | None = None):
    """A `prover.calculus.progress.Reporter` for the duration of the block: `silent` unless progress is
    shown (see the module), else one transient line naming the stage, with a bar when the
    total is known, the count, a detail and the time elapsed."""
    console = console or Console(stderr=True, highlight=False, emoji=False)
    if not shows_progress(args, console):
        yield silent
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None, detail="")
        stage = [None]

        def report(event: Event) -> None:
            bar.update(task, description=event.stage, completed=event.done, total=event.total,
                       detail=event.detail)
            if event.stage != stage[0]:        # every stage is drawn at least once, however short
                stage[0] = event.stage
                bar.refresh()
        yield report


def counting(report: Reporter, stage: str, total: int | None):
    """A no-argument callback that reports one more unit of `stage` per call (for library
    hooks that only say "one more done")."""
    done = [0]

    def step() -> None:
        done[0] += 1
        report(Event(stage, done[0], total))
    return step
