"""Monolithic verification with Z3: one query per conjunct over the whole uncertainty box.

The reference baseline the proof search must beat. Validity first, then `R ≥ b` (or the exact
minimum of R with z3's Optimize for `--tightest`, confirmed by a final unsat check; where
Optimize gives up — nonlinear terms, an infimum it does not attain — a bisection of plain
`R ≥ t` checks between the interval lower bound and the lowest replayed model). Every
model is replayed by the exact interpreter: only a confirmed counterexample is reported, and
a disagreement between Z3 and the interpreter on exact values is an `InternalError`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

from dsl.errors import InputError, InternalError
from dsl.interp import run
from dsl.model import Domain, Plan
from dsl.scenario import failed_assumes
from prover.backends import z3_backend as zb
from prover.calculus.certificate import smt_leaf
from prover.search.certify import checked_certificate
from prover.check.checker import CheckUnfinished
from prover.calculus.goals import root_box
from prover.calculus.objective import AtLeast, Claim, Validity
from prover.calculus.outcome import Outcome
from prover.calculus.unroll import point_scenario, unroll
from prover.search.allowance import SCHEDULE
from prover.search.verify import VerifyResult
from prover.search.worst import Witness


def replay(u, answer: zb.SmtAnswer, claim: Claim) -> Witness | None:
    """The interpreter's verdict on a Z3 model: a confirmed counterexample, or None when an
    approximated (irrational) model does not reproduce. Exact disagreement is a bug."""
    s = point_scenario(u, answer.point)
    bad_assumes = failed_assumes(u.domain, s)
    o = run(u.domain, u.plan, s)
    confirmed = not bad_assumes and claim.refutes(o)
    if confirmed:
        return Witness(s, o)
    if answer.approximate:
        return None
    raise InternalError(f"Z3 and the interpreter disagree on {claim}: Z3 found a model, but the "
                        f"interpreter replays it as valid={o.valid}, R={o.reward}, failed assumes={bad_assumes}; "
                        f"scenario={s}")


def verify_z3(domain: Domain, plan: Plan, bound: Fraction | None, seconds: float,
              gap: Fraction = Fraction(1, 100)) -> VerifyResult:
    z = _Z3Run(domain, plan, bound, seconds)
    if zb.admissible(z.u, z.box, seconds, z.compiler) == "unsat":
        raise InputError(f"{domain.filename}: no admissible scenario: the assumes cannot all hold, "
                         f"so every claim would hold vacuously")
    valid = z.check(Validity(), z.left())
    if valid.status is Outcome.REFUTED:
        w = replay(z.u, valid, Validity())
        return z.done(Outcome.REFUTED, cex=w) if w else z.done(
            Outcome.UNKNOWN, note="Z3's model was irrational and did not replay", why="irrational model")
    if valid.status is Outcome.UNKNOWN:
        return z.done(Outcome.UNKNOWN, note=f"Z3 could not decide validity ({valid.reason})")
    worst, target = None, bound
    if bound is None:
        status, value, point = zb.minimize_reward(z.u, z.box, SCHEDULE.z3_optimize * z.left(), z.compiler)
        z.calls += 1
        if status != "optimal":
            found = bisect_minimum(z.u, z.box, z.left, gap)
            z.calls += found.calls
            return _bisected(found, domain, plan, z.calls, z.done)
        target = value
        worst = replay(z.u, zb.SmtAnswer(Outcome.REFUTED, point), AtLeast(value + 1))
    return _reward_at_least(z, target, worst)


class _Z3Run:
    """One monolithic verification: its queries share one compilation, one clock and one count."""

    def __init__(self, domain: Domain, plan: Plan, bound: Fraction | None, seconds: float):
        self.start = time.monotonic()
        self.domain, self.plan, self.bound, self.seconds = domain, plan, bound, seconds
        self.u = unroll(domain, plan)
        self.box = root_box(self.u.variables)
        self.compiler = zb.Compiler(self.u)     # one compilation for every query (long unrollings are big)
        self.calls = 1

    def left(self) -> float:
        """The queries get half the time: the certificate's check asks Z3 the reward query again."""
        return max(0.1, SCHEDULE.z3_prove * self.seconds - (time.monotonic() - self.start))

    def check(self, claim: Claim, seconds: float) -> zb.SmtAnswer:
        self.calls += 1
        return zb.check(self.u, self.box, claim, seconds, self.compiler)

    def done(self, verdict, lower=None, worst=None, cex=None, note="", cert=None, why=None) -> VerifyResult:
        why = why or {Outcome.REFUTED: "refuted", Outcome.PROVED: "bound proved" if self.bound is not None
                      else "gap reached"}.get(verdict, "solver unknown")
        return VerifyResult(verdict, self.plan, self.bound, lower, worst, cex, 0, self.calls,
                            time.monotonic() - self.start, "z3", cert, note, why)


