"""Certificates: a proof as JSON that anyone can re-check with `warrant check-cert`.

A certificate names the domain (by the sha256 of its source), the horizon, the plan and the
claim `valid(π) ∧ R(π) ≥ bound`, and holds one proof tree per conjunct. A tree node is a
branching tactic of the registry (`split`: variable name and point, two subtrees; `cut`: its
step, state box and b1 over its pieces' trees; `fbbt`: its bound over the narrowed box's tree) or a leaf with its method. Boxes are never
stored: the checker rebuilds each child from its parent.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from prover.calculus.fbbt_step import below_json
from prover.calculus.registry import branch_json
from prover.calculus.tactics import Leaf

if TYPE_CHECKING:                      # the checker imports this module: no search imports at run time
    from prover.search.tree import Node

FORMAT_VERSION = 1


def tree_json(root: "Node", problem) -> dict:
    """The proof tree below `root` (a search over `problem`, an Unrolled) as JSON. Open leaves
    become leaves of the method that bounded them (`interval`, `mean-value` or `lp`): in a
    tightest search every leaf's bound is at least the certified bound (an expanded node whose
    own bound beats its subtree's is written as a leaf of its own method: `ends_proof`)."""
    out: dict = {}
    stack = [(root, out)]
    while stack:
        node, slot = stack.pop()
        if node.ends_proof:
            slot.update(leaf_json(node))
            continue
        slot.update(branch_json(node.split, problem, [{} for _ in node.children]))
        stack.extend(zip(node.children, slot["children"]))
    return out


def leaf_json(node: "Node") -> dict:
    """A leaf's JSON: its method, and for an `lp` leaf the duals (and tightening rounds) the
    checker re-derives its bound from."""
    leaf = Leaf(node.closed_by or node.method)
    out: dict = {"leaf": leaf.value}
    if leaf is Leaf.FBBT:
        return {**out, **below_json(node.fbbt_below)}
    if leaf is not Leaf.LP:
        return out
    if node.lp_tighten:
        out["tighten"] = [_round_json(r) for r in node.lp_tighten]
    if not node.goal.claim.bounds_reward:
        out["margins"] = {str(j): _duals_json(d) for j, d in sorted(node.lp_duals.items())}
    else:
        out["duals"] = _duals_json(node.lp_duals)
    return out


def _round_json(r):
    """A tightening round: its steps, with the step it reaches when it is a prefix's round, or
    the cutoff it assumes (R ≤ below) when it has one."""
    steps = [{"q": t.quantity, "side": "hi" if t.upper else "lo", "duals": _duals_json(t.duals)} for t in r.steps]
    if r.reach is not None:
        return {"reach": r.reach, "since": r.since, "steps": steps}
    return steps if r.below is None else {"below": str(r.below), "steps": steps}


def _duals_json(duals: dict) -> dict:
    return {str(i): str(y) for i, y in sorted(duals.items())}


def smt_leaf() -> dict:
    return {"leaf": Leaf.SMT.value}


def certificate(domain, plan, bound: Fraction, valid_tree: dict, reward_tree: dict,
                strategy: str, stats: dict) -> dict:
    """The certificate of `valid(π) ∧ R(π) ≥ bound` (unchecked: `prover.search.certify` has it
    checked before anything is reported)."""
    return {
        "format_version": FORMAT_VERSION,
        "domain": {"name": domain.name, "sha256": domain.sha256, "horizon": domain.horizon},
        "plan": [str(i) for i in plan],
        "claim": {"valid": True, "reward_at_least": str(bound)},
        "proofs": {"valid": valid_tree, "reward": reward_tree},
        "strategy": strategy,
        "stats": stats,
    }
