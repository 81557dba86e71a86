"""The one outcome vocabulary of proofs: every search, solver call and verification ends
PROVED, REFUTED or UNKNOWN.

A search tree's node is PROVED or (while open) UNKNOWN; an SMT call on `box ∧ assumes ∧ ¬claim`
is PROVED when unsat, REFUTED when it has a model (a counterexample candidate, replayed by the
interpreter before anything is reported) and UNKNOWN otherwise; a verification's verdict is
PROVED only with a checked certificate and REFUTED only with a replayed counterexample. A
`StrEnum`: the JSON and the CLI keep the words "proved", "refuted" and "unknown".
"""
from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    PROVED = "proved"
    REFUTED = "refuted"
    UNKNOWN = "unknown"
