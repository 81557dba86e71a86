"""`warrant verify` and `warrant check-cert`: proving one plan, and re-checking a proof."""
from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from dsl.numbers import parse_rational
from dsl.plan import parse_plan
from dsl.scenario import to_json
from planner.cli.args import (add_executor_options, add_policy_options, add_quiet_option, executor_for, gap, load_for,
                              policy_spec, positive, seconds)
from planner.cli.render import (certificate_json, cross_check_json, print_json, rejection_json, verify_json,
                                write_json)
from planner.cli.render_progress import progress_view
from planner.cli.render_text import counterexample_saved, print_certificate, print_cross_check, print_verdict
from prover.policy import registry

EXIT = {"proved": 0, "refuted": 1, "unknown": 3}


def register(sub) -> dict:
    p = sub.add_parser("verify", help="prove (or refute) a worst-case reward bound of one plan")
    p.add_argument("file")
    p.add_argument("--plan", required=True)
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--bound", help="prove R >= BOUND in every admissible scenario")
    group.add_argument("--tightest", action="store_true", help="prove the best bound within budget")
    p.add_argument("--strategy", default="heuristic", help=f"{registry.one_of()} (default heuristic)")
    p.add_argument("--node-budget", type=int, default=20_000, help="proof nodes at most (default 20000)")
    p.add_argument("--time-limit", type=seconds, default=60.0, help="seconds (default 60)")
    p.add_argument("--gap", default="1/100", help="--tightest stops within this relative gap (default 1/100)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cert", help="write the certificate here when proved")
    p.add_argument("--cross-check", action="store_true", help="also ask cvc5 (if installed) about the claim")
    p.add_argument("--save-counterexample", metavar="FILE.json",
                   help="when refuted, write the counterexample's scenario here (for simulate --scenario)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_quiet_option(p)
    add_policy_options(p)
    p.add_argument("--split-workers", type=positive, default=None,
                   help="split the proof's open sub-goals across N workers (see docs/ray.md)")
    add_executor_options(p, workers=False)

    p = sub.add_parser("check-cert", help="re-check a certificate independently")
    p.add_argument("file")
    p.add_argument("cert")
    p.add_argument("--json", action="store_true")
    add_quiet_option(p)
    add_executor_options(p)         # --workers N: the exact leaf checks in N processes (prover.check.parallel)
    return {"verify": cmd_verify, "check-cert": cmd_check_cert}


def _budget(args):
    from prover.search.loop import Budget
    if args.node_budget < 1:
        raise InputError(f"--node-budget must be at least 1, got {args.node_budget}")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    return Budget(args.node_budget, args.time_limit, gap(args))


def _split(args):
    """`--split-workers N` (with `--executor`, `--ray-address`): a planner.verify_plan.Split or None."""
    from planner.verify_plan import Split
    if args.split_workers is None:
        return None
    if registry.strategy(args.strategy).monolithic:
        raise InputError(f"--split-workers splits a search; --strategy {args.strategy} makes one monolithic call")
    return Split(args.split_workers, args.executor, args.ray_address)


def cmd_verify(args, out: Console) -> int:
    from planner.verify_plan import verify_plan
    if args.strategy not in registry.names():
        raise InputError(f"unknown --strategy {args.strategy!r}; choose {registry.one_of()}")
    domain = load_for(args)
    plan = parse_plan(args.plan, domain)
    bound = None if args.tightest else parse_rational(args.bound, "--bound")
    if args.split_workers is None and (args.executor != "local" or args.ray_address):
        raise InputError("--executor and --ray-address are used with --split-workers N (verify runs one search)")
    spec = policy_spec(args)
    budget = _budget(args)
    split = _split(args)
    with progress_view(args) as progress:
        result = verify_plan(domain, plan, bound, spec, budget, progress, seed=args.seed, split=split)
    if args.cert and result.certificate is not None:
        write_json(args.cert, result.certificate)
    if args.save_counterexample and result.counterexample is not None:
        write_json(args.save_counterexample, to_json(result.counterexample.scenario))
    cross = _cross_check(domain, plan, result, args) if args.cross_check else None
    if args.json:
        print_json(out, {**verify_json(result), **({"cross_check": cross_check_json(cross)} if cross else {})})
        return EXIT[result.verdict]
    print_verdict(out, result, args.cert)
    if args.save_counterexample:
        out.print(f"  {counterexample_saved(args.save_counterexample, result)}", markup=False)
    if cross:
        print_cross_check(out, cross)
    return EXIT[result.verdict]


def _cross_check(domain, plan, result, args):
    from prover.backends.cross_check import cross_check
    return cross_check(domain, plan, result, args.time_limit)


def cmd_check_cert(args, out: Console) -> int:
    from dsl.load import load_domain
    from prover.check.checker import CertificateRejected, check_certificate
    from prover.check.parallel import on_executor
    domain = load_domain(args.file)
    cert = _read_certificate(args.cert)
    executor = executor_for(args) if args.workers > 1 or args.executor != "local" else None
    try:
        with progress_view(args) as progress:
            report = check_certificate(domain, cert, progress=progress,
                                       leaves=None if executor is None else on_executor(executor))
    except CertificateRejected as exc:
        if not args.json:
            raise
        print_json(out, rejection_json(exc))
        return exc.exit_code
    finally:
        if executor is not None:
            executor.close()
    if args.json:
        print_json(out, certificate_json(report))
    else:
        print_certificate(out, report)
    return 0


def _read_certificate(path: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read certificate: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be a certificate") from None