def _reward_at_least(z: _Z3Run, target: Fraction, worst) -> VerifyResult:
    """The final query `R ≥ target`: proved (with its certificate checked), refuted, or unknown."""
    answer = z.check(AtLeast(target), z.left())
    if answer.status is Outcome.PROVED:
        try:
            cert = checked_certificate(z.domain, z.plan, target, smt_leaf(), smt_leaf(), "z3",
                                       {"nodes": 0, "smt_calls": z.calls}, deadline=z.start + z.seconds)
        except CheckUnfinished as exc:          # unconfirmed is unknown, never proved
            return z.done(Outcome.UNKNOWN, worst=worst, note=str(exc))
        return z.done(Outcome.PROVED, lower=target, worst=worst, cert=cert)
    if answer.status is Outcome.REFUTED:
        w = replay(z.u, answer, AtLeast(target))
        if w is None:
            return z.done(Outcome.UNKNOWN, worst=worst, note="Z3's model was irrational and did not replay",
                          why="irrational model")
        if z.bound is None:
            raise InternalError(f"Z3's optimum {target} is not a lower bound: R = {w.outcome.reward} in a model")
        return z.done(Outcome.REFUTED, worst=w, cex=w)
    return z.done(Outcome.UNKNOWN, worst=worst, note=f"Z3 could not decide R >= {target} ({answer.reason})")


def _bisected(found: "Bisection", domain, plan, calls: int, done) -> VerifyResult:
    """The verdict of a bisection: proved at its highest unsat target, or unknown."""
    if found.lower is None:
        return done(Outcome.UNKNOWN, worst=found.worst, note="Z3 Optimize found no exact minimum, and no "
                    f"bisection step was decided ({found.why})", why=found.why)
    cert = checked_certificate(domain, plan, found.lower, smt_leaf(), smt_leaf(), "z3", {"nodes": 0, "smt_calls": calls})
    return done(Outcome.PROVED, lower=found.lower, worst=found.worst, cert=cert, why=found.why, note=found.note)


@dataclass(frozen=True)
class Bisection:
    lower: Fraction | None        # the highest t with `R >= t` proved (unsat), if any
    worst: Witness | None         # the lowest replayed model
    calls: int
    why: str                      # stop reason: gap reached | time limit | solver unknown
    note: str


def bisect_minimum(u, box, left, gap: Fraction) -> Bisection:
    """Certify R >= t for the highest t found by bisection between the interval lower bound of R
    and the lowest replayed model, until within `gap` of it or out of time (keeping enough for
    the certificate's re-check: as long as the slowest unsat answer so far)."""
    lo, cap, worst, calls, slowest, why = _interval_lower(u, box), None, None, 0, 0.0, "time limit"
    proved, exact_try = None, False
    while left() > 2 * slowest + 0.1:
        if cap is not None and proved is not None and cap - proved <= gap * abs(cap):
            why = "gap reached"
            break
        t = _next_target(lo, proved, cap, worst, exact_try)
        t0 = time.monotonic()
        answer = zb.check(u, box, AtLeast(t), min(left() - slowest, max(0.1, left() / 2)))
        calls += 1
        if answer.status is Outcome.PROVED:
            proved, slowest = t, max(slowest, time.monotonic() - t0)
            exact_try = False
        elif answer.status is Outcome.REFUTED:
            w = replay(u, answer, AtLeast(t))
            if w is not None and (worst is None or w.outcome.reward < worst.outcome.reward):
                worst = w
            cap = t if cap is None else min(cap, t)
            if worst is not None:
                cap = min(cap, worst.outcome.reward)
            exact_try = not exact_try and worst is not None
        else:
            why = "solver unknown"
            break
    if cap is not None and proved is not None and cap - proved <= gap * abs(cap):
        why = "gap reached"
    note = "" if proved is None or cap is None else (
        f"Z3 Optimize gave up; bisection certified R >= {proved} with a replayed scenario at "
        f"{worst.outcome.reward if worst else cap} ({why})")
    return Bisection(proved, worst, calls, why, note)


def _interval_lower(u, box) -> Fraction | None:
    """A rational below the interval lower bound of R on the box (None when it is unbounded)."""
    import math
    from prover.bounds.evaluation import GoalEvaluator, round_down, to_arrays
    lo, hi = to_arrays([box])
    r_lo = GoalEvaluator(u).facts(lo, hi)[0].lo
    return round_down(r_lo) if math.isfinite(r_lo) else None


def _next_target(lo, proved, cap, worst, exact_try: bool) -> Fraction:
    """What to ask next: the lowest model's value itself (it may be the minimum), the interval
    bound, a step below an unbounded side, or the midpoint."""
    if cap is None:                                   # no model yet: probe at the interval bound
        return lo if lo is not None and proved is None else (proved or Fraction(0)) + 1 + 2 * abs(proved or 0)
    if exact_try and worst is not None:
        return worst.outcome.reward
    floor = proved if proved is not None else lo
    if floor is None:
        return cap - 1 - abs(cap)
    return (floor + cap) / 2
