"""Sampled sensitivities of a goal's objective, for the split rules of the hand policies.

For a reward claim the objective is R; for a validity claim it is the margin `l − r` of
every comparison inside a condition not yet proved. Partial derivatives are central finite
differences at the box midpoint, all variables in one batched point evaluation. They only
steer the search: soundness never depends on them.
"""
from __future__ import annotations

import numpy as np

from dsl import ast
from prover.bounds.interval import BoxEvaluator
from prover.calculus.unroll import Unrolled

_NOWHERE = ast.Pos(0, 0, 0, 0)


def comparison_atoms(cond: ast.Expr, bool_names: frozenset) -> list[ast.Expr]:
    """`l − r` for each comparison of numbers inside a condition (through and/or/not); a
    comparison of booleans (`bool_names` are the boolean variables) has no margin."""
    out, stack = [], [cond]
    while stack:
        e = stack.pop()
        if isinstance(e, ast.Compare) and ast.is_boolean(e.left, bool_names):
            continue
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
        bools = frozenset(v.name for v in u.variables if v.vtype == "bool")
        for i, c in enumerate(u.conditions):
            for a in comparison_atoms(c.expr, bools):
                atoms.append(a)
                self.atom_owner.append(i)
        self.atom_owner_arr = np.array(self.atom_owner, dtype=np.int64)              # (A,)
        self.engine = BoxEvaluator([u.reward, *atoms], u.variables)
        self.kinds = [v.vtype for v in u.variables]

    def scores_batch(self, lo: np.ndarray, hi: np.ndarray, undecided: list) -> np.ndarray:
        """(B, V) smear scores |∂f/∂x_i| · w_i on B boxes [lo, hi] (each (B, V)) in one point call.
        `undecided[b]` None means the reward objective; else the margins of those conditions."""
        B, V = lo.shape
        mid = (lo + hi) / 2                                                          # (B, V)
        h = (hi - lo) / 4                                                            # (B, V)
        eye = np.eye(V)[None, :, :]                                                  # (1, V, V)
        plus = mid[:, None, :] + eye * h[:, None, :]                                 # (B, V, V)
        minus = mid[:, None, :] - eye * h[:, None, :]                                # (B, V, V)
        pts = np.concatenate([plus, minus, mid[:, None, :]], axis=1).reshape(-1, V)  # (B(2V+1), V)
        vals = [np.asarray(v, dtype=np.float64).reshape(B, 2 * V + 1) for v in self.engine.point(pts)]
        score = np.zeros((B, V))
        for b in range(B):
            score[b] = self._score(vals, b, V, undecided[b])
        return score

    def _score(self, vals, b: int, V: int, undecided) -> np.ndarray:
        if undecided is None:
            rows, weights = [vals[0][b]], [1.0]
        else:
            wanted = set(undecided)
            rows = [vals[1 + k][b] for k, owner in enumerate(self.atom_owner) if owner in wanted]
            weights = [1.0 / (abs(r[-1]) + 1e-9) for r in rows]     # near-zero margins matter most
        score = np.zeros(V)
        for r, wt in zip(rows, weights):
            grad = np.abs(r[:V] - r[V:2 * V]) / 2                                   # (V,) ≈ |∂f/∂x|·h
            score += wt * np.nan_to_num(grad, nan=0.0, posinf=1e300)
        return score
