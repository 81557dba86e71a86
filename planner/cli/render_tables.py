"""The terminal tables: plan-and-verify's rounds and summary, and the bench / eval tables
(with the peers side by side)."""
from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from dsl.interp import short
from dsl.model import plan_str
from dsl.scenario import to_json
from planner.cli.render import print_json
from planner.numbers_text import bound, cell


def print_plan_report(out: Console, res, cert_path) -> None:
    """A `planner.loop.PlanResult`: a table per round, its rejections, then the summary."""
    for rnd in res.rounds:
        t = Table(title=f"round {rnd.index + 1}: {rnd.scenarios} scenario(s), graph {rnd.graph_nodes} nodes"
                        f"{'' if rnd.exhaustive else ' (beam: not exhaustive)'}")
        for col in ("", "plan", "min over set", "certified ≥", "worst found", "verdict", "time"):
            t.add_column(col, no_wrap=col != "plan")
        for c in rnd.candidates:
            r = c.result
            mark = "→" if c is res.selected else ""
            t.add_row(mark, plan_str(c.plan), cell(c.min_over_set) if c.min_over_set is not None else "-",
                      cell(r.lower_bound) if r.lower_bound is not None else "-",
                      cell(r.worst_found.outcome.reward) if r.worst_found else "-",
                      "dominated" if r.stop_reason == "dominated" else r.verdict, f"{r.time_s:.1f}s")
        out.print(t)
        for c in rnd.candidates:
            if c.result.counterexample is not None:
                _print_counterexample(out, c)
    _print_summary(out, res, cert_path)


def _print_counterexample(out: Console, c) -> None:
    o = c.result.counterexample.outcome
    s = c.result.counterexample.scenario
    what = (f"{o.violation.kind} '{o.violation.condition}' fails in s_{o.violation.step} [{o.violation.detail}]"
            if o.violation else f"reward {short(o.reward)}")
    out.print(f"  rejected {plan_str(c.plan)}: {what}", markup=False)
    out.print(f"    replayed scenario: {json.dumps(to_json(s))}", markup=False)


def _print_summary(out: Console, res, cert_path) -> None:
    upper = bound(res.upper_bound, up=True) if res.upper_bound is not None else "unknown"
    stopped = (f"stopped: {res.stop_reason} ({res.stop_detail}); {len(res.rounds)} round(s), {res.time_s:.1f}s"
               + (f"; certificate written to {cert_path}" if cert_path and res.selected else ""))
    if res.no_robust_plan:
        out.print(f"no robust plan exists: every plan fails in at least one of these {len(res.scenarios)} "
                  f"scenario(s) (the graph search over plans was exhaustive):", style="bold red", markup=False)
        for i, s in enumerate(res.scenarios, 1):
            out.print(f"  scenario {i}: {json.dumps(to_json(s))}", markup=False)
    elif res.selected is None:
        out.print("none found within budget: no plan was proved robustly valid", style="bold yellow", markup=False)
        out.print(f"best possible ≤ {upper}", markup=False)
    else:
        r = res.selected.result
        out.print(f"selected: {plan_str(res.selected.plan)}", style="bold green", markup=False)
        out.print(f"certified worst-case reward ≥ {bound(r.lower_bound)}; best possible ≤ {upper}"
                  + (" (exact: the selected plan is robustly optimal)" if res.exact else ""), markup=False)
    if res.upper_note:
        out.print(f"upper bound: {res.upper_note}", markup=False)
    out.print(stopped, markup=False)


def report_table(out: Console, args, table: dict, goals: int) -> bool:
    """A bench / eval table: plotted if asked (`--plot`), then printed as JSON (`--json`) or as
    terminal tables; True for the latter."""
    from corpus.bench import plot
    if args.plot:
        plot(table, args.plot)
    if args.json:
        print_json(out, table)
        return False
    print_bench(out, table, f"{goals} goals; budget {args.node_budget} nodes, {args.time_limit}s per goal")
    return True


