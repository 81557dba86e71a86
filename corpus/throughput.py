"""Throughput of the batched interval evaluator: boxes per second on a domain's reward.

`python -m corpus.throughput corpus/domains/drone.rwd --boxes 20000` evaluates the reward of the
domain's known good plan on random sub-boxes of its uncertainty box, in one batch, a few times,
and prints the best rate (one core: numpy here is single-threaded for these operations).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from corpus import known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.bounds.evaluation import to_arrays
from prover.calculus.goals import root_box
from prover.bounds.interval import BoxEvaluator
from prover.calculus.unroll import unroll


def measure(path: str, boxes: int, repeats: int = 5, horizon: int | None = None) -> float:
    d = load_domain(path)
    if horizon:
        d = d.with_horizon(horizon)
    plan_text = known_plan(__import__("pathlib").Path(path))
    acts = [a.strip() for a in plan_text.split(";")]
    plan = parse_plan("; ".join((acts + acts[-1:] * d.horizon)[: d.horizon]), d)
    u = unroll(d, plan)
    lo0, hi0 = to_arrays([root_box(u.variables)])
    rng = np.random.default_rng(0)
    a = lo0 + (hi0 - lo0) * rng.random((boxes, lo0.shape[1]))                # (N, V)
    b = lo0 + (hi0 - lo0) * rng.random((boxes, lo0.shape[1]))                # (N, V)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    engine = BoxEvaluator([u.reward], u.variables)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        engine.eval(lo, hi)
        best = min(best, time.perf_counter() - t)
    return boxes / best


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--boxes", type=int, default=20000)
    p.add_argument("--horizon", type=int)
    args = p.parse_args()
    rate = measure(args.file, args.boxes, horizon=args.horizon)
    print(f"{args.file}: {rate:,.0f} boxes/s ({args.boxes} boxes per batch)")


if __name__ == "__main__":
    main()
