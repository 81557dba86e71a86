"""Training labels: a strong-branching oracle at sampled nodes of real searches (numpy only).

`harvest` runs one search (any policy, SMT off, so every node is an interval split) and walks
its trees. At up to `per_goal` sampled nodes that were expanded or left open, the oracle tries
every splittable variable at several points (`POINTS`, midpoint first; variables in smear
order, so ties go to smear's choice) with one batched interval call per goal and records the
best (the share of the box its children close at once, then the worst-child margin), plus
each variable's best point. Every sampled node also records the size of its subtree in that
search, and whether the subtree closed (the value target).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from prover.bounds.evaluation import GoalEvaluator
from prover.policy.base import Context
from prover.policy.branching import closed_share, frac_split, split_fraction, strong_branch
from prover.policy.hand import Smear
from prover.policy.features import features
from prover.calculus.outcome import Outcome
from prover.bounds.sensitivity import Sensitivity
from prover.calculus.unroll import unroll

POINTS = (0.5, 0.375, 0.625, 0.25, 0.75)


@dataclass
class Sample:
    x: np.ndarray            # (V, F) features
    mask: np.ndarray         # (V,) splittable
    label: int               # the oracle's variable
    fracs: np.ndarray        # (V,) each variable's best split fraction (0.5 if not splittable)
    value: float             # log(subtree size) if the subtree closed, else nan
    goal: int                # index of the goal it came from
    lo: np.ndarray = None    # (V,) the node's float box (the DAG features are computed from it)
    hi: np.ndarray = None


def subtree_sizes(root) -> dict:
    """Node → number of nodes in its subtree (iterative post-order)."""
    sizes, order, stack = {}, [], [root]
    while stack:
        n = stack.pop()
        order.append(n)
        stack.extend(n.children)
    for n in reversed(order):
        sizes[n] = 1 + sum(sizes[c] for c in n.children)
    return sizes


def label_nodes(nodes, ctx: Context, goal_id: int, sizes: dict) -> list[Sample]:
    """Oracle samples for nodes of one goal (all share `ctx`)."""
    if not nodes:
        return []
    smear = Smear().scores_batch(nodes, ctx)                                         # (B, V)
    x, mask = features(nodes, ctx.variables, smear, ctx.target)
    cands, owners = [], []
    for n, row in zip(nodes, smear):
        splits, owner = [], []
        for i in [int(i) for i in np.argsort(-row, kind="stable") if row[i] >= 0]:
            for f in POINTS:
                sp = frac_split(n, i, f, ctx.variables)
                if sp is not None and sp not in splits:
                    splits.append(sp)
                    owner.append(i)
        cands.append(splits)
        owners.append(owner)
    branches = strong_branch(nodes, cands, ctx, closed_share)
    out = []
    for b, n in enumerate(nodes):
        fracs = np.full(len(ctx.variables), 0.5, dtype=np.float32)
        for i in set(owners[b]):
            idx = [j for j, o in enumerate(owners[b]) if o == i]
            j = max(idx, key=lambda j: (branches[b].scores[j], -j))
            fracs[i] = split_fraction(n, cands[b][j])
        closed = n.status is Outcome.PROVED
        value = math.log(sizes[n]) if closed else math.nan
        out.append(Sample(x[b], mask[b], branches[b].split.var, fracs, value, goal_id,
                          np.asarray(n.flo, float), np.asarray(n.fhi, float)))
    return out


def harvest(goal, goal_id: int, policy: str | object, budget, per_goal: int, seed: int):
    """(samples, verdict) from one search of `goal` (a corpus.goals.BenchGoal) with `policy`."""
    from prover.search.verify import verify_search
    # Split choices are learned from searches that split: without SMT, and without lp leaves,
    # which close most corpus goals at the root (the network learns the split tactic only).
    if isinstance(policy, str):
        r = verify_search(goal.domain, goal.plan, goal.bound, policy, budget, smt=False, use_lp=False)
    else:
        r = verify_search(goal.domain, goal.plan, goal.bound, policy.name, budget, smt=False, policy=policy,
                          use_lp=False)
    u = unroll(goal.domain, goal.plan)
    ev, sens = GoalEvaluator(u), Sensitivity(u)
    rng = random.Random(seed)
    samples = []
    for part in r.searches:
        root = getattr(part, "root", None)
        if root is None:
            continue
        sizes = subtree_sizes(root)
        pool = [n for n in sizes if (not n.is_leaf or not n.closed_by) and any(a < b for a, b in n.goal.box)
                and len(n.goal.box) == len(u.variables)]      # (a horizon cut's pieces have other variables)
        pool = rng.sample(pool, min(len(pool), per_goal // max(1, len(r.searches))))
        ctx = Context(u.variables, ev, sens, root.goal.claim, None)
        samples += label_nodes(pool, ctx, goal_id, sizes)
    return samples, r.verdict, r.nodes
