"""The worst found: concrete scenarios with low reward or broken validity, replayed exactly.

Candidates come from box midpoints, random corners and points, and a coordinate descent;
they are screened in float by the batched evaluator, and only the promising ones are
replayed by the exact reference interpreter — or, for a valid scenario whose exact numbers
would explode, by a rigorous enclosure of its reward (`prover.bounds.point`), kept as an upper
bound; a violation whose numbers would explode, by enclosures that decide the interpreter's
first failing condition. Nothing unreplayed is ever reported.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dsl.exact import approx, to_float
from dsl.interp import Outcome, Violation, run
from dsl.errors import InputError
from dsl.scenario import Scenario, validate
from prover.bounds.evaluation import GoalEvaluator
from prover.bounds.point import first_violation, replay_at
from prover.calculus.goals import Box, root_box
from prover.calculus.unroll import Unrolled, point_scenario, scenario_env

Point = tuple[Fraction, ...]


@dataclass(frozen=True, slots=True)
class Witness:
    """An admissible scenario and its exact outcome (valid with reward R, or a violation).
    Where the exact replay would be too long (`prover.bounds.point`), a valid scenario's reward
    is known by a rigorous `enclosure` (lo, hi) instead, and `outcome.reward` is its upper end:
    the scenario earns at most that, so the worst case is at most that too."""

    scenario: Scenario
    outcome: Outcome
    enclosure: tuple[Fraction, Fraction] | None = None
    enclosed: bool = False           # known by rigorous enclosures, not an exact replay (a reward
                                     # `enclosure`, or a violation the enclosures decide)


class WorstTracker:
    """Keeps the lowest exact reward seen and the first exact violation seen."""

    def __init__(self, u: Unrolled, ev: GoalEvaluator):
        self.u, self.ev = u, ev
        self.lowest: Witness | None = None
        self.invalid: Witness | None = None
        self.replays = 0
        self.best_point: Point | None = None         # the point of `lowest`
        self._polisher = None

    def polish(self, box: Box, starts) -> None:
        """Local optimisation (`prover.search.polish`) from each start (and from the worst point
        found so far, when it is in `box`); each optimum found is offered like any other point
        (screened, then replayed before it counts)."""
        if self.best_point is not None and all(lo <= x <= hi for x, (lo, hi) in zip(self.best_point, box)):
            starts = [*starts, self.best_point]
        if self._polisher is None:
            from prover.search.polish import Polisher
            self._polisher = Polisher(self.u)
        found = [p for p in (self._polisher.polish(box, s) for s in starts) if p is not None]
        if found:
            self.offer(found)

    @property
    def value(self) -> Fraction | None:
        return self.lowest.outcome.reward if self.lowest else None

    def offer(self, points, floats: np.ndarray | None = None):
        """Screen points in float (`floats`: their (N, V) float array, when already built);
        replay exactly the lowest and any that look invalid. Returns the float facts."""
        if not len(points):
            return None
        facts = self.ev.points(_floats(points) if floats is None else floats)
        ok = facts.admissible
        suspicious = np.flatnonzero(ok & ~facts.valid)
        for i in suspicious[:2]:
            self.replay(points[i])
        rewards = np.where(ok & facts.valid, facts.reward, np.inf)
        i = int(np.argmin(rewards))
        if np.isfinite(rewards[i]) and (self.lowest is None or rewards[i] < to_float(self.value) + 1e-9):
            self.replay(points[i])
        return facts

    def replay(self, point: Point) -> Witness | None:
        """Replay of one point (exact, or rigorous where exact numbers would explode): records it
        when admissible (inside every declared range, integral where declared int, every assume
        true) and new-worst or invalid. A violation is replayed exactly too, unless its numbers
        would explode and the enclosures decide it (`_rigorous_violation`)."""
        s = point_scenario(self.u, point)
        if not admissible(self.u.domain, s):
            return None
        self.replays += 1
        w = replayed(self.u, s, point)
        if not w.outcome.valid:
            self.invalid = self.invalid or w
        elif self.lowest is None or w.outcome.reward < self.value:
            self.lowest, self.best_point = w, point
        return w


def replayed(u: Unrolled, s: Scenario, point: Point | None = None) -> Witness:
    """The outcome of `u`'s plan in scenario `s` (at `point`, its values aligned with
    `u.variables`): by the exact interpreter, or — where its numbers would explode — by
    rigorous enclosures that decide it (`_rigorous`, `_rigorous_violation`)."""
    if point is None:
        env = scenario_env(u, s)
        point = tuple(env[v.name] for v in u.variables)
    return _rigorous(u, s, point) or _rigorous_violation(u, s, point) or Witness(s, run(u.domain, u.plan, s))


def _rigorous(u: Unrolled, s: Scenario, point: Point) -> Witness | None:
    """The witness of a valid point whose exact numbers would grow past `REPLAY_BITS`, by its
    rigorous enclosure; None when the exact replay is cheap (then it is the one to run) or when
    the enclosure cannot tell that the point is valid (an exact replay must decide)."""
    fast = replay_at(u, point)
    if not fast.rounded or fast.valid is not True or fast.reward is None:
        return None
    lo, hi = fast.reward
    return Witness(s, Outcome(True, hi, None, {}, (), None), (lo, hi), enclosed=True)


def _rigorous_violation(u: Unrolled, s: Scenario, point: Point) -> Witness | None:
    """The witness of the interpreter's first violation at a point whose exact numbers would
    grow past `REPLAY_BITS`, when the rigorous enclosures decide it (every condition checked
    before certainly holds, this one certainly fails); None when the exact replay is cheap or
    the enclosures cannot decide (an exact replay must)."""
    found = first_violation(u, point)
    if found is None or not found.rounded:
        return None
    c = u.conditions[found.condition]
    states = ", ".join(f"{n} in [{approx(lo, 8)}, {approx(hi, 8)}]" for n, lo, hi in found.states)
    violation = Violation(c.step, c.kind, c.text, c.action, f"rigorous enclosure: {states}")
    return Witness(s, Outcome(False, None, violation, {}, (), None), enclosed=True)


def admissible(domain, s: Scenario) -> bool:
    """Whether `s` is a scenario of `domain`: what `warrant simulate` accepts (ranges, int-ness,
    assumes), so that no witness is ever outside the uncertainty the claim quantifies over."""
    try:
        validate(domain, s, "replayed point")
    except InputError:
        return False
    return True


class FloatTracker:
    """The tracker of a sub-problem that is not a scenario of the plan (the children of a cut):
    it keeps the lowest float reward at admissible points as a target for tightest searches,
    and never reports a witness (a point of a cut's tail is not a replayable scenario)."""

    lowest = None
    invalid = None

    def __init__(self, u: Unrolled, ev: GoalEvaluator):
        self.u, self.ev = u, ev
        self.low: float | None = None
        self.replays = 0

    @property
    def value(self) -> Fraction | None:
        return None if self.low is None else Fraction(self.low)

    def offer(self, points, floats: np.ndarray | None = None):
        if not len(points):
            return None
        facts = self.ev.points(_floats(points) if floats is None else floats)
        rewards = np.where(facts.admissible, facts.reward, np.inf)
        low = float(np.min(rewards))
        if np.isfinite(low) and (self.low is None or low < self.low):
            self.low = low
        return facts

    def replay(self, point: Point) -> None:
        self.offer([point])


POINT_BUDGET = 2 ** 17  # floats per screened batch: with thousands of variables (long horizons)
                        # explore draws fewer points and moves fewer coordinates per round


def explore(tracker: WorstTracker, box: Box | None = None, seed: int = 0, samples: int = 256,
            rounds: int = 8, polish: bool = False) -> None:
    """Corners, random points, coordinate descent from the best admissible point, then (with
    `polish`) local optimisation from it."""
    u = tracker.u
    box = box or root_box(u.variables)
    rng = random.Random(seed)
    per_batch = max(16, POINT_BUDGET // max(1, len(box)))
    samples = min(samples, per_batch // 2)
    nominal = tuple(_nominal(u))
    corners = [tuple(b[rng.random() < 0.5] for b in box) for _ in range(samples)]
    inner = [tuple(_draw(b, v.vtype, rng) for b, v in zip(box, u.variables)) for _ in range(samples)]
    start = [nominal] + corners + inner
    current = _best_admissible(start, tracker.offer(start))
    for _ in range(rounds):
        moves = Moves(current, _moves(box, u.variables, rng, per_batch))
        nxt = _best_admissible(moves, tracker.offer(moves, moves.floats()))
        if nxt == current:
            break
        current = nxt
    if polish and hasattr(tracker, "polish"):
        tracker.polish(box, [current])


def _moves(box: Box, variables, rng: random.Random, cap: int) -> list:
    """(coordinate, value) of each move of one descent round: every end (and a real's middle),
    a random `cap` of them when there are more (the order is the old one either way)."""
    out = [(i, x) for i, b in enumerate(box)
           for x in (b[0], b[1], (b[0] + b[1]) / 2 if variables[i].vtype == "real" else b[0])]
    if len(out) > cap:
        out = [out[k] for k in sorted(rng.sample(range(len(out)), cap))]
    return out


class Moves:
    """The points of one descent round, built only when asked for: `base` with one coordinate
    moved per entry, then `base` itself last (an (N, V) list of tuples would be quadratic)."""

    def __init__(self, base: Point, moves: list):
        self.base, self.moves = base, moves

    def __len__(self) -> int:
        return len(self.moves) + 1

    def __getitem__(self, k: int) -> Point:
        if k == len(self.moves):
            return self.base
        i, x = self.moves[k]
        return self.base[:i] + (x,) + self.base[i + 1:]

    def floats(self) -> np.ndarray:
        out = np.tile(_floats([self.base])[0], (len(self), 1))
        if self.moves:
            rows = np.arange(len(self.moves))
            out[rows, [i for i, _ in self.moves]] = [to_float(x) for _, x in self.moves]
        return out


def _floats(points) -> np.ndarray:
    return np.array([[to_float(x) for x in p] for p in points], dtype=np.float64)


def _best_admissible(points, facts) -> Point:
    score = np.where(facts.admissible, np.where(facts.valid, facts.reward, -np.inf), np.inf)
    return points[int(np.argmin(score))]


def _nominal(u: Unrolled):
    d = u.domain
    for v in u.variables:
        if v.kind == "cut":        # a cut's fresh state: the middle of its box
            yield Fraction(0) if v.vtype == "bool" else Fraction(math.floor((v.lo + v.hi) / 2)) \
                if v.vtype == "int" else (v.lo + v.hi) / 2
            continue
        decl = d.var(v.source)
        yield Fraction(int(decl.nominal)) if v.vtype == "bool" else decl.nominal


def _draw(b, vtype: str, rng: random.Random) -> Fraction:
    lo, hi = b
    if vtype != "real":
        return Fraction(rng.randint(int(lo), int(hi)))
    return lo + (hi - lo) * Fraction(rng.randint(0, 1000), 1000)
