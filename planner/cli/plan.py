"""`warrant plan-and-verify`: the counterexample-guided planner, its report and certificate."""
from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from dsl.plan import parse_plan
from planner.cli.args import add_executor_options, add_policy_options, add_quiet_option, gap, load_for, policy_spec, seconds
from planner.cli.render import plan_json, print_json, write_json
from planner.cli.render_progress import progress_view
from planner.cli.render_tables import print_plan_report
from planner.loop import PlanOptions, plan_and_verify
from prover.policy import registry


def register(sub) -> dict:
    p = sub.add_parser("plan-and-verify", help="find the plan with the best proven worst-case reward")
    p.add_argument("file")
    p.add_argument("--candidates", type=int, default=10, help="plans proved per round (default 10)")
    p.add_argument("--strategy", default="heuristic", help=f"{registry.one_of(search_only=True)} (default heuristic)")
    p.add_argument("--time-limit", type=seconds, default=60.0, help="seconds for the whole run (default 60)")
    p.add_argument("--node-budget", type=int, default=20_000, help="proof nodes per candidate (default 20000)")
    p.add_argument("--gap", default="1/100", help="stop when U - L <= gap * |U| (default 1/100)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--beam", type=int, default=2000, help="graph nodes kept per step (default 2000)")
    p.add_argument("--rounds", type=int, default=20, help="counterexample rounds at most (default 20)")
    p.add_argument("--plan", action="append", default=[], help="also prove this plan (repeatable)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cert", help="write the selected plan's certificate here")
    p.add_argument("--report", metavar="OUT.html", help="also write a self-contained HTML report here")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_quiet_option(p)
    add_policy_options(p)
    add_executor_options(p, workers=False)
    return {"plan-and-verify": cmd_plan}


def _options(args, spec) -> PlanOptions:
    if args.candidates < 1:
        raise InputError(f"--candidates must be at least 1, got {args.candidates}")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    if args.node_budget < 1 or args.beam < 1 or args.rounds < 1:
        raise InputError("--node-budget, --beam and --rounds must be at least 1")
    gap_ = gap(args)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    return PlanOptions(args.candidates, args.strategy, args.time_limit, args.node_budget, gap_,
                       workers, args.beam, args.rounds, args.seed, policy=spec, executor=args.executor,
                       ray_address=args.ray_address)


def cmd_plan(args, out: Console) -> int:
    if args.strategy not in registry.names(search_only=True):
        raise InputError(f"--strategy must be {registry.one_of(search_only=True)} for plan-and-verify, "
                         f"got {args.strategy!r}")
    domain = load_for(args)
    options = _options(args, policy_spec(args))
    user = tuple(parse_plan(p, domain) for p in args.plan)
    with progress_view(args) as progress:
        result = plan_and_verify(domain, options, user, progress)
    cert = result.selected.result.certificate if result.selected else None
    if args.cert and cert:
        write_json(args.cert, cert)
    if args.report:
        from planner.report import html_report
        Path(args.report).write_text(html_report(domain, result, cert), encoding="utf-8")
    if args.json:
        print_json(out, plan_json(result))
    else:
        print_plan_report(out, result, args.cert)
        if args.report:
            out.print(f"report written to {args.report}", markup=False)
    if result.selected is not None:
        return 0
    return 1 if result.no_robust_plan else 3
