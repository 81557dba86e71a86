"""How much any split policy could gain on a goal: a rollout-lookahead oracle against smear.

`warrant corpus headroom --corpus corpus/goalset --split test --domain sir` proves each goal's
validity claim, then its reward claim, with splits only (float boxes, no SMT, no cuts; the
search's closing rules: interval facts, then the mean-value form): once splitting by smear at
midpoints, once by a one-step lookahead that at every node tries every splittable variable
at 1/4, 3/8, 1/2, 5/8 and 3/4 of its width, completes each candidate's two children with
smear, and applies the candidate whose completed subtrees are smallest. The ratio of the two proof sizes estimates
the headroom a learned split policy has on that goal: a policy that imitates the lookahead
perfectly would reach about that ratio. It also counts smear's proof with interval leaves only
(the mean-value form's gain; a whole proof past ROOT_CAP nodes counts as ROOT_CAP). An
analysis tool, not a prover: it certifies nothing.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from prover.bounds.evaluation import GoalEvaluator, to_arrays
from prover.calculus.goals import root_box
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import unroll

FRACTIONS = (0.25, 0.375, 0.5, 0.625, 0.75)
CAP = 5000            # nodes per completed subtree (a candidate that needs more counts as CAP)
ROOT_CAP = 30_000     # nodes of a whole smear proof


class Splitting:
    """Proof sizes of one claim of one plan under smear and under the lookahead."""

    def __init__(self, u, kind: str, bound: float | None, mean_value: bool = True, pins: bool = True):
        self.ev, self.sens = GoalEvaluator(u, pins), Sensitivity(u)
        self.kind, self.bound, self.mean_value = kind, bound, mean_value
        lo, hi = to_arrays([root_box(u.variables)])
        self.root = (lo[0], hi[0])

    def facts(self, lo: np.ndarray, hi: np.ndarray) -> tuple[list, list[bool]]:
        """Interval facts of N boxes and whether each closes (intervals, then the mean-value
        form, as the search closes boxes)."""
        facts = self.ev.facts(lo, hi)
        if not self.mean_value:
            return facts, [f.infeasible or (not f.undecided if self.kind == "valid" else f.lo >= self.bound)
                           for f in facts]
        if self.kind == "valid":
            open_ = [i for i, f in enumerate(facts) if not f.infeasible and f.undecided]
            left = self.ev.mean_value_undecided(lo[open_], hi[open_], [facts[i].undecided for i in open_]) \
                if open_ else []
            still = {i for i, u in zip(open_, left) if u}
        else:
            open_ = [i for i, f in enumerate(facts) if not f.infeasible and f.lo < self.bound]
            better = self.ev.mean_value(lo[open_], hi[open_]) if open_ else []
            still = {i for i, mv in zip(open_, better) if mv < self.bound}
        return facts, [i not in still for i in range(len(facts))]

    def smear_vars(self, lo: np.ndarray, hi: np.ndarray, facts) -> np.ndarray:
        undecided = [None if self.kind == "reward" else f.undecided for f in facts]
        s = self.sens.scores_batch(lo, hi, undecided)                                # (B, V)
        ok = hi > lo
        flat = ~np.any((s > 0) & ok, axis=1)
        s = np.where(flat[:, None], hi - lo, s)
        return np.argmax(np.where(ok, s, -1.0), axis=1)

    @staticmethod
    def children(lo, hi, v: int, frac: float):
        c = lo[v] + frac * (hi[v] - lo[v])
        left_hi, right_lo = hi.copy(), lo.copy()
        left_hi[v], right_lo[v] = c, c
        return (lo, left_hi), (right_lo, hi)

    def smear_sizes(self, boxes: list, cap: int = CAP) -> list[int]:
        """Nodes of each box's smear proof (the box itself included), level by level in batches."""
        size = [1] * len(boxes)
        facts, closed = self.facts(np.array([b[0] for b in boxes]), np.array([b[1] for b in boxes]))
        level = [(i, lo, hi, f) for i, ((lo, hi), f, c) in enumerate(zip(boxes, facts, closed)) if not c]
        while level:
            lo = np.array([x[1] for x in level])
            hi = np.array([x[2] for x in level])
            owners, los, his = [], [], []
            for (i, a, b, _), v in zip(level, self.smear_vars(lo, hi, [x[3] for x in level])):
                for kid in self.children(a, b, int(v), 0.5):
                    owners.append(i)
                    los.append(kid[0])
                    his.append(kid[1])
                    size[i] += 1
            for i in set(owners):
                if size[i] >= cap:
                    size[i] = cap
            facts, closed = self.facts(np.array(los), np.array(his))
            level = [(i, a, b, f) for i, a, b, f, c in zip(owners, los, his, facts, closed)
                     if size[i] < cap and not c]
        return size

    def lookahead_size(self, budget: int = 20 * CAP, fractions=FRACTIONS) -> int:
        """Nodes of the lookahead's proof (capped at `budget`)."""
        total, stack = 0, [self.root]
        while stack and total < budget:
            lo, hi = stack.pop()
            total += 1
            if self.facts(lo[None], hi[None])[1][0]:
                continue
            cands = [(v, fr) for v in range(len(lo)) if hi[v] > lo[v] for fr in fractions]
            sizes = self.smear_sizes([kid for v, fr in cands for kid in self.children(lo, hi, v, fr)])
            j = int(np.argmin([sizes[2 * j] + sizes[2 * j + 1] for j in range(len(cands))]))
            stack.extend(self.children(lo, hi, *cands[j]))
        return min(total, budget)


