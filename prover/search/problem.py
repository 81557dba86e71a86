"""What a proof search works on (`Problem`) and the SMT tactic it may call (`SmtTactic`)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True, eq=False)
class Problem:
    """One unrolled plan (or a cut's piece) with the engines a search over it uses."""

    u: object                       # prover.calculus.unroll.Unrolled
    evaluator: object               # prover.bounds.evaluation.GoalEvaluator: float facts of boxes
    sensitivity: object             # prover.bounds.sensitivity.Sensitivity: smear scores
    tracker: object                 # WorstTracker (the plan: replayed scenarios) or FloatTracker (a piece)
    lp: object = None               # prover.bounds.lp_leaf.LpBounder for `lp` leaves, or None
    boxes: tuple | None = None      # the root goals' boxes (None: the whole uncertainty box)
    fbbt: bool = False              # narrow leaves by the `fbbt` tactic before splitting them
    lifted: tuple | None = None     # each root box's lifted bounds (None: none)
    seeds: tuple | None = None      # each root box's prover.search.tree.Seed or None (None: evaluate all)


@dataclass(frozen=True)
class SmtTactic:
    """The `smt` leaf tactic: `call(box, claim)` → z3_backend.SmtAnswer, at most `calls` times
    per search."""

    call: Callable
    calls: float = math.inf
