"""Every JSON shape the commands print or write (DESIGN.md "CLI contract").

Numbers are exact rationals as strings; absent values are null. The text shapes are in
`render_text` (sentences) and `render_tables` (terminal tables).
"""
from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from dsl.scenario import to_json


def print_json(out: Console, obj: dict) -> None:
    out.file.write(json.dumps(obj, indent=2) + "\n")


def write_json(path: str, obj: dict, indent: int = 1) -> None:
    """A certificate, scenario or table written to `path`, as `--cert` and friends write them."""
    Path(path).write_text(json.dumps(obj, indent=indent) + "\n", encoding="utf-8")


def _q(x) -> str | None:
    return None if x is None else str(x)


def check_json(file: str, d) -> dict:
    """`check --json`: what the file declares."""
    return {"file": file, "domain": d.name, "horizon": d.horizon, "ok": True,
            "actions": [a.name for a in d.actions], "instances": len(d.instances()),
            "params": [v.name for v in d.params], "disturbances": [v.name for v in d.disturbances],
            "states": [v.name for v in d.states], "sha256": d.sha256}


def violation_json(v) -> dict | None:
    if v is None:
        return None
    return {"step": v.step, "kind": v.kind, "condition": v.condition, "action": v.action, "detail": v.detail}


def values_json(values: dict) -> dict:
    return {k: (v if isinstance(v, bool) else str(v)) for k, v in values.items()}


def simulate_json(d, plan, scenario, o, warnings: list[str]) -> dict:
    """`simulate --json`: the run of `plan` in `scenario` (a dsl.interp.Outcome), step by step."""
    return {
        "domain": d.name, "plan": [str(i) for i in plan], "scenario": to_json(scenario),
        "reward": None if o.reward is None else str(o.reward), "valid": o.valid,
        "violation": violation_json(o.violation), "initial_state": values_json(o.initial),
        "trace": [{"t": s.t, "action": s.action, "disturbances": values_json(s.disturbances),
                   "state": values_json(s.state), "action_reward": str(s.action_reward),
                   "step_reward": str(s.step_reward)} for s in o.trace],
        "final_reward": None if o.final_reward is None else str(o.final_reward),
        "warnings": warnings,
    }


def witness_json(w, counterexample: bool = False) -> dict | None:
    if w is None:
        return None
    out = {"scenario": to_json(w.scenario), "value": _q(w.outcome.reward)}
    if w.enclosure is not None:          # known by a rigorous enclosure: "value" is its upper end
        out["enclosure"] = [_q(w.enclosure[0]), _q(w.enclosure[1])]
    if counterexample:
        out["violation"] = violation_json(w.outcome.violation)
        out["replay"] = "rigorous" if w.enclosed else "exact"     # how it was confirmed
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


def cross_check_json(c) -> dict:
    """A `prover.backends.cross_check.CrossCheck` as `verify --cross-check --json` prints it."""
    if not c.available:
        return {"solver": c.solver, "available": False, "message": cross_check_message(c)}
    if c.answer is None:
        return {"solver": c.solver, "available": True, "answer": None, "message": cross_check_message(c)}
    return {"solver": c.solver, "available": True, "bound": str(c.bound), "answer": c.answer,
            "disagrees": c.disagrees, "message": cross_check_message(c)}


def cross_check_message(c) -> str:
    """The sentence saying what cvc5 answered (or why it was not asked)."""
    if not c.available:
        return "cvc5 is not installed (pip install cvc5); no cross-check was run"
    if c.answer is None:
        return "nothing to cross-check: no bound was proved or given"
    word = {"unsat": "proves", "sat": "refutes", "unknown": "cannot decide"}[c.answer]
    msg = f"{c.solver} {word} valid(π) and R >= {c.bound} (answer {c.answer})"
    if c.disagrees:
        msg += f" — DISAGREES with warrant's verdict '{c.verdict}'"
    return msg


def certificate_json(report) -> dict:
    """`check-cert --json` of an accepted certificate (a prover.check.checker report)."""
    return {"valid": True, "claim": report.claim, "plan": list(report.plan), "horizon": report.horizon,
            "reward_at_least": str(report.bound), "nodes": report.nodes, "leaves": report.leaves}


def rejection_json(exc) -> dict:
    """`check-cert --json` of a rejected certificate (a CertificateRejected)."""
    return {"valid": False, "reason": str(exc), **exc.values}


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
