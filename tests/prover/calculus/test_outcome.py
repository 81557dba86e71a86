"""One outcome vocabulary: search trees, SMT answers and verdicts all speak `Outcome`, and the
JSON keeps the words."""
from __future__ import annotations

import json
from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.backends import z3_backend as zb
from prover.calculus.goals import root_box
from prover.calculus.objective import AtLeast, Validity
from prover.calculus.outcome import Outcome
from prover.calculus.unroll import unroll
from prover.search.loop import Budget
from prover.search.verify import verify_search

THERMO = next(p for p in domain_files() if p.stem == "thermostat")


def test_verdicts_searches_and_nodes_share_the_enum():
    d = load_domain(THERMO)
    r = verify_search(d, parse_plan(known_plan(THERMO), d), None, "smear", Budget(300, 30))
    assert r.verdict is Outcome.PROVED and json.dumps({"verdict": r.verdict}) == '{"verdict": "proved"}'
    assert all(s.status in Outcome for s in r.searches) and r.searches[0].root.status is Outcome.PROVED
    refuted = verify_search(d, parse_plan(known_plan(THERMO), d), Fraction(100), "smear", Budget(300, 30))
    assert refuted.verdict is Outcome.REFUTED and f"{refuted.verdict}" == "refuted"


def test_smt_answers_are_outcomes_of_the_claim():
    d = load_domain(THERMO)
    u = unroll(d, parse_plan(known_plan(THERMO), d))
    box = root_box(u.variables)
    assert zb.check(u, box, AtLeast(Fraction(-10**6)), 10).status is Outcome.PROVED
    wrong = zb.check(u, box, AtLeast(Fraction(100)), 10)
    assert wrong.status is Outcome.REFUTED and wrong.point is not None
    assert zb.leaf_status(u, box, Validity(), 10) is Outcome.PROVED
