"""`warrant corpus generate` (corpus.generate, corpus.families): seeded generated domains that
parse, plans the interpreter accepts, splits by family and by domain, the hardness filter."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from corpus import domain_files
from corpus.families import FAMILIES
from corpus.generate import GenerateConfig, candidate_goals, generate_set, keep, make_domains, split_of
from corpus.goalset import load_records, to_goal
from dsl.errors import InputError
from dsl.interp import run
from dsl.load import load_text
from dsl.scenario import nominal

# Tiny probes (a few nodes, no time criterion): fast and machine-independent.
TINY = GenerateConfig(seed=3, domains_per_family=3, candidates=1, goals_per_domain=1,
                      families=("queue", "logistic", "epidemic"), test_families=("epidemic",),
                      validation_share=0.34, test_share=0.34, min_nodes=1, min_seconds=None,
                      probe_nodes=6, probe_seconds=1e6)


def test_every_family_makes_domains_that_parse_and_type_check():
    cfg = GenerateConfig(seed=11, domains_per_family=3)
    domains, rejected = make_domains(cfg)
    assert rejected == 0
    assert {g.family for g in domains} == set(FAMILIES)
    for g in domains:
        d = load_text(g.source, f"{g.name}.rwd")
        assert d.name == g.name


def test_generation_is_deterministic_for_a_seed_and_differs_across_seeds():
    a, _ = make_domains(GenerateConfig(seed=5, domains_per_family=2))
    b, _ = make_domains(GenerateConfig(seed=5, domains_per_family=2))
    c, _ = make_domains(GenerateConfig(seed=6, domains_per_family=2))
    assert a == b
    assert [g.source for g in a] != [g.source for g in c]
    ga = [(str(g.plan), g.bound) for g in candidate_goals(a[0], GenerateConfig(seed=5, candidates=3))]
    gb = [(str(g.plan), g.bound) for g in candidate_goals(b[0], GenerateConfig(seed=5, candidates=3))]
    assert ga == gb and ga
    doubled = candidate_goals(a[0], GenerateConfig(seed=5, candidates=3, horizon_factor=2))
    assert {g.domain.horizon for g in doubled} == {2 * load_text(a[0].source, "x.rwd").horizon}


def test_candidate_plans_are_valid_in_the_nominal_scenario_by_the_interpreter():
    domains, _ = make_domains(GenerateConfig(seed=2, domains_per_family=1))
    for gen in domains:
        goals = candidate_goals(gen, GenerateConfig(seed=2, candidates=2))
        assert goals, gen.name
        for g in goals:
            assert run(g.domain, g.plan, nominal(g.domain)).valid
            assert g.bound < g.worst_found


def test_long_horizon_candidates_are_screened_by_the_rigorous_replay_where_exact_numbers_explode():
    """The logistic recurrence doubles its digits every step: at three times the horizon the exact
    interpreter's nominal run never ends (a 2x-horizon `corpus generate` hung in it). The
    nominal screen replays such plans by rigorous enclosures, and agrees with the exact
    interpreter where that one is cheap."""
    from corpus.goals import _valid_nominally
    from prover.calculus.unroll import unroll
    from prover.search.worst import replayed
    gen = next(g for g in make_domains(GenerateConfig(seed=0, domains_per_family=1))[0] if g.family == "logistic")
    base = load_text(gen.source, "x.rwd")
    short = candidate_goals(gen, GenerateConfig(seed=0, candidates=3))
    for g in short:
        assert _valid_nominally(base, g.plan) == run(base, g.plan, nominal(base)).valid
    long = base.with_horizon(base.horizon * 3)
    plan = tuple(short[0].plan) * 3
    assert replayed(unroll(long, plan), nominal(long)).enclosed       # exact numbers would explode here
    assert _valid_nominally(long, plan)
    goals = candidate_goals(gen, GenerateConfig(seed=0, candidates=2, horizon_factor=3))
    assert goals and all(g.domain.horizon == long.horizon and g.bound < g.worst_found for g in goals)


def test_the_filter_keeps_hard_or_unknown_goals_and_never_refuted_ones():
    cfg = GenerateConfig(min_nodes=50, min_seconds=1.0)
    assert keep("proved", 50, 0.1, cfg) and keep("proved", 3, 1.5, cfg) and keep("unknown", 2000, 0.5, cfg)
    assert not keep("proved", 49, 0.9, cfg) and not keep("unknown", 6, 0.2, cfg)
    assert not keep("refuted", 500, 9.0, cfg)
    assert not keep("proved", 3, 5.0, replace(cfg, min_seconds=None))


def test_splits_hold_each_domain_once_and_whole_families_out():
    cfg = replace(TINY, families=tuple(FAMILIES), domains_per_family=5)
    seen = {}
    for fam in cfg.families:
        for k in range(cfg.domains_per_family):
            seen[(fam, k)] = split_of(fam, k, cfg)
    assert all(s == "test" for (fam, _), s in seen.items() if fam == "epidemic")
    for fam in cfg.families:
        if fam != "epidemic":
            assert sorted(seen[(fam, k)] for k in range(5)) == ["test", "test", "train", "validation", "validation"]


def test_generate_writes_a_goal_set_train_and_eval_can_read(tmp_path):
    steps = []
    manifest = generate_set(tmp_path / "a", TINY, lambda done, total: steps.append((done, total)))
    assert steps and steps[-1][0] == steps[-1][1]
    records = load_records(tmp_path / "a")
    assert len(records) == manifest["goals"] > 0
    where = {}
    for r in records:
        where.setdefault(Path(r.domain).name, set()).add(r.split)
        assert r.probe != "refuted" and r.probe_nodes >= TINY.min_nodes
        g = to_goal(r)
        assert run(g.domain, g.plan, nominal(g.domain)).valid
    assert all(len(s) == 1 for s in where.values())
    assert not set(where) & {f.name for f in domain_files()}        # never a hand-written domain
    assert manifest["families"]["train"] and "epidemic" not in manifest["families"]["train"]
    assert all(manifest["domains"][n]["family"] in FAMILIES for n in where)
    generate_set(tmp_path / "b", TINY)
    for name in ("goals.jsonl", "manifest.json"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_a_filter_nothing_passes_is_refused_and_bad_settings_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="hardness filter"):
        generate_set(tmp_path, replace(TINY, families=("queue",), domains_per_family=1, min_nodes=10 ** 6))
    with pytest.raises(InputError, match="unknown family"):
        generate_set(tmp_path, replace(TINY, families=("nope",)))


def test_the_cli_writes_the_set_and_refuses_an_unknown_family(tmp_path, capsys):
    from planner.cli import main
    args = ["corpus", "generate", "--out", str(tmp_path / "g"), "--seed", "3", "--families", "queue",
            "--test-families", "", "--domains-per-family", "1", "--candidates", "1", "--min-nodes", "1",
            "--min-seconds", "0", "--probe-nodes", "6", "--quiet"]
    assert main(args) == 0
    assert "goals written" in capsys.readouterr().out
    assert (tmp_path / "g" / "domains" / "queue_000.rwd").is_file()
    assert main(args[:6] + ["--families", "nope", "--quiet"]) == 2
    assert "unknown family nope" in capsys.readouterr().err


def test_a_probe_warrant_refuses_as_input_drops_its_goal_instead_of_ending_the_run():
    """A generated goal `verify` refuses (here: no admissible scenario) is dropped; one such goal
    among hundreds stopped a whole `corpus generate` run."""
    from corpus.generate import run_probe
    from prover.policy.spec import PolicySpec
    from prover.search.jobs import VerifyJob
    from prover.search.loop import Budget
    src = ("domain none\nhorizon 2\nparam p : real in [0, 1]\nstate s : real in [0, 10] init 0\n"
           "action go { s' = s + p }\nreward step = s\nassume p > 2\n")
    d = load_text(src, "none.rwd")
    plan = (d.instances()[0],) * 2
    assert run_probe(VerifyJob.of(d, plan, 0, PolicySpec("heuristic"), Budget(50, 5.0))) is None
    ok = load_text(src.replace("assume p > 2\n", ""), "some.rwd")
    assert run_probe(VerifyJob.of(ok, plan, 0, PolicySpec("heuristic"), Budget(50, 5.0))).verdict == "proved"
