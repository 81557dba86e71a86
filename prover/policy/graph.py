"""The lifted DAG as the network sees it: nodes, edges and features (numpy only, no torch).

`GoalGraph.of(evaluator)` walks the goal's expressions (the reward, every validity condition,
every assume) once: each distinct operation of the unrolled DAG is a node, each uncertain
variable one node (nodes 0..V-1, whatever number of `Name` nodes mention it), constants are left
out (their value only shifts an operation's bounds, which the node's own features carry).
Edges run operand → operation (messages flow both ways in the network).

Node features are static — the operation kind, root flags (reward, condition, assume), the
step (the largest step of any variable below the node) over the horizon, depth, fan-in and
fan-out — and dynamic, per search node: the node's interval over the search node's box
relative to its interval over the goal's root box (log width ratio, offset of the midpoint),
or for a condition the truth values it can still take. The dynamic features come from one
batched interval evaluation of the popped boxes, read out of the evaluator's own program
(`BoxEvaluator`: one step per DAG node), so no second copy of the arithmetic exists.

Candidates are what the pointer chooses among: `candidates()` lists (kind, node) pairs —
today every input variable (kind 0); lifted quantities (spatial branching) would be a second
kind pointing at their DAG node, without changing the network.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsl import ast
from dsl.walk import Fold

OPS = ("input", "neg", "not", "add", "sub", "mul", "div", "pow", "and", "or", "cmp", "ite", "abs", "min", "max",
       "other")
N_STATIC = len(OPS) + 7
N_DYNAMIC = 5
CANDIDATE_KINDS = ("input",)          # a lifted-quantity kind slots in here when spatial branching lands
_BINOPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow"}


def op_of(e) -> str:
    """The operation kind of one DAG node."""
    if isinstance(e, ast.BinOp):
        return _BINOPS.get(e.op, "other")
    if isinstance(e, ast.Call):
        return e.func if e.func in ("abs", "min", "max") else "other"
    if isinstance(e, ast.BoolOp):
        return e.op if e.op in ("and", "or") else "other"
    return {ast.Neg: "neg", ast.Not: "not", ast.Compare: "cmp", ast.Ite: "ite"}.get(type(e), "other")


class _Nodes(Fold):
    """Numbers the DAG's operations (after the V variable nodes) and records operand edges."""

    def __init__(self, columns: dict):
        super().__init__()
        self.columns, self.exprs, self.ops, self.edges = columns, [], [], []

    def combine(self, e, kids):
        if isinstance(e, (ast.Num, ast.BoolLit)):
            return None
        if isinstance(e, ast.Name):
            return self.columns.get(e.id)
        me = len(self.columns) + len(self.exprs)
        self.exprs.append(e)
        self.ops.append(OPS.index(op_of(e)))
        self.edges += [(k, me) for k in dict.fromkeys(kids) if k is not None]
        return me


