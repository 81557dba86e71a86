"""The frontier of monolithic Z3 on the nonlinear drone and SIR domains, against the search.

`python -m corpus.frontier [--horizons 4,8,12,16] [--z3-seconds 20] [--search-seconds 60]`
prints one markdown row per (domain, horizon, strategy): the verdict, the certified bound and
its gap to the worst found, nodes and time. The plans are the domains' known good plans
stretched to the horizon (drone: `thrust(1)` appended; SIR: `distance(2)` prepended).
"""
from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.policy.registry import strategy as strategy_of
from prover.search.loop import Budget


def stretched(name: str, horizon: int) -> str:
    path = next(p for p in domain_files() if p.stem == name)
    steps = [s.strip() for s in known_plan(path).split(";")]
    if len(steps) >= horizon:
        return "; ".join(steps[len(steps) - horizon:] if name == "sir" else steps[:horizon])
    pad = ["thrust(1)" if name == "drone" else "distance(2)"] * (horizon - len(steps))
    return "; ".join(steps + pad if name == "drone" else pad + steps)


def row(name: str, horizon: int, strategy: str, seconds: float, gap: Fraction = Fraction(1, 10)) -> str:
    from prover.search.verify import verify_search
    from prover.search.verify_z3 import verify_z3
    path = next(p for p in domain_files() if p.stem == name)
    d = load_domain(path).with_horizon(horizon)
    plan = parse_plan(stretched(name, horizon), d)
    start = time.monotonic()
    if strategy_of(strategy).monolithic:
        r = verify_z3(d, plan, None, seconds)
    else:
        r = verify_search(d, plan, None, strategy, Budget(2_000_000, seconds, gap))
    wall = time.monotonic() - start
    worst = r.worst_found.outcome.reward if r.worst_found else None
    gap = "–"
    if r.lower_bound is not None and worst:
        gap = f"{float((worst - r.lower_bound) / abs(worst)):.1%}"
    cut = next((p.cut.k for p in r.searches if type(p).__name__ == "CutResult" and p.cut is not None
                and r.lower_bound == p.lower_bound), None)
    bound = "–" if r.lower_bound is None else f"{float(r.lower_bound):.4g}"
    return (f"| {name} | {horizon} | {strategy} | {r.verdict} | {bound} | "
            f"{'–' if worst is None else f'{float(worst):.4g}'} | {gap} | {r.nodes} | {wall:.1f} | "
            f"{'cut at ' + str(cut) if cut else ''} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--horizons", default="4,8,12,16")
    ap.add_argument("--domains", default="drone,sir")
    ap.add_argument("--strategies", default="z3,smear,heuristic")
    ap.add_argument("--z3-seconds", type=float, default=20.0)
    ap.add_argument("--search-seconds", type=float, default=60.0)
    ap.add_argument("--gap", type=Fraction, default=Fraction(1, 10), help="stop the search at this gap")
    args = ap.parse_args(argv)
    print("| domain | H | strategy | verdict | certified L | worst found | gap | nodes | wall s | note |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.domains.split(","):
        for h in map(int, args.horizons.split(",")):
            for s in args.strategies.split(","):
                seconds = args.z3_seconds if strategy_of(s).monolithic else args.search_seconds
                print(row(name, h, s, seconds, args.gap), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
