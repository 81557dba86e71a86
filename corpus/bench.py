"""`warrant bench`: every strategy on the same goals under the same budgets, side by side.

Medians run over all goals; a goal a strategy did not prove counts at the full node budget
and time limit, so giving up early never looks fast. Tightness is measured by a `--tightest`
run per plan: `(worst_found − certified) / |worst_found|` (1 when nothing was certified).
That run stops at a 10% gap (the issue's measure: nodes to a 10% gap); a plan whose gap stays
above 10% counts at the full node budget. Nodes to the gap are taken over the plans where the
strategies made some choice (see `_decided`): on a plan every strategy closes at the root the
count is 2 for all of them and says nothing about the strategies.

Bound goals come from plans proved robustly valid; refutation goals (refuted plans) are counted
apart (`refutations` per strategy), never in the bound medians. Numbers in the JSON are exact
rationals as strings, except that one whose exact text is longer than `EXACT_CHARS` is written
`"[lo, hi]"`: an outward-rounded decimal enclosure (lo ≤ value ≤ hi, 15 significant digits).
"""
from __future__ import annotations

import statistics
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from prover.search.executor import InProcess
from prover.policy.registry import strategy
from prover.policy.spec import PolicySpec
from prover.search.loop import Budget
from prover.search.verify import VerifyResult, verify_search

GAP = Fraction(1, 10)       # --tightest runs stop when the certified bound is this close
EXACT_CHARS = 40            # longer exact rationals are written as decimal enclosures
NUMBER_FORMAT = (f"exact rational strings; a value longer than {EXACT_CHARS} characters is written "
                 f"'[lo, hi]', an outward-rounded decimal enclosure (lo <= value <= hi)")


@dataclass(frozen=True)
class BenchRun:
    verdict: str
    nodes: int
    time_s: float


def run_strategy(name: str, domain, plan, bound, budget: Budget, policy: PolicySpec | None = None) -> VerifyResult:
    """One strategy on one goal (`policy`: the spec a network strategy runs with)."""
    entry = strategy(name)
    if entry.monolithic:
        from prover.search.verify_z3 import verify_z3
        return verify_z3(domain, plan, bound, budget.seconds)
    spec = policy if entry.network and policy is not None else PolicySpec(name)
    return replace(verify_search(domain, plan, bound, name, budget, policy=spec.make()), searches=())


@dataclass(frozen=True)
class GoalJob:
    """One strategy on one goal: what a worker needs, nothing more."""

    goal: object                  # a corpus.goals.BenchGoal
    strategy: str
    budget: Budget
    tightest: bool = False        # a --tightest run (bound None, stops at GAP)
    policy: PolicySpec | None = None  # the learned strategy's spec (its --checkpoint reaches workers)


def run_job(job: GoalJob) -> VerifyResult:
    """The per-goal job of `warrant bench` (an executor may run these anywhere)."""
    g = job.goal
    budget = replace(job.budget, gap=GAP) if job.tightest else job.budget
    return run_strategy(job.strategy, g.domain, g.plan, None if job.tightest else g.bound, budget, job.policy)


def bench(goals, strategies, budget: Budget, progress=None, executor=None, learned: PolicySpec | None = None,
          inference: dict | None = None, tightest: bool = True) -> dict:
    """The JSON table of DESIGN.md's performance protocol. Every (goal, strategy) run is one job
    of `executor` (prover.search.executor; default: one after another in this process); `learned` is
    the learned strategy's spec; `inference` (if given) sums its forward passes and their time;
    `tightest` False leaves out the `--tightest` runs (their rows and medians stay empty)."""
    executor = executor or InProcess()
    total = len(goals) * len(strategies)
    done = 0
    rows = []
    runs = executor.map(run_job, [GoalJob(g, s, budget, policy=learned) for g in goals for s in strategies])
    for g in goals:
        results = {}
        for s in strategies:
            r = next(runs)
            _count(inference, r)
            results[s] = {"verdict": r.verdict, "nodes": r.nodes, "time_s": round(r.time_s, 4)}
            done += 1
            if progress:
                progress(done, total)
        rows.append(goal_row(g, results))
    bound_rows = [r for r in rows if r["kind"] == "bound"]
    plans = tightest_rows([g for g in goals if g.kind == "bound" and tightest], strategies, budget, executor, learned,
                          inference)
    tight = {s: [row["results"][s]["gap"] for row in plans] for s in strategies}
    to_gap = {s: [_nodes_to_gap(row["results"][s], budget) for row in plans if row["decided"]] for s in strategies}
    return {"budget": {"nodes": budget.nodes, "time_s": budget.seconds, "gap": str(GAP)},
            "number_format": NUMBER_FORMAT,
            "strategies": {s: {**_summary(s, bound_rows, tight[s], to_gap[s], budget),
                               "refutations": _refutations(s, rows, budget)} for s in strategies},
            "goals": rows, "tightest": plans}


