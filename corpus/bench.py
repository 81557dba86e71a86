"""`warrant bench`: every strategy on the same goals under the same budgets, side by side.

Medians run over all goals; a goal a strategy did not prove counts at the full node budget
and time limit, so giving up early never looks fast. Tightness is measured by a `--tightest`
run per plan: `(worst_found − certified) / |worst_found|` (1 when nothing was certified).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from fractions import Fraction

from dsl.model import plan_str
from prover.search import Budget
from prover.verify import VerifyResult, verify_search

STRATEGIES = ("z3", "largest-first", "smear", "heuristic", "learned")


@dataclass(frozen=True)
class BenchRun:
    verdict: str
    nodes: int
    time_s: float


def run_strategy(name: str, domain, plan, bound, budget: Budget) -> VerifyResult:
    if name == "z3":
        from prover.verify_z3 import verify_z3
        return verify_z3(domain, plan, bound, budget.seconds)
    return verify_search(domain, plan, bound, name, budget)


def bench(goals, strategies, budget: Budget, progress=None) -> dict:
    """The JSON table of DESIGN.md's performance protocol."""
    rows, tight = [], {s: [] for s in strategies}
    total = len(goals) * len(strategies)
    done = 0
    tightest_plans = {}
    for g in goals:
        results = {}
        for s in strategies:
            r = run_strategy(s, g.domain, g.plan, g.bound, budget)
            results[s] = {"verdict": r.verdict, "nodes": r.nodes, "time_s": round(r.time_s, 4)}
            done += 1
            if progress:
                progress(done, total)
        rows.append({"domain": g.domain.name, "plan": plan_str(g.plan), "bound": str(g.bound),
                     "worst_found": str(g.worst_found), "results": results})
        tightest_plans.setdefault((g.domain.name, g.plan), g)
    for g in tightest_plans.values():
        for s in strategies:
            r = run_strategy(s, g.domain, g.plan, None, budget)
            tight[s].append(_tightness(r, g.worst_found))
    return {"budget": {"nodes": budget.nodes, "time_s": budget.seconds},
            "strategies": {s: _summary(s, rows, tight[s], budget) for s in strategies}, "goals": rows}


def _tightness(r: VerifyResult, worst: Fraction) -> float:
    if r.lower_bound is None:
        return 1.0
    w = min(worst, r.worst_found.outcome.reward) if r.worst_found else worst
    return float((w - r.lower_bound) / abs(w)) if w != 0 else float(w - r.lower_bound)


def _summary(s: str, rows, tight, budget: Budget) -> dict:
    proved = [r["results"][s]["verdict"] == "proved" for r in rows]
    nodes = [r["results"][s]["nodes"] if p else budget.nodes for r, p in zip(rows, proved)]
    times = [r["results"][s]["time_s"] if p else budget.seconds for r, p in zip(rows, proved)]
    return {"goals": len(rows), "proved": sum(proved),
            "median_nodes": statistics.median(nodes) if rows else None,
            "median_time_s": round(statistics.median(times), 4) if rows else None,
            "median_tightness": round(statistics.median(tight), 6) if tight else None}


def plot(table: dict, path: str) -> None:
    """Bar charts of proved fraction, median nodes and median time per strategy."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(table["strategies"])
    stats = table["strategies"]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    series = [("proved fraction", [stats[n]["proved"] / max(1, stats[n]["goals"]) for n in names]),
              ("median nodes", [stats[n]["median_nodes"] or 0 for n in names]),
              ("median time (s)", [stats[n]["median_time_s"] or 0 for n in names]),
              ("median tightness", [stats[n]["median_tightness"] or 0 for n in names])]
    for ax, (title, values) in zip(axes, series):
        ax.bar(names, values, color=["#777", "#c66", "#69c", "#4a4", "#a5c"][: len(names)])
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
