"""planner.verify_plan: the one call `warrant verify` makes, whichever prover the strategy
names; and the shapes the CLI renders of a cross-check."""
from __future__ import annotations

from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from planner.cli.render import cross_check_json
from planner.verify_plan import Split, verify_plan
from prover.backends.cross_check import CrossCheck
from prover.policy.spec import PolicySpec
from prover.search.loop import Budget

PROXY = next(p for p in domain_files() if p.stem == "proxy")


def _goal():
    d = load_domain(PROXY)
    return d, parse_plan(known_plan(PROXY), d)


def test_z3_makes_one_monolithic_call_and_says_so():
    d, plan = _goal()
    events = []
    r = verify_plan(d, plan, None, PolicySpec("z3"), Budget(100, 30.0, Fraction(1, 100)), events.append)
    assert r.strategy == "z3" and r.verdict == "proved" and r.nodes == 0
    assert [e.stage for e in events] == ["asking Z3"]


def test_a_search_strategy_searches_in_process_or_split_across_workers():
    d, plan = _goal()
    budget = Budget(300, 60.0, Fraction(1, 100))
    alone = verify_plan(d, plan, None, PolicySpec("smear"), budget)
    split = verify_plan(d, plan, None, PolicySpec("smear"), budget, split=Split(1))
    assert alone.strategy == "smear" and alone.verdict == "proved" and alone.nodes > 0
    assert split.verdict == "proved" and split.lower_bound is not None
    assert split.lower_bound <= alone.worst_found.outcome.reward


def test_cross_check_json_keeps_its_three_shapes():
    assert cross_check_json(CrossCheck(available=False)) == {
        "solver": "cvc5", "available": False,
        "message": "cvc5 is not installed (pip install cvc5); no cross-check was run"}
    assert cross_check_json(CrossCheck(available=True, verdict="unknown")) == {
        "solver": "cvc5", "available": True, "answer": None,
        "message": "nothing to cross-check: no bound was proved or given"}
    assert cross_check_json(CrossCheck(True, Fraction(-7, 2), "sat", "proved")) == {
        "solver": "cvc5", "available": True, "bound": "-7/2", "answer": "sat", "disagrees": True,
        "message": "cvc5 refutes valid(π) and R >= -7/2 (answer sat) — DISAGREES with warrant's verdict 'proved'"}


def test_z3_cannot_be_split_across_workers(capsys):
    from planner.cli import main
    assert main(["verify", str(PROXY), "--plan", known_plan(PROXY), "--bound", "0", "--strategy", "z3",
                 "--split-workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err == "--split-workers splits a search; --strategy z3 makes one monolithic call\n"
