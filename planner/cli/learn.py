"""`warrant corpus build`, `warrant train` and `warrant eval`: the learned policy's workflow (and the
corpus analysis tools as further `corpus` actions: planner.cli.tools).

See docs/training.md. torch is imported only inside `train` and `eval` (and only when the
learned strategy is evaluated), never at start-up.
"""
from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from planner.cli import tools
from planner.cli.args import (DEFAULT_CORPUS, add_executor_options, add_quiet_option, executor_for, positive, seconds,
                              strategy_list)
from planner.cli.render import print_json, write_json
from planner.cli.render_progress import counting, progress_view
from planner.cli.render_tables import report_table
from planner.cli.render_text import corpus_written, inference_line, ratios_lines, train_log_line, trained
from prover.calculus.progress import Progress as Event

DEFAULT_TRAIN_OUT = "checkpoints/policy"     # never the shipped checkpoint unless asked for


def register(sub) -> dict:
    corpus = _register_corpus(sub)
    _register_train(sub)
    _register_eval(sub)
    return {"corpus": corpus, "train": cmd_train, "eval": cmd_eval}


def _register_corpus(sub):
    """`corpus build` and the analysis tools' actions (planner.cli.tools); the handler of `corpus`."""
    p = sub.add_parser("corpus", help="build the goal corpus of the learned policy")
    csub = p.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    b = csub.add_parser("build", help="goals from the corpus domains, split by domain")
    b.add_argument("--out", default=DEFAULT_CORPUS, help=f"directory (default {DEFAULT_CORPUS})")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--per-domain", type=int, default=12, help="goals per domain (default 12)")
    b.add_argument("files", nargs="*", metavar="DOMAIN.rwd", help="domains (default: corpus/domains/*.rwd)")
    b.add_argument("--validation", metavar="NAME,...",
                   help=f"domains (file names without .rwd) whose goals form the validation split "
                        f"(default {','.join(goalset_splits()['validation'])})")
    b.add_argument("--test", metavar="NAME,...",
                   help=f"domains whose goals form the test split (default {','.join(goalset_splits()['test'])})")
    add_quiet_option(b)
    add_executor_options(b)
    _register_generate(csub)
    actions = {"build": cmd_corpus_build, "generate": cmd_corpus_generate, **tools.register(csub)}
    return lambda args, out: actions[args.corpus_command](args, out)


def _register_generate(csub) -> None:
    from corpus.generate import GenerateConfig
    d = GenerateConfig()
    g = csub.add_parser("generate", help="a goal set of procedurally generated domains, split by family and domain")
    g.add_argument("--out", required=True, help="directory (domains/, goals.jsonl, manifest.json)")
    g.add_argument("--seed", type=int, default=d.seed)
    g.add_argument("--domains-per-family", type=int, default=d.domains_per_family)
    g.add_argument("--candidates", type=int, default=d.candidates, help="candidate goals probed per domain")
    g.add_argument("--goals-per-domain", type=int, default=d.goals_per_domain, help="kept goals per domain, at most")
    g.add_argument("--families", default=",".join(d.families), help="comma-separated (default: all)")
    g.add_argument("--test-families", default=",".join(d.test_families), help="families held out whole for test")
    g.add_argument("--validation-share", type=float, default=d.validation_share)
    g.add_argument("--test-share", type=float, default=d.test_share)
    g.add_argument("--min-nodes", type=int, default=d.min_nodes, help="keep goals the probe needs this many nodes for")
    g.add_argument("--min-seconds", type=float, default=d.min_seconds,
                   help="... or this many seconds (0: nodes only, deterministic)")
    g.add_argument("--probe-nodes", type=int, default=d.probe_nodes)
    g.add_argument("--probe-seconds", type=seconds, default=d.probe_seconds)
    add_quiet_option(g)
    add_executor_options(g)


def _register_train(sub) -> None:
    p = sub.add_parser("train", help="train the proof-search policy (imitation, then expert iteration)")
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--out", default=DEFAULT_TRAIN_OUT,
                   help=f"checkpoint stem (default {DEFAULT_TRAIN_OUT}; prover/policy/default replaces the shipped one)")
    p.add_argument("--epochs", type=int, default=20, help="imitation epochs (default 20)")
    p.add_argument("--rounds", type=int, default=2, help="expert-iteration rounds (default 2)")
    p.add_argument("--round-epochs", type=int, default=10, help="retraining epochs per round (default 10)")
    p.add_argument("--per-goal", type=int, default=64, help="oracle-labelled nodes per search")
    p.add_argument("--node-budget", type=int, default=1500, help="per harvesting search")
    p.add_argument("--time-limit", type=seconds, default=6.0, help="seconds per harvesting search")
    p.add_argument("--max-goals", type=positive, help="use at most this many training goals (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto|cpu|cuda")
    p.add_argument("--json", action="store_true", help="print the history as JSON")
    add_quiet_option(p)
    add_executor_options(p)


