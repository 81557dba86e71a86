"""Candidate splits and strong branching, shared by the learned policy and the oracle (numpy).

A candidate is `split v at lo + f·(hi − lo)` for a fraction f (a multiple of 1/16, so
certificates carry short rationals; integer variables round down). Strong branching
evaluates both children of every candidate of every node in one batched call (interval facts,
then the mean-value form) and keeps, per node, the candidate that closes the largest share of
the box at once, then the one whose worse child is best (the heuristic's rule); candidate
order breaks ties.
"""
from __future__ import annotations

from fractions import Fraction

from prover.policy.branching import evaluate_candidates, pair_score
from prover.policy.hand import search_target
from prover.calculus.tactics import Split

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


def strong_branch(nodes, cands: list[list[Split]], ctx) -> tuple[list[Split], list[list[tuple]], list[tuple]]:
    """Per node, the best of its candidates, the score of each of them, and the interval facts
    of the best candidate's two children (the search reuses them). A score is
    (width fraction of the children that close at once, heuristic score): carving off the
    largest closable piece comes first, then the heuristic's worst-child margin. Children are
    judged as the search would (interval facts, then the mean-value form: prover.policy.branching)."""
    tried = evaluate_candidates(nodes, cands, ctx, search_target(nodes[0], ctx)) if nodes else []
    best, scores, chosen = [], [], []
    for n, splits, evaluated in zip(nodes, cands, tried):
        row = []
        for sp, (_, (va, vb)) in zip(splits, evaluated):
            frac = split_fraction(n, sp)
            closed = frac * va.closes + (1 - frac) * vb.closes
            row.append((round(closed, 9), pair_score(va, vb)))
        j = max(range(len(row)), key=lambda j: (row[j], -j))       # the first of equal scores
        best.append(splits[j])
        scores.append(row)
        chosen.append(evaluated[j][0])
    return best, scores, chosen
