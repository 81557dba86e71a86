"""`warrant bench`: strategies side by side on generated goals (DESIGN.md, performance protocol)."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table

from dsl.errors import InputError
from dsl.load import load_domain
from planner.cli import print_json, seconds, with_horizon
from planner.progress_view import add_quiet_option, progress_view
from prover.progress import Progress as Event


def register(sub) -> dict:
    p = sub.add_parser("bench", help="compare proof strategies on generated goals")
    p.add_argument("files", nargs="+", metavar="DOMAIN.rwd")
    p.add_argument("--goals", type=int, default=6, help="goals per domain (default 6)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategies", default="z3,largest-first,smear,heuristic")
    p.add_argument("--node-budget", type=int, default=5000)
    p.add_argument("--time-limit", type=seconds, default=10.0, help="seconds per goal and strategy")
    p.add_argument("--horizon", type=int, help="override every file's horizon")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", help="write a PNG plot here")
    add_quiet_option(p)
    return {"bench": cmd_bench}


def cmd_bench(args, out: Console) -> int:
    from corpus.bench import STRATEGIES, bench
    from corpus.goals import generate
    from prover.search import Budget
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise InputError(f"unknown strategies {unknown}; choose from {', '.join(STRATEGIES)}")
    if args.goals < 1 or args.node_budget < 1 or args.time_limit <= 0:
        raise InputError("--goals, --node-budget and --time-limit must be positive")
    goals = []
    for f in args.files:
        d = with_horizon(load_domain(f), args.horizon)
        goals += generate(d, args.goals, args.seed)
    if not goals:
        raise InputError("no goals could be generated (no random plan looked valid)")
    budget = Budget(args.node_budget, args.time_limit)
    with progress_view(args) as progress:
        table = bench(goals, strategies, budget, lambda done, total: progress(Event("bench", done, total)))
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
    print_table(out, table, f"{goals} goals; budget {args.node_budget} nodes, {args.time_limit}s per goal")
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
