"""bench's goal screening: horizon-aware (the known plan stretched first, a budget that grows
with the horizon) and the same goals on an executor as one after another."""
from __future__ import annotations

from fractions import Fraction

from corpus import domain_files, stretched_plan
from corpus.goals import bench_goals
from corpus.screening import Rule, candidates, screen_budget, screened
from dsl.load import load_domain
from dsl.model import plan_str
from prover.search.executor import InProcess, LocalPool

DOMAINS = {p.stem: p for p in domain_files()}


def _shape(goals, s):
    return [(g.plan, g.bound, g.kind, g.tightness) for g in goals], (s.tried, s.valid, s.refuted, s.unknown, s.plans)


class Counting(InProcess):
    """In-process, but as wide as a pool: counts the jobs it was given."""

    def __init__(self, workers: int):
        self.workers, self.jobs = workers, 0

    def map(self, fn, jobs):
        self.jobs += len(jobs)
        return [fn(j) for j in jobs]


def test_screening_on_a_process_pool_gives_the_goals_of_one_after_another():
    d = load_domain(DOMAINS["thermostat"])
    kw = dict(refutations=1, screen_nodes=400, screen_seconds=60.0)
    alone = bench_goals(d, 3, 5, **kw)
    pool = LocalPool(2)
    try:
        pooled = bench_goals(d, 3, 5, executor=pool, **kw)
    finally:
        pool.close()
    assert _shape(*pooled) == _shape(*alone)
    assert alone[1].valid >= 3 and len(alone[0]) >= 3


def test_speculative_results_past_the_stop_are_discarded():
    d = load_domain(DOMAINS["thermostat"])
    budget = screen_budget(d, 400, 60.0)
    wide = Counting(6)
    valid, refuted, tried, unknown = screened(d, Rule(1, 0, 8), 0, budget, 400, wide)
    assert wide.jobs == 6 and tried == 1 and len(valid) == 1        # five were screened for nothing
    assert (valid, refuted, tried, unknown) == screened(d, Rule(1, 0, 8), 0, budget, 400, InProcess())


def test_the_known_plan_comes_first_stretched_to_the_horizon():
    path = DOMAINS["sir"]
    d = load_domain(path).with_horizon(11)
    (first, _), *_ = list(zip(candidates(d, 0, 5), range(1)))
    assert plan_str(first[0]) == stretched_plan(path.read_text(), "sir", 11)
    assert len(first[0]) == 11 and plan_str(first[0]).startswith("distance(2); distance(2); distance(2); distance(2)")
    cut = load_domain(path).with_horizon(3)
    assert plan_str(next(candidates(cut, 0, 5))[0]) == "distance(1); distance(1); open"


def test_the_screening_budget_grows_with_the_horizon():
    d = load_domain(DOMAINS["sir"])
    base = screen_budget(d, 2000, 3.0)
    assert (base.nodes, base.seconds, base.gap) == (2000, 3.0, Fraction(1))
    at16 = screen_budget(d.with_horizon(16), 2000, 3.0)
    assert (at16.nodes, at16.seconds) == (8000, 12.0)
    assert screen_budget(d.with_horizon(64), 2000, 3.0).seconds == 60.0


def test_a_long_sir_horizon_gets_its_stretched_plan_as_a_goal():
    """Before: every SIR plan at H >= 16 failed a 3 s validity screen, so bench had no goal there."""
    d = load_domain(DOMAINS["sir"]).with_horizon(16)
    goals, s = bench_goals(d, 1, 0, refutations=0, screen_seconds=60.0)     # nodes, not seconds, bind
    assert s.valid == 1 and s.tried == 1
    assert plan_str(goals[0].plan) == stretched_plan(d.source, "sir", 16) and goals[0].kind == "bound"


def test_bench_sweeps_horizons_in_one_command(capsys):
    import json
    from planner.cli import main
    thermo = str(DOMAINS["thermostat"])
    code = main(["bench", thermo, "--horizons", "3,4", "--goals", "1", "--refutation-goals", "0",
                 "--strategies", "smear", "--time-limit", "5", "--workers", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    table = json.loads(out)
    assert [(r["domain"], r["horizon"], len(r["plan"])) for r in table["goals"]] == [("thermostat", 3, 3), ("thermostat", 4, 4)]
    assert [r["horizon"] for r in table["tightest"]] == [3, 4]
    assert table["screening"][0].startswith("thermostat H=3:")
    assert main(["bench", thermo, "--horizons", "3,4", "--horizon", "5"]) == 2
    assert "give one of them" in capsys.readouterr().err
    assert main(["bench", thermo, "--horizons", "3,x"]) == 2