def goal_row(g, results: dict) -> dict:
    return {"domain": g.domain.name, "horizon": g.domain.horizon, "kind": g.kind, "plan": [str(i) for i in g.plan], "bound": number(g.bound),
            "tightness": None if g.tightness is None else str(g.tightness),
            "worst_found": None if g.worst_found is None else number(g.worst_found), "results": results}


def tightest_rows(goals, strategies, budget: Budget, executor=None, learned=None, inference=None) -> list[dict]:
    """One `--tightest` run per distinct plan and strategy (stopping at GAP), as executor jobs."""
    plans = []
    distinct = list({(g.domain.name, g.plan): g for g in goals}.values())
    runs = (executor or InProcess()).map(run_job, [GoalJob(g, s, budget, tightest=True, policy=learned)
                                                   for g in distinct for s in strategies])
    for g in distinct:
        row = {"domain": g.domain.name, "horizon": g.domain.horizon, "plan": [str(i) for i in g.plan], "results": {}}
        for s in strategies:
            r = next(runs)
            _count(inference, r)
            t = _tightness(r, g.worst_found)
            row["results"][s] = {"verdict": r.verdict, "gap": round(t, 6), "nodes": r.nodes,
                                 "time_s": round(r.time_s, 4),
                                 "lower_bound": None if r.lower_bound is None else number(r.lower_bound)}
        row["decided"] = _decided(row, strategies)
        plans.append(row)
    return plans


def _count(inference: dict | None, r: VerifyResult) -> None:
    if inference is not None and r.policy_stats:
        for k, v in r.policy_stats.items():
            if isinstance(v, (int, float)):     # the counts; not the checkpoint's name
                inference[k] = inference.get(k, 0) + v


def number(x: Fraction) -> str:
    """Exact text when short; else `[lo, hi]`, decimals rounded outward to 15 significant digits."""
    text = str(x)
    if len(text) <= EXACT_CHARS:
        return text
    scale = 14 - math.floor(math.log10(abs(x))) if x else 0
    k = Fraction(10) ** scale
    lo, hi = math.floor(x * k), math.ceil(x * k)
    return f"[{Decimal(lo).scaleb(-scale)}, {Decimal(hi).scaleb(-scale)}]"


def number_range(text: str) -> tuple[Fraction, Fraction]:
    """(lo, hi) of a `number` text: the value itself twice when exact, else its enclosure."""
    if text.startswith("["):
        lo, hi = text[1:-1].split(", ")
        return Fraction(lo), Fraction(hi)
    return Fraction(text), Fraction(text)


def _refutations(s: str, rows, budget: Budget) -> dict:
    """Refutation goals: how many the strategy refuted, and the median time (unrefuted: the limit)."""
    mine = [r["results"][s] for r in rows if r["kind"] == "refutation"]
    times = [r["time_s"] if r["verdict"] == "refuted" else budget.seconds for r in mine]
    return {"goals": len(mine), "refuted": sum(r["verdict"] == "refuted" for r in mine),
            "median_time_s": round(statistics.median(times), 4) if times else None}


def _decided(row, strategies) -> bool:
    """A plan counts toward "nodes to the gap" when no strategy refuted it (a refuted plan has
    no bound to tighten) and some search strategy needed more than the two root evaluations
    (validity and reward): below that no strategy made a single choice."""
    results = [row["results"][s] for s in strategies]
    if any(r["verdict"] == "refuted" for r in results):
        return False
    return any(r["nodes"] > 2 for s, r in zip(strategies, results) if not strategy(s).monolithic)


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


