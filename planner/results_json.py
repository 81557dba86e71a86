"""JSON shapes of verification and planning results (DESIGN.md "CLI contract").

Numbers are exact rationals as strings; absent values are null.
"""
from __future__ import annotations

from dsl.scenario import to_json
from planner.cli_dsl import violation_json


def _q(x) -> str | None:
    return None if x is None else str(x)


def witness_json(w, counterexample: bool = False) -> dict | None:
    if w is None:
        return None
    out = {"scenario": to_json(w.scenario), "value": _q(w.outcome.reward)}
    if getattr(w, "enclosure", None) is not None:      # the value is an upper end: R lies in here
        out["enclosure"] = [_q(w.enclosure[0]), _q(w.enclosure[1])]
    if counterexample:
        out["violation"] = violation_json(w.outcome.violation)
    return out


def verify_json(r) -> dict:
    """A `prover.search.verify.VerifyResult` as the object `verify --json` prints."""
    return {
        "verdict": r.verdict,
        "plan": [str(i) for i in r.plan],
        "bound": _q(r.bound),
        "lower_bound": _q(r.lower_bound),
        "worst_found": witness_json(r.worst_found),
        "counterexample": witness_json(r.counterexample, counterexample=True),
        "strategy": r.strategy,
        "note": r.note or None,
        "stop_reason": r.stop_reason or None,
        "stats": {"nodes": r.nodes, "smt_calls": r.smt_calls, "time_s": round(r.time_s, 3)},
    }


def candidate_json(rep) -> dict:
    out = verify_json(rep.result)
    out["min_over_scenarios"] = _q(rep.min_over_set)
    out["round"] = rep.round + 1          # numbered from 1, as the text report does
    return out


def plan_json(res) -> dict:
    """A `planner.loop.PlanResult` as the object `plan-and-verify --json` prints."""
    return {
        "selected": candidate_json(res.selected) if res.selected else None,
        "candidates": [candidate_json(c) for rnd in res.rounds for c in rnd.candidates],
        "upper_bound": _q(res.upper_bound),
        "rounds": [{"round": r.index + 1, "scenarios": r.scenarios, "graph_nodes": r.graph_nodes,
                    "exhaustive": r.exhaustive, "upper_bound": _q(r.upper_bound),
                    "candidates": len(r.candidates)} for r in res.rounds],
        "stop_reason": res.stop_reason,
        "stop_detail": res.stop_detail,
        "upper_bound_exact": res.exact,
        "upper_bound_note": res.upper_note or None,
        "no_robust_plan": res.no_robust_plan,
        "scenarios": len(res.scenarios),
        "refuting_scenarios": [to_json(s) for s in res.scenarios] if res.no_robust_plan else None,
        "beam_truncated": res.beam_truncated,
        "time_s": round(res.time_s, 3),
    }
