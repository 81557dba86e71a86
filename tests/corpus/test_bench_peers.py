"""`warrant bench` goals, JSON numbers, plot and `--peers`; `compile --to cip`."""
from __future__ import annotations

import json
from fractions import Fraction

from corpus import domain_files, known_plan
from corpus.bench import EXACT_CHARS, bench, number, per_goal_points, plot
from corpus.goals import bench_goals
from dsl.load import load_domain
from planner.cli import main
from prover.search.loop import Budget
from prover.search.verify import verify_search

SIR = next(p for p in domain_files() if p.stem == "sir")
PORTFOLIO = next(p for p in domain_files() if p.stem == "portfolio")


def test_bench_goals_use_several_robustly_valid_plans_and_label_refutations():
    d = load_domain(SIR)
    goals, screened = bench_goals(d, 3, 0, refutations=1)
    bound = [g for g in goals if g.kind == "bound"]
    assert len(bound) == 3 and len({g.plan for g in bound}) == 3       # one plan per goal, not one for all
    assert len({g.tightness for g in bound}) == 3
    for g in bound:                                                    # each plan is proved valid again here
        assert verify_search(d, g.plan, None, "smear", Budget(3000, 10.0, Fraction(1))).verdict == "proved"
    refute = [g for g in goals if g.kind == "refutation"]
    assert screened.refuted >= 1 and len(refute) == 1
    assert verify_search(d, refute[0].plan, refute[0].bound, "smear", Budget(3000, 10.0)).verdict == "refuted"


def test_numbers_are_exact_when_short_and_enclosed_when_long():
    assert number(Fraction(-7, 2)) == "-7/2"
    x = Fraction(3**200 + 1, -(7**150))
    text = number(x)
    assert len(str(x)) > EXACT_CHARS and text.startswith("[") and len(text) < 60
    lo, hi = (Fraction(t) for t in text[1:-1].split(", "))
    assert lo <= x <= hi and hi - lo <= abs(x) * Fraction(1, 10**13)


def test_bench_json_plot_and_refutations_apart(tmp_path):
    d = load_domain(SIR)
    goals, _ = bench_goals(d, 2, 0, refutations=1)
    table = bench(goals, ["smear"], Budget(400, 3.0))
    rows = table["goals"]
    assert all(isinstance(r["plan"], list) and len(r["plan"]) == d.horizon for r in rows)
    s = table["strategies"]["smear"]
    assert s["goals"] == 2 and s["refutations"]["goals"] == 1          # medians over bound goals only
    assert s["refutations"]["refuted"] == 1
    assert "enclosure" in table["number_format"]
    points = per_goal_points(table)
    assert len(points["smear"]) == len(rows)
    panels = plot(table, str(tmp_path / "b.png"))
    assert panels["nodes per goal"] == "log" and panels["time per goal (s)"] == "log"


def test_bench_peers_side_by_side(capsys, tmp_path):
    code = main(["bench", str(PORTFOLIO), "--goals", "1", "--refutation-goals", "0", "--strategies", "smear",
                 "--time-limit", "5", "--peers", "scip,gurobi", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    table = json.loads(out)
    peers = table["peers"]
    assert plot(table, str(tmp_path / "p.png"))["time to 1% gap per plan (s)"] == "log"
    assert "floating point" in peers["note"] and "certified" in peers["note"]
    row = peers["plans"][0]
    assert row["validated"] > 0 and row["variables"] > 6
    for p in ("scip", "gurobi"):
        assert row[p]["status"] == "optimal" and row[p]["to_1_s"] is not None
        lower = row["warrant"]["lower_bound"]      # certified: never above what the peer found
        assert lower is None or Fraction(lower) <= Fraction(row[p]["primal"]) + Fraction(1, 10**6)
    assert set(peers["summary"]) == {"scip", "gurobi"}


def test_bench_peers_missing_package_exits_2_with_install_command(capsys, monkeypatch):
    from prover.backends import peer_gurobi
    monkeypatch.setattr(peer_gurobi, "available", lambda: False)
    code = main(["bench", str(PORTFOLIO), "--peers", "scip,gurobi"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install" in err and "gurobipy==13.0.3" in err


def test_compile_to_cip_is_read_back_by_scip(tmp_path, capsys):
    import pyscipopt
    from dsl.plan import parse_plan
    from prover.backends import peer_scip
    from prover.backends.peer_model import build
    out = tmp_path / "goal.cip"
    plan = known_plan(PORTFOLIO)
    assert main(["compile", str(PORTFOLIO), "--plan", plan, "--bound", "-5", "--to", "cip", "-o", str(out)]) == 0
    m = pyscipopt.Model()
    m.hideOutput()
    m.readProblem(str(out))
    m.optimize()
    d = load_domain(PORTFOLIO)
    direct = peer_scip.solve(build(d, parse_plan(plan, d)), 20.0)
    assert m.getStatus() == "optimal" and abs(m.getObjVal() - direct.primal) < 1e-6
    assert main(["compile", str(PORTFOLIO), "--plan", plan, "--bound", "-5", "--to", "osil",
                 "-o", str(tmp_path / "g.osil")]) == 2
