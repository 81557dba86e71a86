"""Candidate splits and strong branching, shared by the learned policy and the oracle (numpy).

A candidate is `split v at lo + f·(hi − lo)` for a fraction f (a multiple of 1/16, so
certificates carry short rationals; integer variables round down). Strong branching
evaluates both children of every candidate of every node in one batched interval call and
keeps, per node, the candidate whose worse child is best — the heuristic's rule — replacing
an earlier candidate only on a strict improvement, so candidate order breaks ties.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from prover.evaluation import child_arrays
from prover.policies import Heuristic
from prover.tactics import Split

GRID = 16


def frac_split(node, i: int, frac: float, variables) -> Split | None:
    """Split variable i at fraction `frac` of its width (None when that does not cut the box)."""
    lo, hi = node.goal.box[i]
    k = min(GRID - 1, max(1, round(float(frac) * GRID)))
    c = lo + (hi - lo) * Fraction(k, GRID)
    if variables[i].vtype != "real":
        c = Fraction(c.numerator // c.denominator)
        return Split(i, c) if lo <= c < hi else None
    return Split(i, c) if lo < c < hi else None


def split_fraction(node, split: Split) -> float:
    lo, hi = node.goal.box[split.var]
    return float((split.at - lo) / (hi - lo))


def strong_branch(nodes, cands: list[list[Split]], ctx) -> tuple[list[Split], list[np.ndarray]]:
    """Per node, the best of its candidates, and the (K,) scores of all of them."""
    kids_lo, kids_hi = [], []
    for n, splits in zip(nodes, cands):
        for sp in splits:
            for _, lo, hi in child_arrays(n, sp, ctx.variables):
                kids_lo.append(lo)
                kids_hi.append(hi)
    facts = ctx.evaluator.facts(np.array(kids_lo), np.array(kids_hi)) if kids_lo else []
    best, scores, k = [], [], 0
    for splits in cands:
        row = np.empty(len(splits))
        for j in range(len(splits)):
            sa, sb = Heuristic._child_score(facts[k], ctx), Heuristic._child_score(facts[k + 1], ctx)
            row[j] = min(sa, sb) + 1e-3 * min(max(sa, sb), 1e12)
            k += 2
        best.append(splits[int(np.argmax(row))])        # argmax: the first of equal scores
        scores.append(row)
    return best, scores
