"""`warrant bench`: strategies side by side on generated goals (DESIGN.md, performance protocol)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from dsl.errors import InputError
from dsl.load import load_domain
from planner.cli import add_executor_options, add_policy_options, executor_for, policy_spec, print_json, seconds, with_horizon
from planner.progress_view import add_quiet_option, progress_view
from prover.calculus.progress import Progress as Event


def register(sub) -> dict:
    p = sub.add_parser("bench", help="compare proof strategies on generated goals")
    p.add_argument("files", nargs="+", metavar="DOMAIN.rwd")
    p.add_argument("--goals", type=int, default=6, help="goals per domain (default 6)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategies", default="z3,largest-first,smear,heuristic")
    p.add_argument("--node-budget", type=int, default=5000)
    p.add_argument("--time-limit", type=seconds, default=10.0, help="seconds per goal and strategy")
    p.add_argument("--horizon", type=int, help="override every file's horizon")
    p.add_argument("--refutation-goals", type=int, default=1,
                   help="refutation goals (refuted plans) per domain, reported apart (default 1)")
    p.add_argument("--peers", default="", help="also run these global optimizers: scip,gurobi")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", help="write a PNG plot here")
    add_quiet_option(p)
    add_policy_options(p)
    add_executor_options(p)
    return {"bench": cmd_bench}


def _peers(args) -> list[str]:
    """The --peers list, checked before any work: exit 2 with the install command if one is missing."""
    from corpus.peers import PEERS, missing
    names = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in names if p not in PEERS]
    if unknown:
        raise InputError(f"unknown peers {unknown}; choose from {', '.join(PEERS)}")
    absent = missing(names)
    if absent:
        raise InputError("--peers: not installed; install with: " + "; ".join(absent))
    return names


def _goals(args) -> tuple[list, list[str]]:
    """Each domain's bench goals (robustly valid plans, then refutation goals) and a line per domain."""
    from corpus.goals import bench_goals
    goals, lines = [], []
    for f in args.files:
        d = with_horizon(load_domain(f), args.horizon)
        gs, screened = bench_goals(d, args.goals, args.seed, refutations=args.refutation_goals)
        goals += gs
        lines.append(f"{d.name}: {screened.valid} robustly valid plans (proved) of {screened.tried} screened, "
                     f"{screened.refuted} refuted, {screened.unknown} undecided; "
                     f"{sum(g.kind == 'bound' for g in gs)} bound goals, "
                     f"{sum(g.kind == 'refutation' for g in gs)} refutation goals")
    return goals, lines


def cmd_bench(args, out: Console) -> int:
    from corpus.bench import bench
    from prover.policy.registry import names, strategy
    from prover.search.loop import Budget
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in names()]
    if unknown or not strategies:
        raise InputError(f"unknown strategies {unknown}; choose from {', '.join(names())}")
    if args.goals < 1 or args.node_budget < 1 or args.time_limit <= 0 or args.refutation_goals < 0:
        raise InputError("--goals, --node-budget and --time-limit must be positive, --refutation-goals not negative")
    peers = _peers(args)
    goals, screening = _goals(args)
    if not any(g.kind == "bound" for g in goals):
        raise InputError("no bound goals: no candidate plan was proved robustly valid within the screening budget")
    budget = Budget(args.node_budget, args.time_limit)
    learned = policy_spec(args, next((s for s in strategies if strategy(s).network), "heuristic"))
    executor = executor_for(args)
    try:
        with progress_view(args) as progress:
            table = bench(goals, strategies, budget, lambda done, total: progress(Event("bench", done, total)),
                          executor, learned)
    finally:
        executor.close()
    table["screening"] = screening
    if peers:
        from corpus.peers import peer_table
        searches = [s for s in strategies if not strategy(s).monolithic]
        ref = "heuristic" if "heuristic" in strategies else next(iter(searches), "heuristic")
        table["peers"] = peer_table(table, goals, peers, budget, ref, args.seed)
    if report(out, args, table, len(goals)) and args.plot:
        out.print(f"plot written to {args.plot}", markup=False)
    return 0


def report(out: Console, args, table: dict, goals: int) -> bool:
    """Plot the table if asked, then print it as JSON or as a terminal table; True for the latter."""
    from corpus.bench import plot
    if args.plot:
        plot(table, args.plot)
    if args.json:
        print_json(out, table)
        return False
    for line in table.get("screening", []):
        out.print(line, markup=False)
    print_table(out, table, f"{goals} goals; budget {args.node_budget} nodes, {args.time_limit}s per goal")
    print_refutations(out, table)
    if "peers" in table:
        print_peers(out, table["peers"])
    return True


def print_table(out: Console, table: dict, title: str) -> None:
    """The per-strategy summary of a bench/eval table, as a terminal table."""
    t = Table(title=title)
    for col in ("strategy", "proved", "median nodes", "median time (s)", "median tightness",
                "median nodes to 10% gap (plans)"):
        t.add_column(col, justify="right")
    cell = lambda v: "–" if v is None else str(v)     # noqa: E731  (no proved/decided goal: no median)
    for name, s in table["strategies"].items():
        to_gap = f"{s['median_nodes_to_gap']} ({s['plans_to_gap']})" if s["plans_to_gap"] else "– (no decided plan)"
        t.add_row(name, f"{s['proved']}/{s['goals']}", cell(s["median_nodes"]), cell(s["median_time_s"]),
                  cell(s["median_tightness"]), to_gap)
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
    cell = lambda v: "–" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v)    # noqa: E731
    for r in peers["plans"]:
        if "unsupported" in r:
            t.add_row(r["domain"], str(r["horizon"]), "", "", f"unsupported: {r['unsupported']}",
                      *[""] * (1 + 2 * len(names)))
            continue
        w = r["warrant"]
        t.add_row(r["domain"], str(r["horizon"]), str(r["variables"]), str(len(r["relaxations"])), cell(w["lower_bound"]),
                  f"{cell(w['to_10_s'])} / {cell(w['to_1_s'])}",
                  *[r[p]["status"] if r[p]["status"].startswith("refused") else
                    f"{cell(r[p]['primal'])} / {cell(r[p]['dual'])}" for p in names],
                  *[f"{cell(r[p]['to_10_s'])} / {cell(r[p]['to_1_s'])}" for p in names])
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