def per_goal_points(table: dict) -> dict:
    """{strategy: [(nodes, time_s, verdict, kind)]}: one point per goal, as the plot draws them."""
    return {s: [(row["results"][s]["nodes"], row["results"][s]["time_s"], row["results"][s]["verdict"], row["kind"])
                for row in table["goals"]] for s in table["strategies"]}


def plot(table: dict, path: str) -> dict:
    """Bar charts of the medians, and every goal as a point (nodes and time, log scale), per
    strategy; marker by verdict, refutation goals hollow. Returns {panel title: y scale}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(table["strategies"])
    stats = table["strategies"]
    fig, axes = plt.subplots(2, 4, figsize=(16, 6.4))
    series = [("proved fraction (bound goals)", [stats[n]["proved"] / max(1, stats[n]["goals"]) for n in names]),
              ("median time (s)", [stats[n]["median_time_s"] or 0 for n in names]),
              ("median tightness", [stats[n]["median_tightness"] or 0 for n in names]),
              ("median nodes to 10% gap", [stats[n]["median_nodes_to_gap"] or 0 for n in names])]
    colors = ["#777", "#c66", "#69c", "#4a4", "#a5c"]
    for ax, (title, values) in zip(axes[0], series):
        ax.bar(names, values, color=colors[: len(names)])
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=30)
    points = per_goal_points(table)
    panels = {ax.get_title(): ax.get_yscale() for ax in axes[0]}
    for ax, (title, col) in zip(axes[1], [("nodes per goal", 0), ("time per goal (s)", 1)]):
        _scatter(ax, names, points, col, colors)
        ax.set_title(title)
        ax.set_yscale("log")
        panels[title] = ax.get_yscale()
    _budget_lines(axes[1], table)
    if "peers" in table:
        panels.update(_peer_panel(axes[1][2], table["peers"], colors))
    for ax in axes[1][2 + ("peers" in table):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return panels


def _peer_panel(ax, peers: dict, colors) -> dict:
    """Time to a 1% gap per plan: warrant (certified) and each peer (floating point), log scale;
    a plan that never reached 1% sits at the time limit."""
    limit = peers["time_limit_s"]
    names = ["warrant", *peers["summary"]]
    rows = [r for r in peers["plans"] if "warrant" in r]
    for i, n in enumerate(names):
        times = [r[n]["to_1_s"] if n in r and r[n].get("to_1_s") is not None else limit for r in rows]
        ax.scatter([i + 0.3 * ((j * 0.618) % 1 - 0.5) for j in range(len(times))], [max(t, 1e-3) for t in times],
                   color=colors[(i + 2) % len(colors)], s=28)
    ax.axhline(limit, color="#bbb", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), names, rotation=30)
    ax.set_yscale("log")
    ax.set_title("time to 1% gap per plan (s)")
    return {"time to 1% gap per plan (s)": ax.get_yscale()}


_MARKERS = {"proved": "o", "refuted": "x", "unknown": "v"}


def _scatter(ax, names, points, col: int, colors) -> None:
    for i, n in enumerate(names):
        for j, p in enumerate(points[n]):
            x = i + 0.3 * ((j * 0.618) % 1 - 0.5)         # deterministic jitter
            color, marker = colors[i % len(colors)], _MARKERS.get(p[2], "s")
            face = "none" if p[3] == "refutation" and marker != "x" else color
            ax.scatter([x], [max(p[col], 1e-3)], marker=marker, s=28, c=[color] if marker == "x" else None,
                       facecolors=None if marker == "x" else face, edgecolors=None if marker == "x" else color)
    ax.set_xticks(range(len(names)), names, rotation=30)


def _budget_lines(axes, table: dict) -> None:
    for ax, key in zip(axes, ("nodes", "time_s")):
        ax.axhline(table["budget"][key], color="#bbb", linestyle="--", linewidth=1, label="budget")
        ax.legend(loc="best", fontsize=7)
