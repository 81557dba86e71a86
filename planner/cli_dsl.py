"""`warrant check` and `warrant simulate`: the DSL front end and the reference interpreter."""
from __future__ import annotations

import random

from rich.console import Console
from rich.table import Table

from dsl.errors import InputError
from dsl.interp import Outcome, run
from dsl.model import Domain, plan_str
from dsl.plan import parse_plan
from dsl.scenario import Scenario, failed_assumes, load_json, nominal, random_scenario, to_json
from planner.cli import load_for, print_json
from planner.numbers_text import CELL_DIGITS, value


def register(sub) -> dict:
    p = sub.add_parser("check", help="parse and type-check a .rwd file")
    p.add_argument("file")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("--json", action="store_true", help="print a JSON summary")

    p = sub.add_parser("simulate", help="run a plan in one scenario with exact arithmetic")
    p.add_argument("file")
    p.add_argument("--plan", required=True, help="e.g. 'heat(2); wait; heat(1)'")
    p.add_argument("--scenario", default="nominal", help="nominal | random | FILE.json (default nominal)")
    p.add_argument("--seed", type=int, default=0, help="seed for --scenario random (default 0)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--csv", metavar="OUT.csv", help="also write every state and reward per step here")
    p.add_argument("--plot", metavar="OUT.png", help="also plot every state and the reward per step here")
    return {"check": cmd_check, "simulate": cmd_simulate}


def cmd_check(args, out: Console) -> int:
    d = load_for(args)
    summary = {"file": args.file, "domain": d.name, "horizon": d.horizon, "ok": True,
               "actions": [a.name for a in d.actions], "instances": len(d.instances()),
               "params": [v.name for v in d.params], "disturbances": [v.name for v in d.disturbances],
               "states": [v.name for v in d.states], "sha256": d.sha256}
    if args.json:
        print_json(out, summary)
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
        return s, [f"warning: the nominal scenario violates 'assume {b}'" for b in failed_assumes(d, s)]
    if args.scenario == "random":
        return random_scenario(d, random.Random(args.seed)), []
    if not args.scenario.endswith(".json"):
        raise InputError(f"--scenario must be nominal, random or a .json file, got {args.scenario!r}")
    return load_json(d, args.scenario), []


def cmd_simulate(args, out: Console) -> int:
    d = load_for(args)
    plan = parse_plan(args.plan, d)
    scenario, warnings = _scenario(args, d)
    o = run(d, plan, scenario)
    written = _write_files(args, d, plan, o)
    if args.json:
        print_json(out, simulate_json(d, plan, scenario, o, warnings))
    else:
        _print_simulation(out, d, plan, scenario, o, warnings)
        for path in written:
            out.print(f"wrote {path}", markup=False)
    return 0 if o.valid else 1


def _write_files(args, d: Domain, plan, o: Outcome) -> list[str]:
    """`--csv` and `--plot`: the run's rows (planner.trajectory); the paths written."""
    from planner import trajectory
    written = []
    if args.csv:
        with open(args.csv, "w", encoding="utf-8", newline="") as fh:
            fh.write(trajectory.csv_text(d, o))
        written.append(args.csv)
    if args.plot:
        label = f"scenario {args.scenario}" + (" (invalid)" if not o.valid else "")
        trajectory.save_plot(args.plot, d, [(label, o)], f"{d.name}: {plan_str(plan)}")
        written.append(args.plot)
    return written


def violation_json(v) -> dict | None:
    if v is None:
        return None
    return {"step": v.step, "kind": v.kind, "condition": v.condition, "action": v.action, "detail": v.detail}


def values_json(values: dict) -> dict:
    return {k: (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


def simulate_json(d: Domain, plan, scenario: Scenario, o: Outcome, warnings: list[str]) -> dict:
    return {
        "domain": d.name, "plan": [str(i) for i in plan], "scenario": to_json(scenario),
        "reward": None if o.reward is None else str(o.reward), "valid": o.valid,
        "violation": violation_json(o.violation), "initial_state": values_json(o.initial),
        "trace": [{"t": s.t, "action": s.action, "disturbances": values_json(s.disturbances),
                   "state": values_json(s.state), "action_reward": str(s.action_reward),
                   "step_reward": str(s.step_reward)} for s in o.trace],
        "final_reward": None if o.final_reward is None else str(o.final_reward),
        "warnings": warnings,
    }


def num_text(v) -> str:
    """A value for a table cell (planner.numbers_text.cell)."""
    from planner.numbers_text import cell
    return cell(v)


def _print_simulation(out: Console, d: Domain, plan, scenario: Scenario, o: Outcome, warnings) -> None:
    for w in warnings:
        out.print(w, style="yellow", markup=False)
    out.print(f"domain {d.name}, horizon {d.horizon}, plan: {plan_str(plan)}", markup=False)
    fixed = ", ".join(f"{k} = {num_text(v)}" for k, v in {**scenario.params, **scenario.init}.items())
    if fixed:
        out.print(f"params / uncertain initial states: {fixed}", markup=False)
    table = Table()
    for col in ["t", "action", *(x.name for x in d.disturbances), *(s.name for s in d.states), "r_action", "r_step"]:
        table.add_column(col, justify="right")
    rows = [["init", "", *[""] * len(d.disturbances), *(num_text(o.initial[s.name]) for s in d.states), "", ""]]
    for s in o.trace:
        rows.append([str(s.t), s.action, *(num_text(s.disturbances[x.name]) for x in d.disturbances),
                     *(num_text(s.state[v.name]) for v in d.states), num_text(s.action_reward),
                     num_text(s.step_reward)])
    for row in rows:
        table.add_row(*row)
    out.print(table)
    if any(c.startswith("≈") for row in rows for c in row):
        out.print(f"≈: rounded to {CELL_DIGITS} significant digits (--json has every value exactly)", markup=False)
    if o.valid:
        out.print(f"final reward: {value(o.final_reward)}", markup=False)
        out.print(f"total reward{_discounted(d)}: {value(o.reward)}; the plan is valid in this scenario",
                  markup=False)
        return
    v = o.violation
    where = f"after action {v.action}" if v.kind != "requires" else f"before action {v.action}"
    where = where if v.action else "in the initial state"
    out.print(f"INVALID: {v.kind} violated in state s_{v.step} ({where}): {v.condition}   [{v.detail}]",
              style="bold red", markup=False)


def _discounted(d: Domain) -> str:
    """How the total is summed, when it is not a plain sum of the table's rewards."""
    if d.discount == 1:
        return ""
    return (f" (discounted: the sum over steps t of {value(d.discount)}^t * (r_action + r_step), "
            f"plus {value(d.discount)}^{d.horizon} * final)")
