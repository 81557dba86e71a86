"""`warrant check`, `warrant simulate` and `warrant compile`: the DSL front end, the reference
interpreter, and a goal exported for another prover."""
from __future__ import annotations

import random
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from dsl.interp import Outcome, run
from dsl.model import Domain, plan_str
from dsl.numbers import parse_rational
from dsl.plan import parse_plan
from dsl.scenario import Scenario, failed_assumes, load_json, nominal, random_scenario
from planner.cli.args import load_for
from planner.cli.render import check_json, print_json, simulate_json
from planner.cli.render_text import compiled, compiled_peer, print_check, print_simulation

PEER_FORMATS = ("cip", "gms", "osil")


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


def register_compile(sub) -> dict:
    p = sub.add_parser("compile", help="export a verification goal for another prover")
    p.add_argument("file")
    p.add_argument("--plan", required=True)
    p.add_argument("--bound", required=True)
    p.add_argument("--to", required=True, choices=["smt2", "lean", *PEER_FORMATS],
                   help="smt2 | lean | cip, gms, osil (a global optimizer's model through SCIP's writers; needs -o)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    return {"compile": cmd_compile}


def cmd_check(args, out: Console) -> int:
    d = load_for(args)
    if args.json:
        print_json(out, check_json(args.file, d))
    else:
        print_check(out, args.file, d)
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
        print_simulation(out, d, plan, scenario, o, warnings)
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


def cmd_compile(args, out: Console) -> int:
    domain = load_for(args)
    plan = parse_plan(args.plan, domain)
    bound = parse_rational(args.bound, "--bound")
    if args.to in PEER_FORMATS:
        return _compile_peer(domain, plan, bound, args, out)
    from prover.calculus.unroll import unroll
    u = unroll(domain, plan)
    if args.to == "lean":
        from prover.backends.lean_export import lean_theorem
        text = lean_theorem(u, bound)
    else:
        from prover.backends import z3_backend
        from prover.calculus.goals import root_box
        text = z3_backend.smt2(u, root_box(u.variables), bound)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        out.print(compiled(args.output, args.to), markup=False)
    else:
        out.file.write(text)
    return 0


def _compile_peer(domain, plan, bound, args, out: Console) -> int:
    """The goal as a minimisation of R (one variable per state per step) written by SCIP."""
    from prover.backends import peer_scip
    from prover.backends.peer_model import build
    if not args.output:
        raise InputError(f"--to {args.to} writes through SCIP's file writers: give -o OUT.{args.to}")
    if not peer_scip.available():
        raise InputError(f"--to {args.to} needs SCIP; install with: {peer_scip.INSTALL}")
    if args.to == "osil":
        raise InputError("--to osil: SCIP 10 reads OSiL but has no OSiL writer; use --to gms (GAMS, "
                         "for any global solver GAMS drives) or --to cip")
    path = args.output if args.output.endswith(f".{args.to}") else None
    if path is None:
        raise InputError(f"-o {args.output}: SCIP picks its writer by extension; name the file *.{args.to}")
    m = build(domain, plan)
    peer_scip.write(m, path)
    out.print(compiled_peer(path, m, bound), markup=False)
    return 0