def print_bench(out: Console, table: dict, title: str) -> None:
    """A bench / eval table (corpus.bench) in the terminal: screening, strategies, refutations, peers."""
    for line in table.get("screening", []):
        out.print(line, markup=False)
    print_table(out, table, title)
    print_refutations(out, table)
    if "peers" in table:
        print_peers(out, table["peers"])


def print_table(out: Console, table: dict, title: str) -> None:
    """The per-strategy summary of a bench/eval table, as a terminal table."""
    t = Table(title=title)
    for col in ("strategy", "proved", "median nodes", "median time (s)", "median tightness",
                "median nodes to 10% gap (plans)"):
        t.add_column(col, justify="right")
    cell_ = lambda v: "–" if v is None else str(v)     # noqa: E731  (no proved/decided goal: no median)
    for name, s in table["strategies"].items():
        to_gap = f"{s['median_nodes_to_gap']} ({s['plans_to_gap']})" if s["plans_to_gap"] else "– (no decided plan)"
        t.add_row(name, f"{s['proved']}/{s['goals']}", cell_(s["median_nodes"]), cell_(s["median_time_s"]),
                  cell_(s["median_tightness"]), to_gap)
    out.print(t)


def print_refutations(out: Console, table: dict) -> None:
    rows = [(n, s["refutations"]) for n, s in table["strategies"].items() if s.get("refutations", {}).get("goals")]
    if rows:
        out.print("refutation goals (refuted plans, not in the medians above): " + "; ".join(
            f"{n} {r['refuted']}/{r['goals']} refuted, median {r['median_time_s']} s" for n, r in rows), markup=False)


def print_peers(out: Console, peers: dict) -> None:
    """Per plan: warrant (certified) against each peer (floating point), then the medians."""
    names = list(peers["summary"])
    t = Table(title=f"peers side by side ({peers['note']}); warrant = {peers['strategy']}")
    for col in ["domain", "H", "vars", "relaxed", "warrant L (certified)", "warrant to 10% / 1% (s)",
                *[f"{p} primal / dual (float)" for p in names], *[f"{p} to 10% / 1% (s)" for p in names]]:
        t.add_column(col, justify="right")
    for r in peers["plans"]:
        t.add_row(*_peer_row(r, names))
    out.print(t)
    for p, s in peers["summary"].items():
        out.print(f"{p}: median to 10% {s['median_to_10_s']} s, to 1% {s['median_to_1_s']} s (warrant "
                  f"{s['median_warrant_to_10_s']} / {s['median_warrant_to_1_s']} s); median ratio warrant/{p} "
                  f"{s['median_ratio_to_10_s']} at 10%, {s['median_ratio_to_1_s']} at 1% "
                  f"({s['plans']} plans, {s['refused']} refused; never reached counts at the time limit)",
                  markup=False)
    out.print("vars: the peer model's variables; relaxed: comparisons on real forms the peer model takes as "
              "their closures at the boundary (listed in the JSON's 'relaxations'); warrant's times include "
              "its certificate check, the peers' are their solvers' own", markup=False)


def _peer_row(r: dict, names: list[str]) -> list[str]:
    if "unsupported" in r:
        return [r["domain"], str(r["horizon"]), "", "", f"unsupported: {r['unsupported']}", *[""] * (1 + 2 * len(names))]
    c = lambda v: "–" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)    # noqa: E731
    w = r["warrant"]
    return [r["domain"], str(r["horizon"]), str(r["variables"]), str(len(r["relaxations"])), c(w["lower_bound"]),
            f"{c(w['to_10_s'])} / {c(w['to_1_s'])}",
            *[r[p]["status"] if r[p]["status"].startswith("refused") else
              f"{c(r[p]['primal'])} / {c(r[p]['dual'])}" for p in names],
            *[f"{c(r[p]['to_10_s'])} / {c(r[p]['to_1_s'])}" for p in names]]