def _register_eval(sub) -> None:
    p = sub.add_parser("eval", help="every strategy on the corpus's held-out goals (or on domain files)")
    p.add_argument("files", nargs="*", metavar="DOMAIN.rwd", help="generate goals from these instead")
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--split", default="test", choices=["train", "validation", "test"])
    p.add_argument("--goals", type=int, default=6, help="goals per domain file (with files)")
    p.add_argument("--max-goals", type=positive, help="evaluate at most this many goals (default all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strategies", default="z3,largest-first,smear,heuristic,learned")
    p.add_argument("--node-budget", type=int, default=2000)
    p.add_argument("--time-limit", type=seconds, default=5.0, help="seconds per goal and strategy")
    p.add_argument("--checkpoint", help="policy checkpoint stem (default: the shipped one)")
    p.add_argument("--device", default="auto", help="auto|cpu|cuda")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="also write the JSON table here")
    p.add_argument("--plot", help="write a PNG plot here")
    p.add_argument("--loglog", metavar="OUT.png", help="plot learned's per-goal time against the best hand rule's")
    p.add_argument("--no-tightest", action="store_true", help="skip the --tightest runs (tightness columns empty)")
    add_quiet_option(p)
    add_executor_options(p)


def goalset_splits() -> dict:
    from corpus.goalset import SPLITS
    return SPLITS


def cmd_corpus_build(args, out: Console) -> int:
    from corpus import goalset
    if args.per_domain < 1:
        raise InputError(f"--per-domain must be at least 1, got {args.per_domain}")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: exists and is not a directory (the corpus is a directory)")
    files = [Path(f) for f in args.files] or None
    missing = [str(f) for f in files or () if not f.is_file()]
    if missing:
        raise InputError(f"no such domain file: {', '.join(missing)}")
    from corpus import domain_files
    files = files or domain_files()
    splits = goalset.assign_splits([f.stem for f in files], _names(args.validation), _names(args.test))
    n = len(files) * goalset.probes_per_domain(args.per_domain)
    executor = executor_for(args)
    try:
        with progress_view(args) as progress:
            manifest = goalset.build(Path(args.out), args.seed, args.per_domain, files,
                                     counting(progress, "probing goals", n), splits, executor)
    finally:
        executor.close()
    out.print(corpus_written(args.out, manifest), markup=False)
    return 0


def cmd_corpus_generate(args, out: Console) -> int:
    from corpus.generate import GenerateConfig, generate_set
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: exists and is not a directory")
    if args.min_seconds < 0:
        raise InputError(f"--min-seconds must be >= 0, got {args.min_seconds}")
    cfg = GenerateConfig(args.seed, args.domains_per_family, args.candidates, args.goals_per_domain,
                         _names(args.families) or (), _names(args.test_families) or (), args.validation_share,
                         args.test_share, args.min_nodes, args.min_seconds or None, "heuristic",
                         args.probe_nodes, args.probe_seconds)
    executor = executor_for(args)
    try:
        with progress_view(args) as progress:
            manifest = generate_set(Path(args.out), cfg, lambda done, total: progress(Event("probing goals", done, total)),
                                    executor)
    finally:
        executor.close()
    out.print(corpus_written(args.out, manifest), markup=False)
    return 0


def _names(text: str | None) -> tuple[str, ...] | None:
    """`--validation a,b`: the domain names (a file name's .rwd is dropped); None when not given."""
    if text is None:
        return None
    return tuple(n.strip().removesuffix(".rwd") for n in text.split(",") if n.strip())


