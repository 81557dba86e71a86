"""A second opinion on a verdict: cvc5's answer on the SMT-LIB2 export of the claim warrant
decided (or tried). It certifies nothing; it reports agreement or disagreement."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dsl.model import Domain, Plan

SOLVER = "cvc5"
EXPECTED = {"proved": "unsat", "refuted": "sat"}    # cvc5's answer on ¬(valid(π) ∧ R ≥ b), by verdict


@dataclass(frozen=True)
class CrossCheck:
    available: bool                 # cvc5 is installed
    bound: Fraction | None = None   # the claim's bound: the certified one, else the one asked for
    answer: str | None = None       # "sat" | "unsat" | "unknown"; None when nothing was asked
    verdict: str = ""               # warrant's verdict it is compared with
    solver: str = SOLVER

    @property
    def disagrees(self) -> bool:
        """cvc5 decided the claim the other way from warrant's verdict."""
        expected = EXPECTED.get(self.verdict)
        return expected is not None and self.answer in ("sat", "unsat") and self.answer != expected


def cross_check(domain: Domain, plan: Plan, result, seconds: float) -> CrossCheck:
    """cvc5 on `valid(π) ∧ R ≥ b` for `result` (a prover.search.verify.VerifyResult): b is the
    certified bound when there is one, else the bound that was asked for."""
    from prover.backends import smt_cvc5
    if not smt_cvc5.available():
        return CrossCheck(available=False)
    bound = result.lower_bound if result.lower_bound is not None else result.bound
    if bound is None:
        return CrossCheck(available=True, verdict=result.verdict)
    from prover.backends import z3_backend
    from prover.calculus.goals import root_box
    from prover.calculus.unroll import unroll
    u = unroll(domain, plan)
    answer = smt_cvc5.check_smt2(z3_backend.smt2(u, root_box(u.variables), bound), seconds)
    return CrossCheck(available=True, bound=bound, answer=answer, verdict=result.verdict)
