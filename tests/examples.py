"""The known answers the tests of every layer assert, in one place: the shipped domains and their
known plans, goals whose bounds are proved (or refuted), and the small discrete test domain the
planner's brute-force tests share. A test that needs one of these imports it from here instead
of copying a domain or a literal."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from corpus import domain_files, known_plan

DOMAINS = {p.stem: p for p in domain_files()}
THERMOSTAT, SIR, DRONE = DOMAINS["thermostat"], DOMAINS["sir"], DOMAINS["drone"]
BIKESHARE = Path(__file__).parent / "planner" / "bikeshare.rwd"   # budgeted demand at one station


@dataclass(frozen=True)
class KnownGoal:
    """A plan of a domain (at `horizon`, None: the file's) and a bound on its worst-case reward."""

    path: Path
    plan: str
    bound: Fraction
    horizon: int | None = None
    worst_found: Fraction | None = None     # a scenario's exact reward, just above the bound


# The thermostat's known plan: R >= -30 is proved in a few nodes by every strategy, R >= -47/2
# (close to the worst case) by smear, and R >= -22 is refuted with a counterexample.
THERMOSTAT_PLAN = known_plan(THERMOSTAT)
THERMOSTAT_EASY = Fraction(-30)
THERMOSTAT_TIGHT = Fraction(-47, 2)
THERMOSTAT_FALSE = Fraction(-22)

# plan-and-verify on the bike-share station converges to L = U = this.
BIKESHARE_OPTIMUM = Fraction(-37, 2)

# A held-out drone goal, its bound 1% below the worst found: smear's interval splitting needs
# about 24,000 nodes for the reward claim; with mean-value leaves about 300.
DRONE_MEAN_VALUE = KnownGoal(
    DRONE, "thrust(2); thrust(3); thrust(0); thrust(2); thrust(3); thrust(0); thrust(1); thrust(2)",
    Fraction(-34967, 625))

# Held-out goals whose reward proofs smear's top three splits badly (docs/benchmarks.md).
DRONE_BRANCHING = KnownGoal(
    DRONE, "thrust(0); thrust(3); thrust(2); thrust(1); thrust(0); thrust(0); thrust(3); thrust(3)",
    Fraction(-16273, 625))
SIR_BRANCHING = KnownGoal(
    SIR, "distance(2); open; distance(1); open; distance(2); distance(1); distance(2); distance(1)",
    Fraction(-171051, 10000))

# SIR's known plan after four more distancing steps (H = 12), the bound 1% below the worst
# found: smear needs about 40 nodes.
SIR_H12 = KnownGoal(SIR, "distance(2); " * 4 + known_plan(SIR), Fraction(-521, 25), horizon=12,
                    worst_found=Fraction(-2062, 100))


# A drone plan at H = 10 whose tightest bound to 1% took 740 nodes and 35 s while the children of
# the root's tightened lp leaf had only plain relaxations (far looser than the root's own bound).
DRONE_H10 = KnownGoal(
    DRONE, "thrust(3); thrust(0); thrust(1); thrust(1); thrust(0); thrust(1); thrust(1); thrust(2); thrust(1); thrust(0)",
    Fraction(-3859, 100), horizon=10)


def discrete_domain(horizon: int, cost: str, *, low: int, top: int, k_top: int, cap: int | None = None,
                    clamp: int | None = None, budget: int | None = None, safe: str | None = None,
                    name: str = "discrete") -> str:
    """A small domain of integers, small enough for brute force over every plan and scenario:
    x in [low, top] from 0, a param k in [0, k_top], a disturbance d in [-1, 1]; `up(n)` costs
    `cost`·n (requires `x + n <= cap` when `cap` is given; clamps `x + n` at `clamp` when given),
    `stay` does nothing; `assume sum(d) <= budget` and a `safe` line when given."""
    step = "x + n" if clamp is None else f"min(x + n, {clamp})"
    lines = [f"domain {name}", f"horizon {horizon}", f"param k : int in [0, {k_top}]",
             "disturbance d : int in [-1, 1]"]
    lines += [] if budget is None else [f"assume sum(d) <= {budget}"]
    lines += [f"state x : int in [{low}, {top}] init 0", "action up(n : int in 1..2) {"]
    lines += [] if cap is None else [f"  requires x + n <= {cap}"]
    lines += [f"  x' = {step} + d", f"  reward -{cost} * n", "}", "action stay {", "  x' = x + d", "}",
              "reward step = if x >= k then 1 else -1", "reward final = x"]
    lines += [] if safe is None else [f"safe {safe}"]
    return "\n".join(lines) + "\n"
