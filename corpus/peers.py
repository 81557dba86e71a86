"""Peers side by side (DESIGN.md, performance protocol): SCIP and Gurobi on the bench's plans.

Each distinct bound-goal plan becomes a peer model (`prover.backends.peer_model`: one variable per state
per step), checked against the interpreter at random scenarios before any peer sees it, then
minimised by each peer under the bench's time limit. warrant's own times to a 10% gap come
from the bench's `--tightest` rows; its time to 1% from one more `--tightest --gap 1/100` run of
the reference strategy. Peers' bounds are floating point and uncertified; warrant's are
certified (checked by the independent checker). A time that was never reached counts at the
time limit in medians and ratios, so a run that gives up never looks fast.
"""
from __future__ import annotations

import importlib
import random
import statistics
from fractions import Fraction

from dsl.scenario import random_scenario
from prover.backends.peer_model import PeerUnsupported, build
from prover.backends.peer_validate import validate
from prover.bounds.point import replay_at
from prover.search.loop import Budget

PEERS = {"scip": "prover.backends.peer_scip", "gurobi": "prover.backends.peer_gurobi"}
SCENARIOS = 8             # random scenarios the conversion is checked at, per plan
NOTE = "peers' bounds are floating point (not certified); warrant's lower bounds are certified"


def backend(name: str):
    return importlib.import_module(PEERS[name])


def missing(names) -> list[str]:
    """The install command of each named peer that is not installed."""
    return [backend(n).INSTALL for n in names if not backend(n).available()]


def peer_table(table: dict, goals, peers, budget: Budget, strategy: str, seed: int = 0) -> dict:
    """The "peers" part of a bench table: per plan, then medians and ratios."""
    rows = []
    tightest = {(r["domain"], tuple(r["plan"])): r for r in table["tightest"]}
    for g in {(g.domain.name, g.plan): g for g in goals if g.kind == "bound"}.values():
        ours = tightest.get((g.domain.name, tuple(str(i) for i in g.plan)))
        rows.append(plan_row(g, peers, budget, strategy, ours, random.Random(seed)))
    return {"note": NOTE, "strategy": strategy, "time_limit_s": budget.seconds, "plans": rows,
            "summary": {p: _summary(rows, p, budget.seconds) for p in peers}}


def plan_row(g, peers, budget: Budget, strategy: str, ours: dict | None, rng) -> dict:
    row = {"domain": g.domain.name, "horizon": g.domain.horizon, "plan": [str(i) for i in g.plan]}
    try:
        m = build(g.domain, g.plan)
    except PeerUnsupported as e:
        return {**row, "unsupported": str(e)}
    mismatches = validate(m, [random_scenario(g.domain, rng) for _ in range(SCENARIOS)], replay_at)
    row.update(variables=len(m.variables), relaxations=list(dict.fromkeys(m.relaxations)),
               validated=SCENARIOS - len(mismatches))
    if mismatches:
        return {**row, "unsupported": f"conversion disagrees with the interpreter: {mismatches[0].what}"}
    row["warrant"] = _warrant(g, strategy, budget, ours)
    for p in peers:
        r = backend(p).solve(m, budget.seconds)
        row[p] = {"status": r.status, "primal": r.primal, "dual": r.dual, "to_10_s": _r(r.to_10),
                  "to_1_s": _r(r.to_1), "time_s": _r(r.solve_s), "build_s": _r(r.build_s), "nodes": r.nodes}
    return row


def _warrant(g, strategy: str, budget: Budget, ours: dict | None) -> dict:
    from corpus.bench import number, run_strategy
    r = run_strategy(strategy, g.domain, g.plan, None, Budget(budget.nodes, budget.seconds, Fraction(1, 100)))
    worst = min(r.worst_found.outcome.reward, g.worst_found) if r.worst_found else g.worst_found
    reached = r.lower_bound is not None and worst - r.lower_bound <= abs(worst) / 100
    mine = (ours or {}).get("results", {}).get(strategy)
    to_10 = mine["time_s"] if mine and mine["lower_bound"] is not None and mine["gap"] <= 0.1 else None
    to_1 = r.time_s if reached else None
    return {"verdict": r.verdict, "lower_bound": None if r.lower_bound is None else number(r.lower_bound),
            "worst_found": number(worst), "to_10_s": _r(min((t for t in (to_10, to_1) if t is not None), default=None)),
            "to_1_s": _r(to_1), "time_s": _r(r.time_s)}


def _summary(rows, peer: str, limit: float) -> dict:
    ran = [r for r in rows if peer in r]
    out = {"plans": len(ran), "refused": sum(r[peer]["status"].startswith("refused") for r in ran)}
    ran = [r for r in ran if not r[peer]["status"].startswith("refused")]
    for key in ("to_10_s", "to_1_s"):
        theirs = [_at(r[peer][key], limit) for r in ran]
        mine = [_at(r["warrant"][key], limit) for r in ran]
        out[f"median_{key}"] = _r(statistics.median(theirs)) if theirs else None
        out[f"median_warrant_{key}"] = _r(statistics.median(mine)) if mine else None
        ratios = [a / max(b, 1e-6) for a, b in zip(mine, theirs)]
        out[f"median_ratio_{key}"] = _r(statistics.median(ratios)) if ratios else None
    return out


def _at(t: float | None, limit: float) -> float:
    return limit if t is None else t


def _r(t: float | None) -> float | None:
    return None if t is None else round(t, 4)
