"""`warrant eval`'s time ratios (corpus.eval_report): per-goal times with unproved goals at the
limit, geometric means against each hand rule, the best hand rule, and the log-log plot."""
from __future__ import annotations

import math

from corpus.eval_report import best_hand, goal_times, loglog_plot, ratios, report


def _table():
    runs = {"smear": [("proved", 2.0), ("proved", 4.0), ("unknown", 9.0)],
            "heuristic": [("proved", 1.0), ("proved", 4.0), ("proved", 8.0)],
            "learned": [("proved", 0.5), ("proved", 1.0), ("proved", 2.0)],
            "z3": [("unknown", 10.0)] * 3}
    goals = [{"results": {s: {"verdict": v[k][0], "time_s": v[k][1], "nodes": 3} for s, v in runs.items()}}
             for k in range(3)]
    stats = {s: {"proved": sum(r[0] == "proved" for r in v), "median_time_s": sorted(t for _, t in v)[1]}
             for s, v in runs.items()}
    return {"budget": {"time_s": 10.0, "nodes": 100}, "strategies": stats, "goals": goals}


def test_unproved_goals_count_at_the_time_limit():
    assert goal_times(_table(), "smear") == [2.0, 4.0, 10.0]


def test_geometric_means_against_each_hand_rule_and_the_best_hand_rule():
    t = _table()
    assert best_hand(t) == "heuristic"           # proves 3 (smear 2); z3 is no hand rule, learned neither
    r = ratios(t)
    assert set(r["learned"]) == {"smear", "heuristic"} and "z3" not in r["learned"]
    assert math.isclose(r["learned"]["heuristic"]["geomean"], (0.5 * 0.25 * 0.25) ** (1 / 3), rel_tol=1e-3)
    assert r["learned"]["heuristic"]["median"] == 0.25
    assert math.isclose(r["heuristic"]["smear"]["geomean"], (0.5 * 1 * 0.8) ** (1 / 3), rel_tol=1e-3)
    assert report(t)["best_hand"] == "heuristic"


def test_the_loglog_plot_is_written(tmp_path):
    path = tmp_path / "ll.png"
    assert loglog_plot(_table(), str(path)) == "heuristic"
    assert path.read_bytes()[:4] == b"\x89PNG"
