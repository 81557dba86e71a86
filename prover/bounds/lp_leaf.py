"""The `lp` leaf for the search: build a box's lifted relaxation exactly, let HiGHS suggest
duals, and keep the exact weak-duality bounds they give (`prover.bounds.relaxation`), with the LP's
primal points as scenarios worth replaying. A reward leaf bounds R; a validity leaf bounds the
margin of every comparison of every condition intervals leave undecided. Where the plain
relaxation falls short, rounds of optimization-based bound tightening (`prover.bounds.tightening`)
shrink the lifted quantities' bounds first. The certificate stores the duals (and the
tightening rounds); the checker rebuilds every row from the box and recomputes the bounds."""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from fractions import Fraction


from dsl import ast
from dsl.exact import float_bounds, to_float
from prover.calculus.goals import Box
from prover.bounds.interval_exact import ExactBoxFacts, LiftedFacts, exact_rational, to_fraction
from prover.backends.lp_highs import LpModel
from prover.bounds.obbt import Rounds, forward, tighten_on
from prover.bounds.relaxation import capped, dual_bound, lifted_order, lifted_roots, margin_holds, margins, relax
from prover.bounds.tightening import Round, condition_facts, cutoff, lp_evaluator, seeded
from prover.calculus.unroll import Unrolled

DENOMINATOR = 720720       # lcm(1..16): rounded duals are multiples of its inverse
ROUNDS = 6                 # tightening rounds at most per leaf


@dataclass(frozen=True)
class LpBound:
    bound: Fraction                # exact: R ≥ bound on the box's admissible scenarios
    duals: dict                    # row → exact multiplier (what the certificate stores)
    point: tuple                   # the LP solution's inputs, clipped into the box
    tighten: tuple = ()            # the tightening rounds the duals' relaxation comes after
    solution: dict | None = None   # id(DAG node) → its column's value at the LP solution (spatial branching)
    below: Fraction | None = None  # the rounds' cutoff (R ≤ below assumed): `bound` is at most it


@dataclass(frozen=True)
class LpValidity:
    proofs: dict | None            # margin → duals proving it ≥ 0 (> 0); None: not all proved
    points: tuple                  # the LP solutions minimising margins: scenarios to replay
    tighten: tuple = ()


