"""`warrant bench`: strategies side by side on generated goals (DESIGN.md, performance protocol)."""
from __future__ import annotations

from rich.console import Console

from dsl.errors import InputError
from dsl.load import load_domain
from planner.cli.args import (add_executor_options, add_policy_options, add_quiet_option, executor_for,
                              policy_spec, seconds, strategy_list, with_horizon)
from planner.cli.render_progress import progress_view
from planner.cli.render_tables import report_table
from planner.cli.render_text import screening_line
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
    p.add_argument("--horizons", help="a sweep: every file at each of these horizons (e.g. 4,8,16,32)")
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


def _horizons(args) -> list[int | None]:
    """The horizons each file is benched at: `--horizons`, else `--horizon` (None: the file's)."""
    if args.horizons is None:
        return [args.horizon]
    if args.horizon is not None:
        raise InputError("--horizon and --horizons: give one of them")
    try:
        hs = [int(h) for h in args.horizons.split(",") if h.strip()]
    except ValueError:
        raise InputError(f"--horizons must be comma-separated integers, got {args.horizons!r}") from None
    if not hs or min(hs) < 1:
        raise InputError(f"--horizons must be positive integers, got {args.horizons!r}")
    return hs


def _goals(args, executor) -> tuple[list, list[str]]:
    """Each domain's bench goals at each horizon (robustly valid plans, then refutation goals),
    screened on `executor`, and a line per domain and horizon."""
    from corpus.goals import bench_goals
    goals, lines = [], []
    for f in args.files:
        for h in _horizons(args):
            d = with_horizon(load_domain(f), h)
            gs, screened = bench_goals(d, args.goals, args.seed, refutations=args.refutation_goals, executor=executor)
            goals += gs
            lines.append(screening_line(f"{d.name} H={d.horizon}", screened, gs))
    return goals, lines


def cmd_bench(args, out: Console) -> int:
    from corpus.bench import bench
    from prover.policy.registry import strategy
    from prover.search.loop import Budget
    strategies = strategy_list(args)
    if args.goals < 1 or args.node_budget < 1 or args.time_limit <= 0 or args.refutation_goals < 0:
        raise InputError("--goals, --node-budget and --time-limit must be positive, --refutation-goals not negative")
    peers = _peers(args)
    _horizons(args)
    budget = Budget(args.node_budget, args.time_limit)
    learned = policy_spec(args, next((s for s in strategies if strategy(s).network), "heuristic"))
    executor = executor_for(args)
    try:
        goals, screening = _goals(args, executor)
        if not any(g.kind == "bound" for g in goals):
            raise InputError("no bound goals: no candidate plan was proved robustly valid within the screening budget")
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
    if report_table(out, args, table, len(goals)) and args.plot:
        out.print(f"plot written to {args.plot}", markup=False)
    return 0

