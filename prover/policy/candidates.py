"""Candidate splits and strong branching, shared by the learned policy and the oracle (numpy).

A candidate is `split v at lo + f·(hi − lo)` for a fraction f (a multiple of 1/16, so
certificates carry short rationals; integer variables round down). Strong branching
evaluates both children of every candidate of every node in one batched interval call and
keeps, per node, the candidate that closes the largest share of the box at once, then the
one whose worse child is best (the heuristic's rule); candidate order breaks ties.
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


def child_closes(f, node, ctx) -> bool:
    """Whether a child with interval facts `f` would be closed at once by the search."""
    if f.infeasible:
        return True
    if ctx.claim_kind == "valid":
        return not f.undecided
    bound = node.goal.claim.bound
    target = float(bound) if bound is not None else ctx.target
    return target is not None and f.lo >= target


def strong_branch(nodes, cands: list[list[Split]], ctx) -> tuple[list[Split], list[list[tuple]], list[tuple]]:
    """Per node, the best of its candidates, the score of each of them, and the interval facts
    of the best candidate's two children (the search reuses them). A score is
    (width fraction of the children that close at once, heuristic score): carving off the
    largest closable piece comes first, then the heuristic's worst-child margin."""
    kids_lo, kids_hi = [], []
    for n, splits in zip(nodes, cands):
        for sp in splits:
            for _, lo, hi in child_arrays(n, sp, ctx.variables):
                kids_lo.append(lo)
                kids_hi.append(hi)
    facts = ctx.evaluator.facts(np.array(kids_lo), np.array(kids_hi)) if kids_lo else []
    best, scores, chosen, k = [], [], [], 0
    for n, splits in zip(nodes, cands):
        row = []
        for sp in splits:
            fa, fb = facts[k], facts[k + 1]
            frac = split_fraction(n, sp)
            closed = frac * child_closes(fa, n, ctx) + (1 - frac) * child_closes(fb, n, ctx)
            sa, sb = Heuristic._child_score(fa, ctx), Heuristic._child_score(fb, ctx)
            row.append((round(closed, 9), min(sa, sb) + 1e-3 * min(max(sa, sb), 1e12)))
            k += 2
        j = max(range(len(row)), key=lambda j: (row[j], -j))       # the first of equal scores
        best.append(splits[j])
        scores.append(row)
        chosen.append((facts[k - 2 * len(splits) + 2 * j], facts[k - 2 * len(splits) + 2 * j + 1]))
    return best, scores, chosen