class LpBounder:
    """`lp` leaves over boxes of one unrolled plan."""

    def __init__(self, u: Unrolled, seconds: float = 2.0):
        self.u, self.facts, self.seconds = u, ExactBoxFacts(u), seconds
        bools = frozenset(v.name for v in u.variables if v.vtype == "bool")
        self.margins, self.of_condition = margins(u.conditions, bools)
        self.roots = lifted_roots(u, self.margins)     # one relaxation for both claims
        self.order = lifted_order(u, self.roots)       # the quantities' numbers
        self._factors: list | None = None
        self._tightened: dict = {}                     # box → Rounds: validity's work serves R

    def lifted(self, bounds) -> "LpBounder":
        """This bounder for goals with lifted bounds (prover.calculus.lifted): its relaxations
        are built from intervals intersected with them (the checker builds the same)."""
        if not bounds:
            return self
        other = copy.copy(self)
        other.facts, other._tightened = LiftedFacts(self.facts, bounds), {}
        return other

    # ---- reward -------------------------------------------------------------------------
    def bound(self, box: Box, target: float | None = None, tighten_until: float | None = None,
              below: Fraction | None = None) -> LpBound | None:
        """The best exact lower bound of R on `box` the relaxation's duals give; with
        `tighten_until` (a monotonic deadline), tightening rounds while it stays below `target`,
        those on the full relaxation over the scenarios with R ≤ `below` when it is given (the
        negated claim: the bound is then min(the duals', below))."""
        state = self._start(box, tighten_until)
        if tighten_until is None:
            below = None
        elif below is not None:
            state = _copy(state)       # rounds assuming R ≤ below are this leaf's alone
        best = self._reward(state.rel)
        kept, rel = tuple(state.rounds), state.rel
        while tighten_until is not None and _full_rounds(state) < ROUNDS and (
                best is None or target is None or to_float(best[0]) < target):
            if not self._tighten(state, box, tighten_until, below):
                break
            if state.rel is None:      # no scenario of the box has R ≤ below: R > below on it
                return LpBound(below, {}, self._point(rel, None, box), tuple(state.rounds), None, below)
            got = self._reward(state.rel)
            if got is not None and (best is None or got[0] > best[0]):
                best, kept, rel = got, tuple(state.rounds), state.rel
        if best is None:
            return None
        value, duals, answer = best
        x = answer.point
        solution = None if x is None else {k: float(x[c]) for k, c in rel.index.items()}
        cut = cutoff(kept)
        value = to_fraction(value) if cut is None else min(to_fraction(value), cut)
        return LpBound(value, duals, self._point(rel, x, box), kept, solution, cut)

    def _reward(self, rel):
        """(bound, duals, answer) of min R on `rel` (None: no bound)."""
        objective = rel.objectives[0]
        if objective is None or not rel.rows:
            return None
        answer = LpModel(rel).minimize(objective, self.seconds)
        best = self._best(rel, objective, answer, exact=True)
        return None if best is None else (*best, answer)

    # ---- validity -----------------------------------------------------------------------
    def validity(self, box: Box, undecided, tighten_until: float | None = None) -> LpValidity:
        """Duals proving every comparison of the `undecided` conditions on `box`; with
        `tighten_until`, tightening rounds while some comparison is not proved."""
        undecided = sorted(set(undecided) | set(condition_facts(self.u, lp_evaluator(self.facts, box))[0]))
        wanted = [self.of_condition[c] for c in undecided]
        if any(w is None for w in wanted):
            return LpValidity(None, ())
        state = self._start(box, tighten_until)
        needed = [j for w in wanted for j in w]
        while True:
            proofs, points = self._margins(state.rel, needed, box)
            if proofs is not None:
                return LpValidity(proofs, points, tuple(state.rounds))
            if tighten_until is None or _full_rounds(state) >= ROUNDS or \
                    not self._tighten(state, box, tighten_until):
                return LpValidity(None, points)

    def _margins(self, rel, needed, box):
        model, deadline = None, time.monotonic() + self.seconds
        proofs, points = {}, []
        for j in needed:
            objective = rel.objectives[1 + j]
            if objective is None:
                return None, tuple(points)
            if margin_holds(rel.lo[objective], self.margins[j]):
                continue                               # intervals prove this comparison
            model = model or LpModel(rel)
            answer = model.minimize(objective, deadline - time.monotonic())
            if answer.point is not None:
                points.append(self._point(rel, answer.point, box))
            best = self._best(rel, objective, answer, exact=False)
            if best is None or not margin_holds(best[0], self.margins[j]):
                return None, tuple(points)
            proofs[j] = best[1]
        return proofs, tuple(points)

    # ---- tightening ---------------------------------------------------------------------
    def _start(self, box: Box, deadline: float | None = None) -> Rounds:
        """The box's relaxation after the tightening done on it so far; with a `deadline`, the
        forward pass first (`prover.bounds.obbt.forward`), or the rest of it where an earlier
        one ran out of time."""
        state = self._tightened.get(box)
        if deadline is None or (state is not None and state.reached == len(self.u.states) - 1):
            return state or Rounds(relax(self.u, lp_evaluator(self.facts, box), self.roots))
        got = forward(self.u, self.facts, box, self.roots, self.order, self._factor_numbers(), deadline,
                      self._judge, state)
        if got is None:
            return Rounds(relax(self.u, lp_evaluator(self.facts, box), self.roots))
        self._tightened = {box: got}
        return got

    def _tighten(self, state: Rounds, box, deadline: float, below: Fraction | None = None) -> bool:
        """One round of tightening every factor's bounds on the full `state.rel` (over the
        scenarios with R ≤ `below`, when given), by the rules the checker replays (`prover.
        bounds.tightening`); False when nothing shrank or time ran out first. A round that
        leaves no scenario sets `state.rel` None when it assumed R ≤ below (the box holds none
        with R that low: proved), else returns False (vacuous box: left to other leaves). Only
        rounds without `below` are kept for the box's other claims."""
        bounds = dict(state.bounds)
        steps = tighten_on(capped(state.rel, below), self.order, self._factor_numbers(), deadline, self._judge, bounds)
        if not steps:
            return False
        ev = seeded(self.facts, box, self.order, bounds)
        state.rounds.append(Round(tuple(steps), below=below))
        if ev is None:
            if below is None:
                state.rounds.pop()
                return False
            state.rel = None
            return True
        state.bounds, state.rel = bounds, relax(self.u, ev, self.roots)
        if below is None:
            self._tightened = {box: state}
        return True

    def _judge(self, rel, column, answer, sign):
        return self._best(rel, column, answer, exact=False, sign=sign)

    def _factor_numbers(self) -> list[int]:
        """The numbers of the lifted quantities whose bounds shape the relaxation: factors of
        products and quotients (not by a number: their rows are linear), bases of powers,
        arguments of abs/min/max (not constants)."""
        if self._factors is None:
            number = {id(n): i for i, n in enumerate(self.order)}
            found: dict = {}
            for n in self.order:
                if isinstance(n, ast.BinOp) and n.op in "*/^":
                    kids = (n.left,) if n.op == "^" else () if _by_a_number(n) else (n.left, n.right)
                elif isinstance(n, ast.Call) and n.func in ("abs", "min", "max"):
                    kids = n.args
                else:
                    continue
                for k in kids:
                    if not isinstance(k, (ast.Num, ast.Name)):
                        found[number[id(k)]] = True
            self._factors = sorted(found)
        return self._factors

    # ---- duals and points ---------------------------------------------------------------
    @staticmethod
    def _best(rel, objective: int, answer, exact: bool, sign: int = 1):
        """(bound, duals) of HiGHS's duals, or (`exact`) of the better of them and the same
        rounded to rationals over DENOMINATOR: a linear goal's duals are small rationals, and
        rounded they give its exact minimum instead of a float just below it."""
        if not answer.optimal:
            return None
        candidates = [{i: exact_rational(y) for i, y in answer.duals.items()}]
        if exact:
            short = ((i, round(y * DENOMINATOR)) for i, y in answer.duals.items())
            candidates.append({i: exact_rational(Fraction(k, DENOMINATOR)) for i, k in short if k})
        best = None
        for duals in candidates:
            value = dual_bound(rel, objective, duals, sign)
            if value is not None and (best is None or value > best[0]):
                best = value, duals
        return best

    def _point(self, rel, x, box: Box) -> tuple:
        out = []
        for v, (lo, hi) in zip(self.u.variables, box):
            c = rel.inputs.get(v.name)
            if c is None or v.vtype == "bool" or x is None or not math.isfinite(x[c]):
                out.append(lo)
                continue
            value = min(max(Fraction(float(x[c])), lo), hi)
            out.append(Fraction(math.floor(value)) if v.vtype == "int" else value)
        return tuple(out)


def _full_rounds(state: Rounds) -> int:
    """The rounds on the full relaxation so far (the forward pass's are not counted)."""
    return sum(r.reach is None for r in state.rounds)


def _copy(state: Rounds) -> Rounds:
    return Rounds(state.rel, list(state.rounds), dict(state.bounds), state.reached, set(state.tried))


def _by_a_number(n) -> bool:
    """A product with a number, or a quotient by one: a linear row, whatever the bounds."""
    return isinstance(n.right, ast.Num) or (n.op == "*" and isinstance(n.left, ast.Num))


def float_below(x: Fraction) -> float:
    """The largest float ≤ x (the search orders and closes leaves by floats)."""
    return float_bounds(x)[0]
