"""Sampled sensitivities of a goal's objective, for the split rules of the hand policies.

For a reward claim the objective is R; for a validity claim it is the margin `l − r` of
every comparison inside a condition not yet proved. Partial derivatives are central finite
differences at the box midpoint, all variables in one batched point evaluation. They only
steer the search: soundness never depends on them.
"""
from __future__ import annotations

import numpy as np

from dsl import ast
from prover.interval import BoxEvaluator
from prover.unroll import Unrolled

_NOWHERE = ast.Pos(0, 0, 0, 0)


def comparison_atoms(cond: ast.Expr) -> list[ast.Expr]:
    """`l − r` for each comparison inside a condition (through and/or/not)."""
    out, stack = [], [cond]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Compare):
            out.append(ast.BinOp("-", e.left, e.right, _NOWHERE))
        elif isinstance(e, (ast.BoolOp, ast.Not)):
            stack.extend(ast.children(e))
    return out


class Sensitivity:
    """Finite-difference sensitivities of R and of each condition's comparison margins."""

    def __init__(self, u: Unrolled):
        self.atom_owner: list[int] = []
        atoms: list[ast.Expr] = []
        for i, c in enumerate(u.conditions):
            for a in comparison_atoms(c.expr):
                atoms.append(a)
                self.atom_owner.append(i)
        self.atom_owner_arr = np.array(self.atom_owner, dtype=np.int64)              # (A,)
        self.engine = BoxEvaluator([u.reward, *atoms], u.variables)
        self.kinds = [v.vtype for v in u.variables]

    def scores(self, lo: np.ndarray, hi: np.ndarray, undecided: tuple[int, ...] | None) -> np.ndarray:
        """(V,) smear scores |∂f/∂x_i| · w_i of the objective on the box [lo, hi] (each (V,)).
        `undecided` None means the reward objective; else the margins of those conditions."""
        V = lo.shape[0]
        w = hi - lo                                                                   # (V,)
        mid = (lo + hi) / 2
        h = w / 4
        plus = np.tile(mid, (V, 1)) + np.diag(h)                                      # (V, V)
        minus = np.tile(mid, (V, 1)) - np.diag(h)                                     # (V, V)
        vals = self.engine.point(np.vstack([plus, minus, mid[None, :]]))              # per expr (2V+1,)
        if undecided is None:
            f = [np.asarray(vals[0], dtype=np.float64)]
            weights = [1.0]
        else:
            wanted = set(undecided)
            f, weights = [], []
            for k, owner in enumerate(self.atom_owner):
                if owner in wanted:
                    a = np.asarray(vals[1 + k], dtype=np.float64)
                    f.append(a)
                    weights.append(1.0 / (abs(a[-1]) + 1e-9))   # near-zero margins matter most
        score = np.zeros(V)
        for a, wt in zip(f, weights):
            grad = np.abs(a[:V] - a[V:2 * V]) / 2                                     # (V,) ≈ |∂f/∂x|·h
            score += wt * np.nan_to_num(grad, nan=0.0, posinf=1e300)
        return score
