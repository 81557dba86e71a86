"""The `warrant` command line. The only module that reads argv or prints.

Exit codes (DESIGN.md): 0 proved / ok; 1 refuted, invalid or rejected; 3 unknown;
2 usage or input error. Every `WarrantError` becomes a message on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys

from rich.console import Console
from rich.table import Table

from dsl.errors import WarrantError, InputError
from dsl.interp import Outcome, fmt, run
from dsl.load import load_domain
from dsl.model import Domain, plan_str
from dsl.plan import parse_plan
from dsl.scenario import Scenario, failed_assumes, load_json, nominal, random_scenario, to_json

# Options whose value may be a negative number such as -7/2, which argparse takes for a flag.
VALUE_OPTIONS = {"--bound", "--gap", "--seed", "--horizon", "--time-limit", "--node-budget"}
_NEGATIVE = re.compile(r"-[\d.]")


def join_negative_values(argv: list[str]) -> list[str]:
    """Rewrite `--bound -7/2` as `--bound=-7/2` so argparse reads the number as a value."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] in VALUE_OPTIONS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warrant", description="Plans with proven worst-case rewards.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="parse and type-check a .rwd file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print a JSON summary")

    p = sub.add_parser("simulate", help="run a plan in one scenario with exact arithmetic")
    p.add_argument("file")
    p.add_argument("--plan", required=True, help="e.g. 'heat(2); wait; heat(1)'")
    p.add_argument("--scenario", default="nominal", help="nominal | random | FILE.json (default nominal)")
    p.add_argument("--seed", type=int, default=0, help="seed for --scenario random (default 0)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = join_negative_values(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    out, err = Console(highlight=False, soft_wrap=True), Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return COMMANDS[args.command](args, out)
    except WarrantError as exc:
        err.print(str(exc), markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130


def _domain(args) -> Domain:
    domain = load_domain(args.file)
    horizon = getattr(args, "horizon", None)
    if horizon is not None:
        if not 1 <= horizon <= 10_000:
            raise InputError(f"--horizon must be between 1 and 10000, got {horizon}")
        domain = domain.with_horizon(horizon)
    return domain


def cmd_check(args, out: Console) -> int:
    d = _domain(args)
    summary = {"file": args.file, "domain": d.name, "horizon": d.horizon, "ok": True,
               "actions": [a.name for a in d.actions], "instances": len(d.instances()),
               "params": [v.name for v in d.params], "disturbances": [v.name for v in d.disturbances],
               "states": [v.name for v in d.states], "sha256": d.sha256}
    if args.json:
        _print_json(out, summary)
        return 0
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' * (n != 1)}"
    out.print(f"{args.file}: ok — domain {d.name}, horizon {d.horizon}, "
              f"{count(len(d.actions), 'action')} ({count(len(d.instances()), 'instance')}), "
              f"{count(len(d.params), 'param')}, {count(len(d.disturbances), 'disturbance')}, "
              f"{count(len(d.states), 'state')}", markup=False)
    return 0


def _scenario(args, d: Domain) -> tuple[Scenario, list[str]]:
    """The scenario to simulate and any warnings about it."""
    if args.scenario == "nominal":
        s = nominal(d)
        bad = failed_assumes(d, s)
        return s, [f"warning: the nominal scenario violates 'assume {b}'" for b in bad]
    if args.scenario == "random":
        return random_scenario(d, random.Random(args.seed)), []
    if not args.scenario.endswith(".json"):
        raise InputError(f"--scenario must be nominal, random or a .json file, got {args.scenario!r}")
    return load_json(d, args.scenario), []


def cmd_simulate(args, out: Console) -> int:
    d = _domain(args)
    plan = parse_plan(args.plan, d)
    scenario, warnings = _scenario(args, d)
    o = run(d, plan, scenario)
    if args.json:
        _print_json(out, simulate_json(d, plan, scenario, o, warnings))
    else:
        _print_simulation(out, d, plan, scenario, o, warnings)
    return 0 if o.valid else 1


def violation_json(v) -> dict | None:
    if v is None:
        return None
    return {"step": v.step, "kind": v.kind, "condition": v.condition, "action": v.action, "detail": v.detail}


def _values_json(values: dict) -> dict:
    return {k: (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


def simulate_json(d: Domain, plan, scenario: Scenario, o: Outcome, warnings: list[str]) -> dict:
    return {
        "domain": d.name, "plan": [str(i) for i in plan], "scenario": to_json(scenario),
        "reward": None if o.reward is None else str(o.reward), "valid": o.valid,
        "violation": violation_json(o.violation), "initial_state": _values_json(o.initial),
        "trace": [{"t": s.t, "action": s.action, "disturbances": _values_json(s.disturbances),
                   "state": _values_json(s.state), "action_reward": str(s.action_reward),
                   "step_reward": str(s.step_reward)} for s in o.trace],
        "final_reward": None if o.final_reward is None else str(o.final_reward),
        "warnings": warnings,
    }


def _num(v) -> str:
    """A value for human eyes: exact when short, else exact plus a decimal approximation."""
    text = fmt(v)
    if isinstance(v, bool) or "/" not in text or len(text) <= 8:
        return text
    return f"{float(v):.4g}"


def _print_simulation(out: Console, d: Domain, plan, scenario: Scenario, o: Outcome, warnings) -> None:
    for w in warnings:
        out.print(w, style="yellow", markup=False)
    params = ", ".join(f"{k} = {_num(v)}" for k, v in {**scenario.params, **scenario.init}.items())
    out.print(f"domain {d.name}, horizon {d.horizon}, plan: {plan_str(plan)}", markup=False)
    if params:
        out.print(f"params / uncertain initial states: {params}", markup=False)
    table = Table(title=None, show_lines=False)
    for col in ["t", "action", *(x.name for x in d.disturbances), *(s.name for s in d.states),
                "r_action", "r_step"]:
        table.add_column(col, justify="right")
    table.add_row("init", "", *[""] * len(d.disturbances), *(_num(o.initial[s.name]) for s in d.states), "", "")
    for s in o.trace:
        table.add_row(str(s.t), s.action, *(_num(s.disturbances[x.name]) for x in d.disturbances),
                      *(_num(s.state[v.name]) for v in d.states), _num(s.action_reward), _num(s.step_reward))
    out.print(table)
    if o.valid:
        out.print(f"final reward: {_num(o.final_reward)}", markup=False)
        out.print(f"total reward: {fmt(o.reward)} (≈ {float(o.reward):.6g}); plan is valid in this scenario",
                  markup=False)
    else:
        v = o.violation
        after = f" (action {v.action})" if v.action else " (initial state)"
        out.print(f"INVALID: {v.kind} violated in state s_{v.step}{after}: {v.condition}   [{v.detail}]",
                  style="bold red", markup=False)


def _print_json(out: Console, obj: dict) -> None:
    out.file.write(json.dumps(obj, indent=2) + "\n")


COMMANDS = {"check": cmd_check, "simulate": cmd_simulate}

if __name__ == "__main__":
    sys.exit(main())
