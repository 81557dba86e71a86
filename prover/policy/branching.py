"""Strong branching: judge candidate splits by what the search would know of their children.

One routine, `strong_branch`, with a pluggable score: the heuristic ranks a split by its worse
child (`worst_child`), the learned policy and the oracle first by the share of the box its
children close at once (`closed_share`). Candidates are `Split`s; `frac_split` makes one at a
fraction of a variable's width (a multiple of 1/16, so certificates carry short rationals).

The search closes a box by its interval facts, then by the mean-value form (reward claims: the
form's lower bound; validity: the conditions the form decides). Scoring candidate children by
interval facts alone misjudges splits whose gain only the mean-value form sees: on drone, the
split of the drag parameter that halves the reward proof looks no better than a wind split by
interval bounds, and clearly better by mean-value bounds (docs/benchmarks.md). So children are
scored with both, in one batched call per form for all candidates of all nodes.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from prover.bounds.evaluation import child_arrays
from prover.calculus.tactics import Split
from prover.policy.base import search_target

CLOSED = 1e300      # the score of a child that closes at once (or is inadmissible)
GRID = 16           # candidate split points are multiples of 1/GRID of a variable's width


@dataclass(frozen=True, slots=True)
class ChildView:
    score: float        # higher is better: R's lower bound (reward), −(conditions left open) (valid)
    closes: bool        # the search would close this child without splitting it


@dataclass(frozen=True, slots=True)
class Branch:
    """Strong branching's answer for one node."""

    split: Split        # the best candidate (the first of equal scores)
    scores: tuple       # each candidate's score, in candidate order
    facts: tuple        # the interval facts of the best candidate's two children (the search reuses them)


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


def worst_child(node, split: Split, a: ChildView, b: ChildView) -> float:
    """The heuristic's score: the split whose worse child is best."""
    return pair_score(a, b)


def closed_share(node, split: Split, a: ChildView, b: ChildView) -> tuple:
    """(width fraction of the children that close at once, worst-child score): carving off the
    largest closable piece comes first, then the heuristic's margin."""
    frac = split_fraction(node, split)
    closed = frac * a.closes + (1 - frac) * b.closes
    return round(closed, 9), pair_score(a, b)


Score = Callable[[object, Split, ChildView, ChildView], object]


def strong_branch(nodes, cands: list[list[Split]], ctx, score: Score = worst_child) -> list[Branch]:
    """Per node, the best of its candidates by `score` (the first of equal scores wins)."""
    tried = evaluate_candidates(nodes, cands, ctx, search_target(nodes[0], ctx)) if nodes else []
    out = []
    for n, splits, evaluated in zip(nodes, cands, tried):
        row = tuple(score(n, sp, va, vb) for sp, (_, (va, vb)) in zip(splits, evaluated))
        j = max(range(len(row)), key=lambda j: (row[j], -j))
        out.append(Branch(splits[j], row, evaluated[j][0]))
    return out


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
    """Where `split` cuts its variable, as a fraction of the node's width of it."""
    lo, hi = node.goal.box[split.var]
    return float((split.at - lo) / (hi - lo))