@dataclass(frozen=True)
class ClaimSizes:
    """Proof nodes of one claim: smear with mean-value leaves, the lookahead (None when not
    run), smear with interval leaves only."""
    smear: int
    lookahead: int | None
    interval_only: int


@dataclass(frozen=True)
class GoalHeadroom:
    """A goal's proof sizes, per claim."""
    domain: str
    horizon: int
    valid: ClaimSizes
    reward: ClaimSizes

    @property
    def smear(self) -> int:
        return self.valid.smear + self.reward.smear

    @property
    def interval_only(self) -> int:
        return self.valid.interval_only + self.reward.interval_only

    @property
    def lookahead(self) -> int | None:
        return None if self.valid.lookahead is None else self.valid.lookahead + self.reward.lookahead

    @property
    def ratio(self) -> float | None:
        """lookahead / smear, when both proofs stayed below the subtree cap (else None)."""
        look = self.lookahead
        return None if look is None or max(self.smear, look) >= CAP else look / self.smear

    @property
    def gain(self) -> float | None:
        """interval-only / mean-value smear, when both stayed below ROOT_CAP (else None)."""
        return None if max(self.smear, self.interval_only) >= ROOT_CAP else self.interval_only / self.smear


@dataclass(frozen=True)
class Summary:
    """The ratios of the goals below the caps: their count, median and geometric mean."""
    name: str
    goals: int
    median: float
    geometric_mean: float


def goal_headroom(goal, lookahead: bool = True, fractions=FRACTIONS, pins: bool = True) -> dict[str, ClaimSizes]:
    """Per claim ("valid", "reward"): smear's proof size with the mean-value form (`pins`: with
    monotone variables pinned), the lookahead's (None when not asked for) and smear's with
    interval leaves only."""
    u = unroll(goal.domain, goal.plan)
    out = {}
    for kind, bound in (("valid", None), ("reward", float(goal.bound))):
        s = Splitting(u, kind, bound, pins=pins)
        plain = Splitting(u, kind, bound, mean_value=False)
        out[kind] = ClaimSizes(s.smear_sizes([s.root], ROOT_CAP)[0],
                               s.lookahead_size(fractions=fractions) if lookahead else None,
                               plain.smear_sizes([plain.root], ROOT_CAP)[0])
    return out


def headroom(corpus: Path, split: str, domain: str | None = None, max_goals: int | None = None,
             lookahead: bool = True, pins: bool = True, fractions=FRACTIONS) -> Iterator[GoalHeadroom]:
    """The proof sizes of the goals of `corpus`'s `split` (only `domain`'s, when given), one
    goal at a time; `pins`: False measures the mean-value form without monotone pins."""
    from corpus import goalset
    records = [r for r in goalset.load_records(corpus, split) if domain is None or Path(r.domain).stem == domain]
    for r in records[:max_goals]:
        h = goal_headroom(goalset.to_goal(r), lookahead=lookahead, fractions=fractions, pins=pins)
        yield GoalHeadroom(r.domain, r.horizon, h["valid"], h["reward"])


def summaries(rows: list[GoalHeadroom]) -> list[Summary]:
    """lookahead / smear and interval-only / mean-value smear over the goals below the caps
    (a ratio no goal has is left out)."""
    out = []
    for name, xs in (("lookahead / smear", [r.ratio for r in rows]),
                     ("interval-only / mean-value smear", [r.gain for r in rows])):
        xs = [x for x in xs if x is not None]
        if xs:
            geo = math.exp(statistics.fmean(math.log(x) for x in xs))
            out.append(Summary(name, len(xs), statistics.median(xs), geo))
    return out
