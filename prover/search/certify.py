"""Certificates that have passed the independent checker: what the searches report as proved.

The certificate format lives in `prover.calculus.certificate` (the checker reads it); the
check-before-report step lives here, with the searches, so that the format never imports the
checker and the checker never imports a search.
"""
from __future__ import annotations

from fractions import Fraction

from dsl.errors import InputError, InternalError
from prover.calculus.certificate import certificate
from prover.check.checker import CertificateRejected, VacuousCertificate, check_certificate, timed_smt_check


def checked_certificate(domain, plan, bound: Fraction, valid_tree: dict, reward_tree: dict,
                        strategy: str, stats: dict, deadline: float | None = None, leaves=None) -> dict:
    """The certificate of `valid(π) ∧ R(π) ≥ bound`, after the independent checker accepted it.
    Nothing is reported as proved on the search's word alone: a rejection here is a bug in the
    prover, raised as an InternalError naming the failing node — except a vacuous proof (no
    admissible scenario), which is the domain's fault: an InputError, as `verify` reports it.
    With `deadline` (time.monotonic) SMT leaves are re-checked within the time left, and
    `checker.CheckUnfinished` is raised when they cannot be. `leaves`: where the exact leaf checks
    run (`prover.check.parallel.on_executor`; None: here)."""
    cert = certificate(domain, plan, bound, valid_tree, reward_tree, strategy, stats)
    try:
        check_certificate(domain, cert, "z3" if deadline is None else timed_smt_check(deadline), leaves=leaves)
    except VacuousCertificate as exc:
        raise InputError(str(exc)) from None
    except CertificateRejected as exc:
        raise InternalError(f"the {strategy} search produced a proof the checker rejects: {exc}") from exc
    return cert
