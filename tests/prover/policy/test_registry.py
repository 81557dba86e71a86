"""The strategy registry (prover.policy.registry): every strategy name resolves to one frozen
entry, and what a search does is read from the entry's flags, never from its name."""
from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.errors import InputError
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.check.checker import check_certificate
from prover.policy import registry
from prover.policy.base import Policy
from prover.policy.registry import STRATEGIES, names, strategy
from prover.policy.spec import make_policy
from prover.policy.spec import PolicySpec
from prover.search.cut_search import CutResult
from prover.search.loop import Budget
from prover.search.verify import verify_search

DOMAINS = {p.stem: p for p in domain_files()}
# a drone plan whose plain validity search stalls and a horizon cut proves (test_validity_cut)
DRONE_PLAN = "thrust(2); thrust(3); thrust(0); thrust(2); thrust(3); thrust(0); thrust(1); thrust(2)"


def _goal(stem: str, plan: str | None = None):
    d = load_domain(DOMAINS[stem])
    return d, parse_plan(plan or known_plan(DOMAINS[stem]), d)


def test_the_registry_lists_every_strategy_once_in_order():
    assert names() == ("z3", "largest-first", "smear", "heuristic", "spatial", "reliability", "learned")
    assert names(search_only=True) == ("largest-first", "smear", "heuristic", "spatial", "reliability", "learned")
    assert registry.one_of() == "one of z3, largest-first, smear, heuristic, spatial, reliability, learned"


@pytest.mark.parametrize("name", ["largest-first", "smear", "heuristic", "reliability"])
def test_every_search_strategy_name_resolves_to_a_fresh_policy_of_that_name(name):
    a, b = make_policy(name), PolicySpec(name).make()
    assert isinstance(a, Policy) and a.name == name and type(a) is type(b) and a is not b
    assert strategy(name).name == name and PolicySpec(name).strategy is strategy(name)


def test_the_learned_strategy_builds_its_network_from_the_spec(tiny_checkpoint, tiny_net):
    import torch
    policy = PolicySpec("learned", str(tiny_checkpoint)).make()
    assert policy.name == "learned"
    for (k, v), w in zip(policy.model.state_dict().items(), tiny_net.state_dict().values()):
        assert torch.equal(v, w), k


def test_a_monolithic_strategy_has_no_search_policy():
    assert strategy("z3").monolithic and strategy("z3").factory is None
    with pytest.raises(InputError, match="monolithic"):
        PolicySpec("z3").make()


def test_an_unknown_strategy_is_an_input_error_naming_the_choices():
    with pytest.raises(InputError, match="unknown strategy 'best'; choose one of z3, largest-first"):
        strategy("best")
    with pytest.raises(InputError, match="unknown strategy"):
        PolicySpec("best").make()


def test_entries_and_the_registry_are_frozen():
    with pytest.raises(FrozenInstanceError):
        strategy("smear").uses_smt = True
    with pytest.raises(TypeError):
        STRATEGIES["mine"] = strategy("smear")


def test_flags_say_what_each_strategy_does():
    flags = {n: (s.uses_smt, s.uses_lp, s.cuts, s.network) for n, s in STRATEGIES.items()}
    assert flags == {"z3": (True, False, False, False), "largest-first": (False,) * 4,
                     "smear": (False,) * 4, "heuristic": (True, True, True, False),
                     "spatial": (True, True, True, False), "reliability": (True, True, True, False),
                     "learned": (True, True, True, True)}


def test_a_strategy_without_uses_smt_makes_no_smt_calls():
    """traffic is piecewise linear: the heuristic asks Z3 about sub-boxes; the same entry
    without `uses_smt` (and the same policy) asks nothing."""
    d, plan = _goal("traffic")
    with_smt = verify_search(d, plan, None, "heuristic", Budget(300, 30))
    without = verify_search(d, plan, None, replace(strategy("heuristic"), uses_smt=False), Budget(300, 30))
    assert with_smt.smt_calls > 0 and without.smt_calls == 0
    assert verify_search(d, plan, None, "smear", Budget(300, 30)).smt_calls == 0


def test_the_uses_lp_flag_decides_lp_leaves():
    d, plan = _goal("portfolio")
    leaves = {}
    for lp in (True, False):
        r = verify_search(d, plan, None, replace(strategy("heuristic"), uses_lp=lp), Budget(2000, 30), smt=False)
        assert r.verdict == "proved"
        leaves[lp] = check_certificate(d, r.certificate).leaves.get("lp", 0)
    assert leaves[True] > 0 and leaves[False] == 0


def test_the_cuts_flag_decides_horizon_cuts():
    d, plan = _goal("drone", DRONE_PLAN)
    runs = {c: verify_search(d, plan, Fraction(-10**6), replace(strategy("heuristic"), cuts=c), Budget(300, 60),
                             use_lp=False) for c in (True, False)}
    assert any(isinstance(p, CutResult) for p in runs[True].searches)
    assert "cut" in runs[True].certificate["proofs"]["valid"]
    assert not any(isinstance(p, CutResult) for p in runs[False].searches)


def test_a_variant_entry_is_reported_under_its_own_name():
    d, plan = _goal("thermostat")
    r = verify_search(d, plan, None, replace(strategy("smear"), name="my-smear"), Budget(300, 30))
    assert r.verdict == "proved" and r.strategy == "my-smear" and r.certificate["strategy"] == "my-smear"


def test_help_texts_come_from_the_registry(capsys):
    from planner.cli import main
    assert main(["verify", "--help"]) == 0
    verify_help = " ".join(capsys.readouterr().out.split())
    assert main(["plan-and-verify", "--help"]) == 0
    plan_help = " ".join(capsys.readouterr().out.split())
    assert f"--strategy STRATEGY {registry.one_of()} (default heuristic)" in verify_help
    assert f"--strategy STRATEGY {registry.one_of(search_only=True)} (default heuristic)" in plan_help
    assert names(network_only=True) == ("learned",) and "for --strategy learned (default" in plan_help


def test_the_monolithic_flag_sends_a_job_to_one_solver_call_not_a_search():
    from corpus.bench import run_strategy
    from prover.search.jobs import VerifyJob, run_verify
    d, plan = _goal("thermostat")
    job = run_verify(VerifyJob.of(d, plan, None, PolicySpec("z3"), Budget(300, 30)))
    bench = run_strategy("z3", d, plan, None, Budget(300, 30))
    search = run_verify(VerifyJob.of(d, plan, None, PolicySpec("smear"), Budget(300, 30)))
    assert (job.strategy, job.nodes, bench.strategy, bench.nodes) == ("z3", 0, "z3", 0) and job.smt_calls > 0
    assert search.strategy == "smear" and search.nodes > 0 and search.smt_calls == 0
