"""`warrant corpus frontier|headroom|throughput`: the corpus analysis tools of
docs/benchmarks.md (they measure; they certify nothing)."""
from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError
from dsl.load import load_domain
from planner.cli.args import DEFAULT_CORPUS, positive, seconds, with_horizon
from planner.cli.render_tools import FRONTIER_HEADER, frontier_row, headroom_line, headroom_summary, throughput_line

FRONTIER_DOMAINS = ("drone", "sir")        # the domains corpus.frontier.stretched knows how to stretch


def register(csub) -> dict:
    """The tools as actions of `warrant corpus`; their handlers by action name."""
    from corpus.headroom import FRACTIONS
    p = csub.add_parser("frontier", help="monolithic Z3 against the search on stretched drone and SIR plans")
    p.add_argument("--horizons", default="4,8,12,16")
    p.add_argument("--domains", default="drone,sir")
    p.add_argument("--strategies", default="z3,smear,heuristic")
    p.add_argument("--z3-seconds", type=seconds, default=20.0)
    p.add_argument("--search-seconds", type=seconds, default=60.0)
    p.add_argument("--gap", type=Fraction, default=Fraction(1, 10), help="stop the search at this gap")

    p = csub.add_parser("headroom", help="proof sizes of smear against a rollout-lookahead oracle")
    p.add_argument("--corpus", default=DEFAULT_CORPUS)
    p.add_argument("--split", default="test", choices=["train", "validation", "test"])
    p.add_argument("--domain", help="only goals of this domain (file stem)")
    p.add_argument("--max-goals", type=positive)
    p.add_argument("--no-lookahead", action="store_true",
                   help="only smear's proof sizes, with and without mean-value leaves")
    p.add_argument("--no-pins", action="store_true",
                   help="mean-value forms without pinning monotone variables (to measure what pins buy)")
    p.add_argument("--fractions", type=split_points, default=FRACTIONS,
                   help="split points the lookahead tries, e.g. 1/16,1/8,1/4,1/2,3/4,7/8,15/16 "
                        "(default 1/4,3/8,1/2,5/8,3/4)")

    p = csub.add_parser("throughput", help="boxes per second of the batched interval evaluator")
    p.add_argument("file")
    p.add_argument("--boxes", type=positive, default=20000)
    p.add_argument("--horizon", type=int)
    return {"frontier": cmd_frontier, "headroom": cmd_headroom, "throughput": cmd_throughput}


def split_points(text: str) -> tuple[float, ...]:
    """`--fractions`: comma-separated fractions strictly between 0 and 1."""
    try:
        out = tuple(Fraction(f.strip()) for f in text.split(","))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a list of fractions: {text!r}") from None
    if not out or not all(0 < f < 1 for f in out):
        raise argparse.ArgumentTypeError(f"split points must lie strictly between 0 and 1: {text!r}")
    return tuple(float(f) for f in out)


def _names(text: str, flag: str, known) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise InputError(f"{flag}: unknown {unknown}; choose from {', '.join(known)}")
    return names


def _horizons(text: str) -> list[int]:
    try:
        horizons = [int(h) for h in text.split(",")]
    except ValueError:
        raise InputError(f"--horizons: not a list of integers: {text!r}") from None
    if any(h < 1 for h in horizons):
        raise InputError(f"--horizons must be at least 1, got {text}")
    return horizons


def cmd_frontier(args, out: Console) -> int:
    from corpus.frontier import frontier
    from prover.policy.registry import names
    domains = _names(args.domains, "--domains", FRONTIER_DOMAINS)
    strategies = _names(args.strategies, "--strategies", names())
    horizons = _horizons(args.horizons)
    for line in FRONTIER_HEADER:
        out.print(line, markup=False)
    for row in frontier(domains, horizons, strategies, args.z3_seconds, args.search_seconds, args.gap):
        out.print(frontier_row(row), markup=False)
    return 0


def cmd_headroom(args, out: Console) -> int:
    from corpus.headroom import headroom, summaries
    rows = []
    for h in headroom(Path(args.corpus), args.split, args.domain, args.max_goals, lookahead=not args.no_lookahead,
                      pins=not args.no_pins, fractions=args.fractions):
        out.print(headroom_line(h), markup=False)
        rows.append(h)
    for s in summaries(rows):
        out.print(headroom_summary(s), markup=False)
    return 0


def cmd_throughput(args, out: Console) -> int:
    from corpus.throughput import measure
    with_horizon(load_domain(args.file), args.horizon)          # the file and --horizon, checked first
    out.print(throughput_line(measure(args.file, args.boxes, horizon=args.horizon)), markup=False)
    return 0
