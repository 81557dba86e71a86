"""`warrant verify` and `warrant check-cert`: proving one plan, and re-checking a proof."""
from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from dsl.interp import short
from dsl.model import plan_str
from dsl.numbers import parse_rational
from dsl.plan import parse_plan
from dsl.scenario import to_json
from planner.cli import (add_executor_options, add_policy_options, executor_for, load_for, policy_spec, positive,
                         print_json, seconds)
from planner.numbers_text import bound, equals
from planner.progress_view import add_quiet_option, progress_view
from planner.results_json import verify_json
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

    p = sub.add_parser("compile", help="export a verification goal for another prover")
    p.add_argument("file")
    p.add_argument("--plan", required=True)
    p.add_argument("--bound", required=True)
    p.add_argument("--to", required=True, choices=["smt2", "lean", "cip", "gms", "osil"],
                   help="smt2 | lean | cip, gms, osil (a global optimizer's model through SCIP's writers; needs -o)")
    p.add_argument("--horizon", type=int, help="override the file's horizon")
    p.add_argument("-o", "--output", help="write here instead of standard output")
    return {"verify": cmd_verify, "check-cert": cmd_check_cert, "compile": cmd_compile}


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
        note = " (a Lean 4 statement over Mathlib's reals; its proof is `sorry`: warrant's proof is the certificate)"
        out.print(f"wrote {args.output}{note if args.to == 'lean' else ''}", markup=False)
    else:
        out.file.write(text)
    return 0


PEER_FORMATS = ("cip", "gms", "osil")


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
    relaxed = f"; relaxed: {len(m.relaxations)} comparison boundaries" if m.relaxations else ""
    out.print(f"wrote {path}: minimise R over {len(m.variables)} variables; the claim R >= {bound} holds "
              f"for every scenario in which the plan is valid iff the minimum is >= {bound} (robust validity "
              f"is `warrant verify`'s to prove){relaxed}", markup=False)
    return 0


def _search(domain, plan, bound, args, budget, spec, progress):
    if args.split_workers is not None:
        return _split(domain, plan, bound, args, budget, spec)
    from prover.search.verify import verify_search
    return verify_search(domain, plan, bound, args.strategy, budget, seed=args.seed, progress=progress,
                         policy=spec.make())


def _split(domain, plan, bound, args, budget, spec):
    """One proof split across `--split-workers` workers (prover.search.distributed)."""
    from prover.search.distributed import verify_split
    executor = executor_for(args, args.split_workers)
    try:
        return verify_split(domain, plan, bound, spec, budget, executor, seed=args.seed)
    finally:
        executor.close()


def _z3(domain, plan, bound, args, budget, spec, progress):
    from prover.calculus.progress import Progress
    if args.split_workers is not None:
        raise InputError("--split-workers splits a search; --strategy z3 makes one monolithic call")
    from prover.search.verify_z3 import verify_z3
    progress(Progress("asking Z3", 0, None))
    return verify_z3(domain, plan, bound, budget.seconds, budget.gap)


def _budget(args):
    from prover.search.loop import Budget
    if args.node_budget < 1:
        raise InputError(f"--node-budget must be at least 1, got {args.node_budget}")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    gap = parse_rational(args.gap, "--gap")
    if gap < 0:
        raise InputError(f"--gap must be non-negative, got {args.gap}")
    return Budget(args.node_budget, args.time_limit, gap)


def cmd_verify(args, out: Console) -> int:
    if args.strategy not in registry.names():
        raise InputError(f"unknown --strategy {args.strategy!r}; choose {registry.one_of()}")
    domain = load_for(args)
    plan = parse_plan(args.plan, domain)
    bound = None if args.tightest else parse_rational(args.bound, "--bound")
    if args.split_workers is None and (args.executor != "local" or args.ray_address):
        raise InputError("--executor and --ray-address are used with --split-workers N (verify runs one search)")
    spec = policy_spec(args)
    budget = _budget(args)
    with progress_view(args) as progress:
        # runner(domain, plan, bound or None, args, budget, policy spec, progress) → VerifyResult
        runner = _z3 if spec.strategy.monolithic else _search
        result = runner(domain, plan, bound, args, budget, spec, progress)
    if args.cert and result.certificate is not None:
        Path(args.cert).write_text(json.dumps(result.certificate, indent=1) + "\n", encoding="utf-8")
    saved = save_counterexample(args.save_counterexample, result)
    cross = cross_check(domain, plan, result, args.time_limit) if args.cross_check else None
    if args.json:
        print_json(out, {**verify_json(result), **({"cross_check": cross} if cross else {})})
    else:
        print_verdict(out, result, args.cert)
        if saved:
            out.print(f"  {saved}", markup=False)
        if cross:
            out.print(f"  cross-check: {cross['message']}", markup=False,
                      style="bold red" if cross.get("disagrees") else None)
    return EXIT[result.verdict]


