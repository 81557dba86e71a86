"""Throughput of the batched interval evaluator: boxes per second on a domain's reward.

`warrant corpus throughput corpus/domains/drone.rwd --boxes 20000` evaluates the reward of the
domain's known good plan on random sub-boxes of its uncertainty box, in one batch, a few times,
and reports the best rate (one core: numpy here is single-threaded for these operations).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus import known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.bounds.evaluation import to_arrays
from prover.calculus.goals import root_box
from prover.bounds.interval import BoxEvaluator
from prover.calculus.unroll import unroll


@dataclass(frozen=True)
class Throughput:
    file: str
    boxes: int                # per batch
    boxes_per_s: float        # the best of the repeats


def measure(path: str, boxes: int, repeats: int = 5, horizon: int | None = None) -> Throughput:
    """Interval evaluations of the known plan's reward per second, on `boxes` random sub-boxes."""
    d = load_domain(path)
    if horizon:
        d = d.with_horizon(horizon)
    plan_text = known_plan(Path(path))
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
    return Throughput(str(path), boxes, boxes / best)
