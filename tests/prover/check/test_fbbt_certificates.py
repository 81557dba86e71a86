"""Certificates with `fbbt` steps and leaves: the search writes them, the checker re-derives each
narrowed box and empty result exactly and rejects every perturbation that would cut off
scenarios (a stored bound below the claim, an fbbt leaf on a box FBBT does not empty, a wrong
number of children), the proved bounds hold on sampled scenarios, and `warrant verify` /
`warrant check-cert` run end to end."""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from fractions import Fraction

import pytest

from corpus import known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from planner.cli import main
from prover.check.checker import CertificateRejected, check_certificate
from prover.policy.registry import strategy
from prover.search.loop import Budget
from prover.search.verify import verify_search
from tests.examples import DOMAINS
from tests.prover.strategies import assert_holds_on_samples

PORTFOLIO = DOMAINS["portfolio"]
BOUND = Fraction(-5)


@pytest.fixture(scope="module")
def proved():
    """portfolio's known plan, R ≥ -5, by smear with the fbbt tactic (89 nodes against 480 without)."""
    d = load_domain(PORTFOLIO)
    plan = parse_plan(known_plan(PORTFOLIO), d)
    r = verify_search(d, plan, BOUND, replace(strategy("smear"), uses_fbbt=True), Budget(20000, 60))
    assert r.verdict == "proved"
    return d, plan, r


def _nodes(tree, pred):
    stack, out = [tree], []
    while stack:
        n = stack.pop()
        if pred(n):
            out.append(n)
        stack.extend(n.get("children", []))
    return out


def _steps(cert):
    return _nodes(cert["proofs"]["reward"], lambda n: "fbbt" in n)


def _leaves(cert):
    return _nodes(cert["proofs"]["reward"], lambda n: n.get("leaf") == "fbbt")


def test_the_search_writes_fbbt_steps_and_leaves_the_checker_accepts(proved):
    d, plan, r = proved
    assert _steps(r.certificate) and _leaves(r.certificate)
    assert check_certificate(d, r.certificate).leaves.get("fbbt", 0) == len(_leaves(r.certificate))
    without = verify_search(d, plan, BOUND, "smear", Budget(20000, 60))
    assert without.verdict == "proved" and r.nodes < without.nodes


def test_goals_closed_with_fbbt_hold_on_sampled_scenarios(proved):
    d, plan, r = proved
    assert_holds_on_samples(d, plan, r.lower_bound)


def _rejected(d, cert, match):
    with pytest.raises(CertificateRejected, match=match):
        check_certificate(d, cert)


@pytest.mark.parametrize("pick", [_steps, _leaves])
def test_a_stored_bound_one_unit_below_the_claim_is_rejected(proved, pick):
    """R < below − 1 would cut off the scenarios with R in [below − 1, b): the checker refuses."""
    d, _, r = proved
    cert = copy.deepcopy(r.certificate)
    node = pick(cert)[0]
    spec = node["fbbt"] if "fbbt" in node else node
    spec["below"] = str(BOUND - 1)
    _rejected(d, cert, "below the claimed")


def test_an_fbbt_leaf_on_a_box_it_does_not_empty_is_rejected(proved):
    d, _, r = proved
    cert = copy.deepcopy(r.certificate)
    cert["proofs"]["reward"] = {"leaf": "fbbt", "below": str(BOUND)}        # the whole box
    _rejected(d, cert, "leaves part of this box")


def test_an_fbbt_step_with_a_missing_or_extra_child_is_rejected(proved):
    d, _, r = proved
    for children in ([], lambda kids: kids + kids):
        cert = copy.deepcopy(r.certificate)
        node = _steps(cert)[0]
        node["children"] = children if isinstance(children, list) else children(node["children"])
        _rejected(d, cert, "exactly one child")


def test_a_bad_fbbt_bound_is_rejected(proved):
    d, _, r = proved
    cert = copy.deepcopy(r.certificate)
    _steps(cert)[0]["fbbt"] = {"below": "-5.0"}
    _rejected(d, cert, "bad fbbt")


def test_verify_and_check_cert_end_to_end_with_an_fbbt_step(capsys, tmp_path):
    """The default strategy narrows portfolio's root box by fbbt before its LP leaf closes it."""
    cert = tmp_path / "c.json"
    code = main(["verify", str(PORTFOLIO), "--plan", known_plan(PORTFOLIO), "--bound", "-5", "--cert", str(cert),
                 "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in out + err
    assert _steps(json.loads(cert.read_text()))
    assert main(["check-cert", str(PORTFOLIO), str(cert)]) == 0
