"""What `warrant eval` adds to a bench table: time ratios against the hand rules, per goal, and
a log-log plot of a strategy's per-goal time against the best hand rule's.

Per goal, a strategy's time is its wall time to proof (inference and certificate check
included, as `corpus.bench` measures it), or the time limit when it did not prove the goal, so
giving up early never looks fast. The ratio of two strategies on a goal is the quotient of
those times; the summary is the geometric mean of the per-goal ratios (a ratio < 1: faster)
and their median. The best hand rule is the hand strategy (no network, a search) that proves
the most goals, then has the lowest median time.
"""
from __future__ import annotations

import math
import statistics

from prover.policy.registry import strategy

FLOOR_S = 1e-3              # times below a millisecond are read as one (ratios stay finite)


def goal_times(table: dict, name: str) -> list[float]:
    """Per goal (table order) the strategy's time: to proof, else the time limit."""
    limit = table["budget"]["time_s"]
    out = []
    for row in table["goals"]:
        r = row["results"][name]
        out.append(max(FLOOR_S, r["time_s"] if r["verdict"] == "proved" else limit))
    return out


def hand_rules(table: dict) -> list[str]:
    return [s for s in table["strategies"] if not strategy(s).network and not strategy(s).monolithic]


def best_hand(table: dict) -> str | None:
    """The hand rule that proves the most goals, then has the lowest median time."""
    hands = hand_rules(table)
    if not hands:
        return None
    stats = table["strategies"]
    return min(hands, key=lambda s: (-stats[s]["proved"], stats[s]["median_time_s"], s))


def ratios(table: dict) -> dict:
    """{strategy: {hand rule: {"geomean", "median", "goals"}}} of per-goal time ratios."""
    out = {}
    for s in table["strategies"]:
        mine = goal_times(table, s)
        out[s] = {}
        for h in hand_rules(table):
            if h == s:
                continue
            q = [a / b for a, b in zip(mine, goal_times(table, h))]
            out[s][h] = {"geomean": round(math.exp(statistics.fmean(math.log(x) for x in q)), 4) if q else None,
                         "median": round(statistics.median(q), 4) if q else None, "goals": len(q)}
    return out


def report(table: dict) -> dict:
    """The table's `time_ratios` section: the best hand rule and every strategy's ratios."""
    return {"best_hand": best_hand(table), "ratios": ratios(table),
            "definition": "per goal: time to proof (or the time limit if unproved); geometric mean and median "
                          "of the per-goal ratio strategy / hand rule"}


def loglog_plot(table: dict, path: str, name: str = "learned") -> str:
    """Per goal, `name`'s time (y) against the best hand rule's (x), log-log, with y = x and
    y = x / 2; unproved goals sit at the time limit. Returns the hand rule plotted against."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    hand = best_hand(table)
    xs, ys = goal_times(table, hand), goal_times(table, name)
    proved = [row["results"][name]["verdict"] == "proved" for row in table["goals"]]
    fig, ax = plt.subplots(figsize=(5.2, 5))
    ax.scatter([x for x, p in zip(xs, proved) if p], [y for y, p in zip(ys, proved) if p], s=22, label="proved")
    ax.scatter([x for x, p in zip(xs, proved) if not p], [y for y, p in zip(ys, proved) if not p], s=22,
               marker="v", label=f"{name} unproved")
    lo, hi = min(xs + ys) / 1.5, max(xs + ys) * 1.5
    ax.plot([lo, hi], [lo, hi], color="#999", linewidth=1, label="same time")
    ax.plot([lo, hi], [lo / 2, hi / 2], color="#999", linewidth=1, linestyle="--", label="half the time")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"{hand} time per goal (s)")
    ax.set_ylabel(f"{name} time per goal (s)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return hand
