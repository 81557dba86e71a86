"""Monolithic verification with Z3: one query per conjunct over the whole uncertainty box.

The reference baseline the proof search must beat. Validity first, then `R ≥ b` (or the exact
minimum of R with z3's Optimize for `--tightest`, confirmed by a final unsat check). Every
model is replayed by the exact interpreter: only a confirmed counterexample is reported, and
a disagreement between Z3 and the interpreter on exact values is an `InternalError`.
"""
from __future__ import annotations

import time
from fractions import Fraction

from dsl.errors import InputError, InternalError
from dsl.interp import run
from dsl.model import Domain, Plan
from dsl.scenario import failed_assumes
from prover import z3_backend as zb
from prover.certificate import checked_certificate, smt_leaf
from prover.checker import CheckUnfinished
from prover.goals import Claim, root_box
from prover.unroll import point_scenario, unroll
from prover.verify import VerifyResult
from prover.worst import Witness


def replay(u, answer: zb.SmtAnswer, claim: Claim) -> Witness | None:
    """The interpreter's verdict on a Z3 model: a confirmed counterexample, or None when an
    approximated (irrational) model does not reproduce. Exact disagreement is a bug."""
    s = point_scenario(u, answer.point)
    bad_assumes = failed_assumes(u.domain, s)
    o = run(u.domain, u.plan, s)
    confirmed = not bad_assumes and (not o.valid if claim.kind == "valid" else (not o.valid or o.reward < claim.bound))
    if confirmed:
        return Witness(s, o)
    if answer.approximate:
        return None
    raise InternalError(f"Z3 and the interpreter disagree on {claim}: Z3 found a model, but the "
                        f"interpreter replays it as valid={o.valid}, R={o.reward}, failed assumes={bad_assumes}; "
                        f"scenario={s}")


PROVE_SHARE = 0.5        # of the time limit for the queries; the rest is for checking the certificate


def verify_z3(domain: Domain, plan: Plan, bound: Fraction | None, seconds: float) -> VerifyResult:
    start = time.monotonic()
    u = unroll(domain, plan)
    box = root_box(u.variables)
    calls = 1
    compiler = zb.Compiler(u)              # one compilation for every query (long unrollings are big)
    if zb.admissible(u, box, seconds, compiler) == "unsat":
        raise InputError(f"{domain.filename}: no admissible scenario: the assumes cannot all hold, "
                         f"so every claim would hold vacuously")

    def done(verdict, lower=None, worst=None, cex=None, note="", cert=None):
        return VerifyResult(verdict, plan, bound, lower, worst, cex, 0, calls, time.monotonic() - start,
                            "z3", cert, note)

    # The queries get half the time: the certificate's check asks Z3 the reward query again.
    left = lambda: max(0.1, PROVE_SHARE * seconds - (time.monotonic() - start))   # noqa: E731
    valid = zb.check(u, box, Claim("valid"), left(), compiler)
    calls += 1
    if valid.status == "sat":
        w = replay(u, valid, Claim("valid"))
        return done("refuted", cex=w) if w else done("unknown", note="Z3's model was irrational and did not replay")
    if valid.status == "unknown":
        return done("unknown", note=f"Z3 could not decide validity ({valid.reason})")
    worst = None
    target = bound
    if bound is None:
        status, value, point = zb.minimize_reward(u, box, left(), compiler)
        calls += 1
        if status != "optimal":
            return done("unknown", note="Z3 Optimize found no exact minimum within the time limit")
        target = value
        worst = replay(u, zb.SmtAnswer("sat", point), Claim("reward", value + 1))
    answer = zb.check(u, box, Claim("reward", target), left(), compiler)
    calls += 1
    if answer.status == "unsat":
        try:
            cert = checked_certificate(domain, plan, target, smt_leaf(), smt_leaf(), "z3",
                                       {"nodes": 0, "smt_calls": calls}, deadline=start + seconds)
        except CheckUnfinished as exc:          # unconfirmed is unknown, never proved
            return done("unknown", worst=worst, note=str(exc))
        return done("proved", lower=target, worst=worst, cert=cert)
    if answer.status == "sat":
        w = replay(u, answer, Claim("reward", target))
        if w is None:
            return done("unknown", worst=worst, note="Z3's model was irrational and did not replay")
        if bound is None:
            raise InternalError(f"Z3's optimum {target} is not a lower bound: R = {w.outcome.reward} in a model")
        return done("refuted", worst=w, cex=w)
    return done("unknown", worst=worst, note=f"Z3 could not decide R >= {target} ({answer.reason})")
