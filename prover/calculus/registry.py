"""The tactic registry: every branching tactic of the calculus, by its certificate JSON key.

Each entry defines its children (`children(problem, goal)`, which the checker re-derives from
the parent), its JSON form (`to_json(problem)` / `from_json(spec, problem)`), the message for
a wrong number of children, and whether its children are boxes of the parent's own problem
(`sub_boxes`: a split's are; a cut's pieces are other problems; `fbbt`'s one child is its narrowed box). Leaf methods are the `Leaf`
enum (prover.calculus.tactics); the checker keeps one exact re-check per leaf method.
Adding a branching tactic is one module and one entry here.
"""
from __future__ import annotations

from prover.calculus.cut import Cut
from prover.calculus.fbbt_step import Fbbt
from prover.calculus.tactics import Leaf, Split

BRANCHES = {t.key: t for t in (Split, Cut, Fbbt)}


def branch_json(tactic, problem, children: list) -> dict:
    """A branching node of a certificate's proof tree: the tactic's JSON form over `children`."""
    return {tactic.key: tactic.to_json(problem), "children": children}


def branch_key(node: dict) -> str | None:
    """The registry key of a certificate node that branches (None: a leaf or unknown)."""
    return next((key for key in BRANCHES if key in node), None)


__all__ = ["BRANCHES", "Leaf", "branch_json", "branch_key"]
