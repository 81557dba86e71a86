"""`warrant bench` end to end on a tiny suite: one table, every strategy on the same goals."""
from __future__ import annotations

import json
from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.plan import parse_plan
from corpus.bench import GAP, bench, number_range
from corpus.goals import BenchGoal, worst_found
from dsl.load import load_domain
from planner.cli import main
from prover.search.loop import Budget

THERMO = next(p for p in domain_files() if p.stem == "thermostat")
DRONE = next(p for p in domain_files() if p.stem == "drone")


def test_bench_table_is_consistent_with_its_rows():
    d = load_domain(DRONE)                      # its known plan needs splits at its own horizon
    plan = parse_plan(known_plan(DRONE), d)
    worst = worst_found(d, plan, 0)
    goals = [BenchGoal(d, plan, worst - abs(worst) * t, worst, t) for t in (Fraction(1, 5), Fraction(1, 50))]
    budget = Budget(300, 5.0)
    table = bench(goals, ["largest-first", "smear"], budget)
    assert len(table["goals"]) == len(goals)
    for name, s in table["strategies"].items():
        verdicts = [row["results"][name]["verdict"] for row in table["goals"]]
        assert s["proved"] == verdicts.count("proved")
        for row in table["tightest"]:
            r = row["results"][name]
            # a plan counts at its own node count only when its certified gap reached 10%
            if r["lower_bound"] is not None and r["gap"] <= GAP:
                assert r["nodes"] <= budget.nodes
        decided = [row for row in table["tightest"] if row["decided"]]
        assert decided, "the horizon-4 drone needs splits: its plans count toward nodes to the gap"
        assert s["plans_to_gap"] == len(decided)
        gaps = sorted(row["results"][name]["nodes"] if row["results"][name]["gap"] <= GAP else budget.nodes
                      for row in decided)
        if gaps:
            assert s["median_nodes_to_gap"] == (gaps[(len(gaps) - 1) // 2] + gaps[len(gaps) // 2]) / 2
        for row in table["tightest"]:       # refuted plans and plans closed at the root do not count
            results = row["results"].values()
            if any(r["verdict"] == "refuted" for r in results) or all(r["nodes"] <= 2 for r in results):
                assert not row["decided"]
    for row in table["goals"]:       # a proved bound never exceeds the worst case found for it
        for r in row["results"].values():
            if r["verdict"] == "proved":
                assert number_range(row["bound"])[0] <= number_range(row["worst_found"])[1]


def test_bench_cli_json_and_plot(capsys, tmp_path):
    png = tmp_path / "bench.png"
    code = main(["bench", str(THERMO), "--horizon", "2", "--goals", "1", "--strategies", "smear,heuristic",
                 "--node-budget", "200", "--time-limit", "3", "--json", "--plot", str(png)])
    out, err = capsys.readouterr()
    assert code == 0, err
    table = json.loads(out)
    assert set(table["strategies"]) == {"smear", "heuristic"}
    assert png.stat().st_size > 1000


def test_bench_rejects_unknown_strategies(capsys):
    code = main(["bench", str(THERMO), "--strategies", "smear,magic"])
    assert code == 2 and "magic" in capsys.readouterr().err


def test_frontier_rows_and_stretched_plans():
    from corpus.frontier import row, stretched
    from planner.cli.render_tools import frontier_row
    for h in (3, 8, 12):
        for name in ("drone", "sir"):
            assert len(stretched(name, h).split(";")) == h
    line = frontier_row(row("sir", 4, "smear", 10.0))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[:4] == ["sir", "4", "smear", "proved"]
    assert float(cells[4]) <= float(cells[5])          # certified L ≤ worst found