def cmd_train(args, out: Console) -> int:
    from corpus import goalset
    train_recs = goalset.load_records(Path(args.corpus), "train")
    val_recs = goalset.load_records(Path(args.corpus), "validation")
    if not train_recs:
        raise InputError(f"{args.corpus} has no training goals")
    for name in ("epochs", "per_goal", "node_budget"):
        if getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    if args.rounds < 0 or args.round_epochs < 1 or args.time_limit <= 0:
        raise InputError("--rounds must be >= 0, --round-epochs >= 1 and --time-limit positive")
    _checkpoint_dir(Path(args.out))
    from prover.policy import checkpoint
    from prover.policy.train import TrainConfig, train
    cfg = TrainConfig(args.corpus, str(args.out), args.epochs, args.rounds, args.round_epochs,
                      per_goal=args.per_goal, node_budget=args.node_budget, time_limit=args.time_limit,
                      seed=args.seed, device=checkpoint.resolve_device(args.device), max_goals=args.max_goals or 0)
    log = (lambda row: None) if args.json else (lambda row: out.print(train_log_line(row), markup=False))
    executor = executor_for(args)
    try:
        with progress_view(args) as progress:
            result = train(cfg, [goalset.to_goal(r) for r in train_recs], [goalset.to_goal(r) for r in val_recs],
                           log, lambda stage, done, total: progress(Event(stage, done, total)), executor=executor)
    finally:
        executor.close()
    if args.json:
        print_json(out, result)
    else:
        out.print(trained(checkpoint.paths(cfg.out)[0], result, cfg.out), markup=False)
    return 0


def _checkpoint_dir(stem: Path) -> None:
    """Create the directory of checkpoint `stem` before training, or say why it cannot be."""
    if stem.is_dir():
        raise InputError(f"--out {stem}: is a directory; give a checkpoint stem such as {stem / 'policy'}")
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {stem}: cannot create directory {stem.parent}: {exc.strerror or exc}") from None
    if not os.access(stem.parent, os.W_OK):
        raise InputError(f"--out {stem}: directory {stem.parent} is not writable")


def _eval_goals(args) -> list:
    from corpus import goalset
    if args.files:
        from corpus.goals import generate
        from dsl.load import load_domain
        goals = [g for f in args.files for g in generate(load_domain(f), args.goals, args.seed)]
    else:
        goals = [goalset.to_goal(r) for r in goalset.load_records(Path(args.corpus), args.split)]
    goals = goals[: args.max_goals] if args.max_goals is not None else goals
    if not goals:
        raise InputError("no goals to evaluate")
    return goals


def _inference_share(table: dict, stats: dict) -> dict:
    """Seconds in the network (features + forward passes) against the learned strategy's time on
    the goals the table lists per run. Tables without per-run rows for the `--tightest` runs
    leave those runs' time out of the denominator, so the share is then an upper bound."""
    rows = table["goals"] + table.get("tightest", [])
    spent = sum(r["results"]["learned"]["time_s"] for r in rows if "learned" in r["results"])
    return {"seconds": round(stats["infer_s"], 3), "forwards": stats["forwards"],
            "share_of_search_time": round(stats["infer_s"] / spent, 4) if spent else None,
            "sure": stats.get("sure", 0), "unsure": stats.get("unsure", 0)}


def cmd_eval(args, out: Console) -> int:
    from corpus.bench import bench
    from prover.search.loop import Budget
    strategies = strategy_list(args)
    if args.node_budget < 1 or args.time_limit <= 0:
        raise InputError("--node-budget and --time-limit must be positive")
    goals = _eval_goals(args)
    stats = learned = None
    if "learned" in strategies:
        from prover.policy import checkpoint
        from prover.policy.spec import PolicySpec
        learned = PolicySpec("learned", args.checkpoint, checkpoint.resolve_device(args.device))
        learned.load()
        stats = {"infer_s": 0.0, "forwards": 0, "sure": 0, "unsure": 0}
    executor = executor_for(args)
    try:
        with progress_view(args) as progress:
            table = bench(goals, strategies, Budget(args.node_budget, args.time_limit),
                          lambda done, total: progress(Event("eval", done, total)), executor, learned, stats,
                          not args.no_tightest)
    finally:
        executor.close()
    from corpus import eval_report
    table["time_ratios"] = eval_report.report(table)
    if args.loglog and "learned" in strategies and table["time_ratios"]["best_hand"]:
        eval_report.loglog_plot(table, args.loglog)
    if stats is not None:
        table["learned_inference"] = _inference_share(table, stats)
    table["command"] = {"split": None if args.files else args.split, "corpus": None if args.files else args.corpus,
                        "files": args.files, "strategies": strategies}
    if args.out:
        write_json(args.out, table, indent=2)
    if report_table(out, args, table, len(goals)):
        out.print(ratios_lines(table["time_ratios"]), markup=False)
        if stats is not None:
            out.print(inference_line(table["learned_inference"]), markup=False)
    return 0
