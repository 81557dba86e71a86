"""`warrant plan-and-verify`: the counterexample-guided planner, its report and certificate."""
from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dsl.errors import InputError
from dsl.interp import short
from dsl.model import plan_str
from dsl.numbers import parse_rational
from dsl.plan import parse_plan
from planner.cli import add_executor_options, add_policy_options, load_for, policy_spec, print_json, seconds
from planner.cli_dsl import num_text
from planner.loop import PlanOptions, plan_and_verify
from planner.numbers_text import bound
from planner.progress_view import add_quiet_option, progress_view
from planner.results_json import plan_json
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
    gap = parse_rational(args.gap, "--gap")
    if gap < 0:
        raise InputError(f"--gap must be non-negative, got {args.gap}")
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    return PlanOptions(args.candidates, args.strategy, args.time_limit, args.node_budget, gap,
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
        Path(args.cert).write_text(json.dumps(cert, indent=1) + "\n")
    if args.report:
        from planner.report import html_report
        Path(args.report).write_text(html_report(domain, result, cert), encoding="utf-8")
    if args.json:
        print_json(out, plan_json(result))
    else:
        _print_report(out, result, args.cert)
        if args.report:
            out.print(f"report written to {args.report}", markup=False)
    if result.selected is not None:
        return 0
    return 1 if result.no_robust_plan else 3


def _print_report(out: Console, res, cert_path) -> None:
    for rnd in res.rounds:
        t = Table(title=f"round {rnd.index + 1}: {rnd.scenarios} scenario(s), graph {rnd.graph_nodes} nodes"
                        f"{'' if rnd.exhaustive else ' (beam: not exhaustive)'}")
        for col in ("", "plan", "min over set", "certified ≥", "worst found", "verdict", "time"):
            t.add_column(col, no_wrap=col != "plan")
        for c in rnd.candidates:
            r = c.result
            mark = "→" if c is res.selected else ""
            t.add_row(mark, plan_str(c.plan), num_text(c.min_over_set) if c.min_over_set is not None else "-",
                      num_text(r.lower_bound) if r.lower_bound is not None else "-",
                      num_text(r.worst_found.outcome.reward) if r.worst_found else "-",
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
    out.print(f"    replayed scenario: {json.dumps(_short(s))}", markup=False)


def _short(s) -> dict:
    from dsl.scenario import to_json
    return to_json(s)


def _print_summary(out: Console, res, cert_path) -> None:
    upper = bound(res.upper_bound, up=True) if res.upper_bound is not None else "unknown"
    stopped = (f"stopped: {res.stop_reason} ({res.stop_detail}); {len(res.rounds)} round(s), {res.time_s:.1f}s"
               + (f"; certificate written to {cert_path}" if cert_path and res.selected else ""))
    if res.no_robust_plan:
        out.print(f"no robust plan exists: every plan fails in at least one of these {len(res.scenarios)} "
                  f"scenario(s) (the graph search over plans was exhaustive):", style="bold red", markup=False)
        for i, s in enumerate(res.scenarios, 1):
            out.print(f"  scenario {i}: {json.dumps(_short(s))}", markup=False)
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
