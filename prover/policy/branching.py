"""Strong branching's view of a candidate split's children: what the search would know of them.

The search closes a box by its interval facts, then by the mean-value form (reward claims: the
form's lower bound; validity: the conditions the form decides). Scoring candidate children by
interval facts alone misjudges splits whose gain only the mean-value form sees: on drone, the
split of the drag parameter that halves the reward proof looks no better than a wind split by
interval bounds, and clearly better by mean-value bounds (docs/benchmarks.md). So children are
scored with both, in one batched call per form for all candidates of all nodes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prover.bounds.evaluation import child_arrays

CLOSED = 1e300      # the score of a child that closes at once (or is inadmissible)


@dataclass(frozen=True, slots=True)
class ChildView:
    score: float        # higher is better: R's lower bound (reward), −(conditions left open) (valid)
    closes: bool        # the search would close this child without splitting it


def child_views(facts: list, lo: np.ndarray, hi: np.ndarray, ctx, target: float | None) -> list[ChildView]:
    """Views of N children from their interval facts and float boxes (N, V); `target` is the
    bound the reward search must reach (None: not known yet, nothing closes)."""
    if not facts:
        return []
    if ctx.objective.bounds_reward:
        score = [f.lo for f in facts]
        todo = [i for i, f in enumerate(facts) if not f.infeasible and (target is None or f.lo < target)]
        if todo:
            for i, mv in zip(todo, ctx.evaluator.mean_value(lo[todo], hi[todo])):
                score[i] = max(score[i], float(mv))
        closes = [f.infeasible or (target is not None and s >= target) for f, s in zip(facts, score)]
    else:
        left = [f.undecided for f in facts]
        todo = [i for i, f in enumerate(facts) if not f.infeasible and f.undecided]
        if todo:
            for i, u in zip(todo, ctx.evaluator.mean_value_undecided(lo[todo], hi[todo], [left[i] for i in todo])):
                left[i] = u
        score = [-float(len(u)) for u in left]
        closes = [f.infeasible or not u for f, u in zip(facts, left)]
    return [ChildView(CLOSED if c else s, c) for s, c in zip(score, closes)]


def pair_score(a: ChildView, b: ChildView) -> float:
    """A split's score from its children's: the worse child first, the better one breaks ties."""
    return min(a.score, b.score) + 1e-3 * min(max(a.score, b.score), 1e12)


def evaluate_candidates(nodes, cands: list[list], ctx, target: float | None):
    """Per node, per candidate split: (interval facts of both children, views of both children),
    from one batched interval call and one batched mean-value call for all of them."""
    lo, hi = [], []
    for n, splits in zip(nodes, cands):
        for sp in splits:
            for _, a, b in child_arrays(n, sp, ctx.variables):
                lo.append(a)
                hi.append(b)
    if not lo:
        return [[] for _ in nodes]
    lo, hi = np.array(lo), np.array(hi)
    facts = ctx.evaluator.facts(lo, hi)
    views = child_views(facts, lo, hi, ctx, target)
    out, k = [], 0
    for splits in cands:
        row = []
        for _ in splits:
            row.append(((facts[k], facts[k + 1]), (views[k], views[k + 1])))
            k += 2
        out.append(row)
    return out
