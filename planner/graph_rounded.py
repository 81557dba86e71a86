"""The scenario graph's layers in outward-rounded interval arithmetic, where exact numbers explode.

Nonlinear dynamics double the digits of the exact state at every product (a logistic fishery's
stock has 178-digit denominators after ten years in one scenario; SIR's grow past millions), and
the graph search evaluates thousands of nodes per layer. Past `EXACT_BITS` the graph carries
each state, in each scenario, as an enclosure [lo, hi] (floats rounded outward by the batched
interval evaluator, `prover.bounds.interval`, the semantics property-tested against the
interpreter) and steps a whole layer — every node, instance and scenario — in one batch.

An edge is kept unless some condition is certainly false in some scenario (every plan valid in
the set stays in the graph); its reward is the midpoint of its enclosure, a float. A graph with
rounded layers ranks candidates, and nothing more: its values are approximate (the planner
shows them with ≈), so it gives no upper bound U (`ScenarioGraph.rounded`; the candidates'
ranking is not exhaustive), and the prover decides every candidate it proposes.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dsl.model import Domain
from prover.bounds.interval import BoxEvaluator, const_bounds, i_add, i_mul
from prover.calculus.unroll import UVar

EXACT_BITS = 64            # exact states up to this many bits of denominator, rounded past it
LARGE = 1e300              # stands in for a reward enclosure without a finite midpoint


def too_long(states: tuple[dict, ...], bits: int = EXACT_BITS) -> bool:
    """Whether some exact state value has grown past `bits` of denominator (time to round)."""
    return any(not isinstance(x, bool) and (x.denominator.bit_length() > bits or x.numerator.bit_length() > 4 * bits)
               for st in states for x in st.values())


def box_of(domain: Domain, states: tuple[dict, ...]) -> tuple:
    """The enclosure key of exact states: per scenario, per state, lo and hi (floats, flat)."""
    return tuple(x for st in states for s in domain.states for x in _enclose(st[s.name]))


def _enclose(x) -> tuple[float, float]:
    return (float(x), float(x)) if isinstance(x, bool) else const_bounds(Fraction(x))


def _var(name: str, vtype: str) -> UVar:
    return UVar(name, "param", name, None, vtype, None, None)


@dataclass(frozen=True)
class Step:
    """One kept edge of a rounded layer."""

    node: int                   # index into the layer
    instance: object            # the ActionInstance
    box: tuple                  # the post-state enclosure, flat as `box_of` (the child's key)
    rewards: tuple              # per scenario: the midpoint of the step reward's enclosure (float)
    prefix: tuple               # per scenario: the parent's best prefix reward plus this step's
    score: float                # min over scenarios of `prefix` (the beam's score)


class Stepper:
    """Batched interval steps of one domain under one scenario set (compiled once per build)."""

    def __init__(self, domain: Domain, scenarios):
        self.d, self.scenarios = domain, scenarios
        self.states = [_var(s.name, s.vtype) for s in domain.states]
        self.params = [_var(p.name, p.vtype) for p in domain.params]
        post_exprs = [*domain.safes, domain.step_reward or _zero(domain)]
        self.post = BoxEvaluator(post_exprs, self.states + self.params)
        self.final_ev = BoxEvaluator([domain.final_reward or _zero(domain)], self.states + self.params)
        self.pre = {a.name: self._pre(a) for a in domain.actions}
        self.p_lo, self.p_hi = self._columns([[sc.params[p.name] for p in domain.params] for sc in scenarios])

    def _pre(self, action):
        names = [_var(d.name, d.vtype) for d in self.d.disturbances]
        args = [_var(a.name, "int") for a in action.args]
        exprs = [*action.requires, *(e for _, e in action.effects), action.reward or _zero(self.d)]
        return BoxEvaluator(exprs, self.states + self.params + names + args)

    @staticmethod
    def _columns(rows) -> tuple[np.ndarray, np.ndarray]:
        lo = np.array([[_enclose(x)[0] for x in r] for r in rows], dtype=np.float64).reshape(len(rows), -1)
        hi = np.array([[_enclose(x)[1] for x in r] for r in rows], dtype=np.float64).reshape(len(rows), -1)
        return lo, hi

    def layer(self, t: int, boxes: list[tuple], best: list[tuple]) -> list[Step]:
        """Every edge out of the layer's nodes (their keys' boxes; `best`: their best prefix
        rewards) that may be valid in every scenario, node by node and, within a node, in
        `domain.instances()` order."""
        lo, hi = self._unpack(boxes)                                 # (N, S, K) each
        prefix = np.array(best, dtype=np.float64).reshape(len(boxes), len(self.scenarios))
        out: dict = {}
        for action in self.d.actions:
            insts = [i for i in self.d.instances() if i.action == action.name]
            out.update(self._steps(insts, prefix, *self._action(t, action, insts, lo, hi)))
        order = {inst: k for k, inst in enumerate(self.d.instances())}
        return [out[k] for k in sorted(out, key=lambda k: (k[0], order[k[1]]))]

    def final(self, boxes: list[tuple]) -> list[tuple]:
        """Per node, per scenario: the discounted final reward (its enclosure's midpoint)."""
        n, s = len(boxes), len(self.scenarios)
        lo, hi = self._states(boxes, 1)
        cols = (np.hstack([lo, np.tile(self.p_lo, (n, 1))]), np.hstack([hi, np.tile(self.p_hi, (n, 1))]))
        (r,) = self.final_ev.eval(*cols)
        g = const_bounds(self.d.discount ** self.d.horizon)
        return [tuple(row) for row in _mid(i_mul(r, (np.full(n * s, g[0]), np.full(n * s, g[1])))).reshape(n, s).tolist()]

    def _unpack(self, boxes):
        a = np.array(boxes, dtype=np.float64).reshape(len(boxes), len(self.scenarios), len(self.states), 2)
        return a[..., 0], a[..., 1]

    def _states(self, boxes, reps: int):
        """(N·reps·S, K) state columns: each node's boxes, repeated `reps` times."""
        lo, hi = self._unpack(boxes)
        k = len(self.states)
        return (np.repeat(lo[:, None], reps, axis=1).reshape(-1, k), np.repeat(hi[:, None], reps, axis=1).reshape(-1, k))

    def _action(self, t: int, action, insts, lo, hi) -> dict:
        n, s, k = lo.shape
        m = len(insts)
        rows = n * m * s                                          # row = (node, instance, scenario)
        st_lo = np.repeat(lo[:, None], m, axis=1).reshape(rows, k)
        st_hi = np.repeat(hi[:, None], m, axis=1).reshape(rows, k)
        d_lo, d_hi = self._columns([[sc.disturbances[d.name][t] for d in self.d.disturbances] for sc in self.scenarios])
        a_lo, a_hi = self._columns([list(i.args) for i in insts])
        cols = [(st_lo, st_hi), self._tile(self.p_lo, self.p_hi, n * m), self._tile(d_lo, d_hi, n * m),
                (np.repeat(np.tile(a_lo, (n, 1)), s, axis=0), np.repeat(np.tile(a_hi, (n, 1)), s, axis=0))]
        vals = self.pre[action.name].eval(np.hstack([c[0] for c in cols]), np.hstack([c[1] for c in cols]))
        nreq = len(action.requires)
        ok = np.ones(rows, dtype=bool)
        for can_true in (v[1] for v in vals[:nreq]):
            ok &= np.asarray(can_true, dtype=bool)
        post_lo, post_hi, in_range = self._post(st_lo.copy(), st_hi.copy(), action, vals[nreq:-1])
        pv = self.post.eval(np.hstack([post_lo, np.tile(self.p_lo, (n * m, 1))]),
                            np.hstack([post_hi, np.tile(self.p_hi, (n * m, 1))]))
        for can_true in (v[1] for v in pv[:-1]):
            ok &= np.asarray(can_true, dtype=bool)
        ok &= in_range
        reward = self._reward(t, vals[-1], pv[-1], rows)
        return (ok.reshape(n, m, s).all(axis=2), post_lo.reshape(n, m, s, k), post_hi.reshape(n, m, s, k),
                reward.reshape(n, m, s))

    def _tile(self, lo, hi, times: int):
        return np.tile(lo, (times, 1)), np.tile(hi, (times, 1))

    def _post(self, lo, hi, action, effects):
        """The post-state columns: effects' enclosures (ints rounded inward to integers, bools as
        0/1), clipped to the declared ranges; and where the range may hold."""
        index = {s.name: j for j, s in enumerate(self.d.states)}
        for (name, _), (e_lo, e_hi) in zip(action.effects, effects):
            j = index[name]
            if self.d.states[j].vtype == "bool":
                lo[:, j], hi[:, j] = np.where(e_lo, 0.0, 1.0), np.where(e_hi, 1.0, 0.0)
            else:
                lo[:, j], hi[:, j] = e_lo, e_hi
        ok = np.ones(lo.shape[0], dtype=bool)
        for j, s in enumerate(self.d.states):
            if s.vtype == "bool":
                continue
            if s.vtype == "int":
                lo[:, j], hi[:, j] = np.ceil(lo[:, j]), np.floor(hi[:, j])
            r_lo, r_hi = const_bounds(s.lo)[0], const_bounds(s.hi)[1]
            ok &= (hi[:, j] >= r_lo) & (lo[:, j] <= r_hi) & (lo[:, j] <= hi[:, j])
            lo[:, j], hi[:, j] = np.maximum(lo[:, j], r_lo), np.minimum(hi[:, j], r_hi)
        return lo, hi, ok

    def _reward(self, t: int, r_action, r_step, rows: int) -> np.ndarray:
        g = const_bounds(self.d.discount ** t)
        return _mid(i_mul(i_add(r_action, r_step), (np.full(rows, g[0]), np.full(rows, g[1]))))

    @staticmethod
    def _steps(insts, prefix, ok, lo, hi, reward) -> dict:
        nodes, which = np.nonzero(ok)
        flat = np.stack([lo, hi], axis=-1).reshape(lo.shape[0], lo.shape[1], -1)[nodes, which].tolist()
        r = reward[nodes, which]
        total = prefix[nodes] + r
        return {(n, insts[i]): Step(n, insts[i], tuple(b), tuple(x), tuple(p), sc)
                for n, i, b, x, p, sc in zip(nodes.tolist(), which.tolist(), flat, r.tolist(), total.tolist(),
                                             total.min(axis=1).tolist())}


def _mid(iv) -> np.ndarray:
    """Midpoints of enclosures (an unbounded end: ±LARGE), for ranking only."""
    with np.errstate(all="ignore"):
        return np.nan_to_num((np.clip(iv[0], -LARGE, LARGE) + np.clip(iv[1], -LARGE, LARGE)) / 2, nan=-LARGE)


def _zero(domain: Domain):
    from dsl import ast
    return ast.Num(Fraction(0), ast.Pos(0, 0, 0, 0))