def save_counterexample(path: str | None, result) -> str:
    """Write the replayed counterexample's scenario (the file `simulate --scenario` reads) when
    `path` is given; the sentence saying what was written, '' when nothing was asked."""
    if not path:
        return ""
    if result.counterexample is None:
        return f"no counterexample written to {path} (the plan was not refuted)"
    Path(path).write_text(json.dumps(to_json(result.counterexample.scenario), indent=1) + "\n", encoding="utf-8")
    return f"counterexample scenario written to {path} (replay it: warrant simulate --scenario {path})"


def cross_check(domain, plan, result, seconds: float) -> dict:
    """cvc5's answer on the SMT-LIB2 export of the claim warrant decided (or tried)."""
    from prover.backends import smt_cvc5
    if not smt_cvc5.available():
        return {"solver": "cvc5", "available": False,
                "message": "cvc5 is not installed (pip install cvc5); no cross-check was run"}
    bound = result.lower_bound if result.lower_bound is not None else result.bound
    if bound is None:
        return {"solver": "cvc5", "available": True, "answer": None,
                "message": "nothing to cross-check: no bound was proved or given"}
    from prover.backends import z3_backend
    from prover.calculus.goals import root_box
    from prover.calculus.unroll import unroll
    u = unroll(domain, plan)
    answer = smt_cvc5.check_smt2(z3_backend.smt2(u, root_box(u.variables), bound), seconds)
    expected = {"proved": "unsat", "refuted": "sat"}.get(result.verdict)
    disagrees = expected is not None and answer in ("sat", "unsat") and answer != expected
    word = {"unsat": "proves", "sat": "refutes", "unknown": "cannot decide"}[answer]
    msg = f"cvc5 {word} valid(π) and R >= {bound} (answer {answer})"
    if disagrees:
        msg += f" — DISAGREES with warrant's verdict '{result.verdict}'"
    return {"solver": "cvc5", "available": True, "bound": str(bound), "answer": answer,
            "disagrees": disagrees, "message": msg}


def print_verdict(out: Console, r, cert_path=None) -> None:
    style = {"proved": "bold green", "refuted": "bold red", "unknown": "bold yellow"}[r.verdict]
    claim = f"R >= {short(r.bound)}" if r.bound is not None else "tightest bound"
    out.print(f"{r.verdict.upper()}  plan {plan_str(r.plan)}  ({claim}, strategy {r.strategy})",
              style=style, markup=False)
    if r.lower_bound is not None:
        out.print(f"  certified: valid in every admissible scenario and R >= {bound(r.lower_bound)}", markup=False)
    if r.worst_found is not None:
        out.print(f"  worst found: R {equals(r.worst_found.outcome.reward)}", markup=False)
    if r.counterexample is not None:
        o = r.counterexample.outcome
        what = (f"{o.violation.kind} '{o.violation.condition}' fails in state s_{o.violation.step} "
                f"[{o.violation.detail}]" if o.violation else f"R = {short(o.reward)} < {short(r.bound)}")
        out.print(f"  counterexample (replayed exactly): {what}", markup=False)
        out.print(f"  scenario: {json.dumps(to_json(r.counterexample.scenario))}", markup=False)
    if r.note:
        out.print(f"  {r.note}", markup=False)
    written = f"; certificate written to {cert_path}" if cert_path and r.certificate else ""
    if cert_path and not r.certificate:
        written = f"; no certificate written to {cert_path} (nothing was proved)"
    stopped = f"stopped: {r.stop_reason}; " if r.stop_reason else ""
    out.print(f"  {stopped}{r.nodes} nodes, {r.smt_calls} SMT calls, {r.time_s:.2f}s{written}", markup=False)


def cmd_check_cert(args, out: Console) -> int:
    from prover.check.checker import CertificateRejected, check_certificate
    from dsl.load import load_domain
    domain = load_domain(args.file)
    try:
        cert = json.loads(Path(args.cert).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{args.cert}: cannot read certificate: {getattr(exc, 'strerror', None) or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{args.cert}: not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{args.cert}: JSON nested too deeply to be a certificate") from None
    try:
        with progress_view(args) as progress:
            report = check_certificate(domain, cert, progress=progress)
    except CertificateRejected as exc:
        if not args.json:
            raise
        print_json(out, {"valid": False, "reason": str(exc), **exc.values})
        return exc.exit_code
    if args.json:
        print_json(out, {"valid": True, "claim": report.claim, "plan": list(report.plan), "horizon": report.horizon,
                         "reward_at_least": str(report.bound), "nodes": report.nodes, "leaves": report.leaves})
    else:
        leaves = ", ".join(f"{n} {k}" for k, n in sorted(report.leaves.items()))
        claim = (f"valid(π) and R(π) >= {bound(report.bound)} for π = {'; '.join(report.plan)} "
                 f"(horizon {report.horizon})")
        out.print(f"certificate valid: {claim} ({report.nodes} nodes; leaves: {leaves})",
                  style="bold green", markup=False)
    return 0

