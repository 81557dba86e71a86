"""`warrant bench`: every strategy on the same goals under the same budgets, side by side.

Medians run over all goals; a goal a strategy did not prove counts at the full node budget
and time limit, so giving up early never looks fast. Tightness is measured by a `--tightest`
run per plan: `(worst_found − certified) / |worst_found|` (1 when nothing was certified).
That run stops at a 10% gap (the issue's measure: nodes to a 10% gap); a plan whose gap stays
above 10% counts at the full node budget. Nodes to the gap are taken over the plans where the
strategies made some choice (see `_decided`): on a plan every strategy closes at the root the
count is 2 for all of them and says nothing about the strategies.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from fractions import Fraction

from dsl.model import plan_str
from prover.executor import InProcess
from prover.jobs import VerifyJob, run_verify
from prover.policy.spec import PolicySpec
from prover.search import Budget
from prover.verify import VerifyResult

STRATEGIES = ("z3", "largest-first", "smear", "heuristic", "learned")
GAP = Fraction(1, 10)       # --tightest runs stop when the certified bound is this close


@dataclass(frozen=True)
class BenchRun:
    verdict: str
    nodes: int
    time_s: float


def run_strategy(name: str, domain, plan, bound, budget: Budget, policy: PolicySpec | None = None) -> VerifyResult:
    """One strategy on one goal, in this process (`policy`: the learned strategy's spec)."""
    return run_verify(_job(name, domain, plan, bound, budget, policy))


def _job(name: str, domain, plan, bound, budget: Budget, learned: PolicySpec | None) -> VerifyJob:
    spec = learned if name == "learned" and learned is not None else PolicySpec(name)
    return VerifyJob.of(domain, plan, bound, spec, budget)


def bench(goals, strategies, budget: Budget, progress=None, executor=None, learned: PolicySpec | None = None,
          inference: dict | None = None) -> dict:
    """The JSON table of DESIGN.md's performance protocol. Every (goal, strategy) run is one job
    of `executor` (default: one after another in this process); `learned` is the spec the
    learned strategy runs with; `inference` (if given) sums its forward passes and their time."""
    executor = executor or InProcess()
    rows, tight = [], {s: [] for s in strategies}
    total = len(goals) * len(strategies)
    done = 0
    runs = executor.map(run_verify, [_job(s, g.domain, g.plan, g.bound, budget, learned)
                                     for g in goals for s in strategies])
    tightest_plans = {}
    for g in goals:
        results = {}
        for s in strategies:
            r = next(runs)
            _count(inference, r)
            results[s] = {"verdict": r.verdict, "nodes": r.nodes, "time_s": round(r.time_s, 4)}
            done += 1
            if progress:
                progress(done, total)
        rows.append({"domain": g.domain.name, "plan": plan_str(g.plan), "bound": str(g.bound),
                     "worst_found": str(g.worst_found), "results": results})
        tightest_plans.setdefault((g.domain.name, g.plan), g)
    plans = []
    gap_budget = replace(budget, gap=GAP)
    runs = executor.map(run_verify, [_job(s, g.domain, g.plan, None, gap_budget, learned)
                                     for g in tightest_plans.values() for s in strategies])
    for g in tightest_plans.values():
        row = {"domain": g.domain.name, "plan": plan_str(g.plan), "results": {}}
        for s in strategies:
            r = next(runs)
            _count(inference, r)
            t = _tightness(r, g.worst_found)
            tight[s].append(t)
            row["results"][s] = {"verdict": r.verdict, "gap": round(t, 6), "nodes": r.nodes,
                                 "time_s": round(r.time_s, 4),
                                 "lower_bound": None if r.lower_bound is None else str(r.lower_bound)}
        row["decided"] = _decided(row, strategies)
        plans.append(row)
    to_gap = {s: [_nodes_to_gap(row["results"][s], budget) for row in plans if row["decided"]] for s in strategies}
    return {"budget": {"nodes": budget.nodes, "time_s": budget.seconds, "gap": str(GAP)},
            "strategies": {s: _summary(s, rows, tight[s], to_gap[s], budget) for s in strategies},
            "goals": rows, "tightest": plans}


def _count(inference: dict | None, r: VerifyResult) -> None:
    if inference is not None and r.policy_stats:
        for k, v in r.policy_stats.items():
            inference[k] = inference.get(k, 0) + v


def _decided(row, strategies) -> bool:
    """A plan counts toward "nodes to the gap" when no strategy refuted it (a refuted plan has
    no bound to tighten) and some search strategy needed more than the two root evaluations
    (validity and reward): below that no strategy made a single choice."""
    results = [row["results"][s] for s in strategies]
    if any(r["verdict"] == "refuted" for r in results):
        return False
    return any(r["nodes"] > 2 for s, r in zip(strategies, results) if s != "z3")


def _nodes_to_gap(r: dict, budget: Budget) -> int:
    reached = r["lower_bound"] is not None and r["gap"] <= GAP
    return r["nodes"] if reached else budget.nodes


def _tightness(r: VerifyResult, worst: Fraction) -> float:
    if r.lower_bound is None:
        return 1.0
    w = min(worst, r.worst_found.outcome.reward) if r.worst_found else worst
    return float((w - r.lower_bound) / abs(w)) if w != 0 else float(w - r.lower_bound)


def _summary(s: str, rows, tight, to_gap, budget: Budget) -> dict:
    proved = [r["results"][s]["verdict"] == "proved" for r in rows]
    nodes = [r["results"][s]["nodes"] if p else budget.nodes for r, p in zip(rows, proved)]
    times = [r["results"][s]["time_s"] if p else budget.seconds for r, p in zip(rows, proved)]
    return {"goals": len(rows), "proved": sum(proved),
            "median_nodes": statistics.median(nodes) if rows else None,
            "median_time_s": round(statistics.median(times), 4) if rows else None,
            "median_tightness": round(statistics.median(tight), 6) if tight else None,
            "median_nodes_to_gap": statistics.median(to_gap) if to_gap else None,
            "plans_to_gap": len(to_gap)}


def plot(table: dict, path: str) -> None:
    """Bar charts of proved fraction, median nodes and median time per strategy."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(table["strategies"])
    stats = table["strategies"]
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.2))
    series = [("proved fraction", [stats[n]["proved"] / max(1, stats[n]["goals"]) for n in names]),
              ("median nodes", [stats[n]["median_nodes"] or 0 for n in names]),
              ("median time (s)", [stats[n]["median_time_s"] or 0 for n in names]),
              ("median tightness", [stats[n]["median_tightness"] or 0 for n in names]),
              ("median nodes to 10% gap", [stats[n]["median_nodes_to_gap"] or 0 for n in names])]
    for ax, (title, values) in zip(axes, series):
        ax.bar(names, values, color=["#777", "#c66", "#69c", "#4a4", "#a5c"][: len(names)])
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