@dataclass(frozen=True, eq=False)
class GoalGraph:
    """One goal's lifted DAG: static node features, edges and how to read node intervals."""

    static: np.ndarray         # (N, N_STATIC) float32
    src: np.ndarray            # (E,) operand node
    dst: np.ndarray            # (E,) operation node
    steps: np.ndarray          # (N,) the evaluator program's step of each node (−1: a variable)
    n_vars: int
    root_lo: np.ndarray        # (N,) each node's interval over the root box (bool nodes: 0, 1)
    root_hi: np.ndarray
    boolean: np.ndarray        # (N,) the node is a condition (bool valued)
    evaluator: object          # the GoalEvaluator whose program `steps` index

    @property
    def n_nodes(self) -> int:
        return len(self.steps)

    @staticmethod
    def of(evaluator) -> "GoalGraph":
        variables = evaluator.u.variables
        walk = _Nodes({v.name: i for i, v in enumerate(variables)})
        roots = [walk.eval(e) for e in evaluator.exprs]
        V, ops = len(variables), np.array([0] * len(variables) + walk.ops, dtype=np.int64)
        edges = np.array(walk.edges, dtype=np.int64).reshape(-1, 2)
        entries = evaluator.engine.intervals.memo._entries
        steps = np.array([-1] * V + [entries[id(e)][1] if id(e) in entries else -2 for e in walk.exprs])
        static = _static(variables, ops, edges, roots, evaluator.n_cond)
        lo, hi = _root_box(variables)
        g = GoalGraph(static, edges[:, 0], edges[:, 1], steps, V, np.zeros(len(ops)), np.zeros(len(ops)),
                      np.zeros(len(ops), bool), evaluator)
        r_lo, r_hi, boolean = g.intervals(lo[None], hi[None])
        return GoalGraph(static, g.src, g.dst, steps, V, r_lo[0], r_hi[0], boolean, evaluator)

    def intervals(self, lo: np.ndarray, hi: np.ndarray):
        """(B, N) lower and upper ends of every node over B boxes (B, V), and (N,) which are bool."""
        B, N = lo.shape[0], self.n_nodes
        vals = self.evaluator.engine.intervals.run(lo, hi)
        out_lo, out_hi = np.zeros((B, N)), np.zeros((B, N))
        out_lo[:, : self.n_vars], out_hi[:, : self.n_vars] = lo, hi
        boolean = np.zeros(N, bool)
        for j in range(self.n_vars, N):
            if self.steps[j] >= 0:
                a, b = vals[self.steps[j]]
                boolean[j] = np.asarray(a).dtype == bool
                out_lo[:, j], out_hi[:, j] = a, b
        return out_lo, out_hi, boolean

    def dynamic(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """(B, N, N_DYNAMIC) features of every node over B boxes (B, V), relative to the root box."""
        n_lo, n_hi, _ = self.intervals(lo, hi)                                        # (B, N)
        with np.errstate(all="ignore"):
            w, w0 = n_hi - n_lo, (self.root_hi - self.root_lo)[None, :]               # (B, N), (1, N)
            finite = np.isfinite(w) & np.isfinite(w0) & (w0 > 0)
            ratio = np.where(finite, np.log2(np.maximum(w, 1e-30) / np.where(finite, w0, 1.0)), 0.0)
            mid = np.where(finite, ((n_lo + n_hi) / 2 - (self.root_lo + self.root_hi)[None] / 2)
                           / np.where(finite, w0, 1.0), 0.0)
        f = np.zeros((*n_lo.shape, N_DYNAMIC), np.float32)
        num = ~self.boolean[None, :]
        f[..., 0] = np.where(num, np.clip(ratio, -40, 0) / 20, 0)
        f[..., 1] = np.where(num, np.clip(mid, -2, 2), 0)
        f[..., 2] = num & finite
        f[..., 3] = np.where(self.boolean[None, :], n_lo, 0)        # bool: can be false
        f[..., 4] = np.where(self.boolean[None, :], n_hi, 0)        # bool: can be true
        return f

    def candidates(self) -> np.ndarray:
        """(C, 2) the pointer's candidates as (kind, node): every input variable, in order."""
        return np.stack([np.zeros(self.n_vars, np.int64), np.arange(self.n_vars)], axis=1)


def _static(variables, ops, edges, roots, n_cond: int) -> np.ndarray:
    """(N, N_STATIC) operation one-hot, root flags, step / horizon, depth, log fan-in / fan-out."""
    N, V = len(ops), len(variables)
    horizon = max([v.step or 0 for v in variables] + [1])
    step, depth = np.zeros(N), np.zeros(N)
    step[:V] = [(v.step or 0) for v in variables]
    for a, b in edges:                                   # operands are numbered before operations
        step[b], depth[b] = max(step[b], step[a]), max(depth[b], depth[a] + 1)
    f = np.zeros((N, N_STATIC), np.float32)
    f[np.arange(N), ops] = 1
    k = len(OPS)
    for j, r in enumerate(roots):
        if r is not None and r >= V:
            f[r, k + (0 if j == 0 else 1 if j <= n_cond else 2)] = 1
    f[:, k + 3] = step / horizon
    f[:, k + 4] = depth / max(depth.max(), 1)
    f[:, k + 5] = np.log1p(np.bincount(edges[:, 1], minlength=N)) / 3 if len(edges) else 0
    f[:, k + 6] = np.log1p(np.bincount(edges[:, 0], minlength=N)) / 3 if len(edges) else 0
    return f


def _root_box(variables) -> tuple[np.ndarray, np.ndarray]:
    lo = [0.0 if v.lo is None else float(v.lo) for v in variables]
    hi = [1.0 if v.hi is None else float(v.hi) for v in variables]
    return np.array(lo), np.array(hi)


def graph_size(g: GoalGraph) -> tuple[int, int]:
    """(nodes, edges), for logs."""
    return g.n_nodes, len(g.src)
