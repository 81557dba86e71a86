"""The sentences the commands print: check, simulate, verify, check-cert, compile, corpus,
train and eval (numbers through planner.numbers_text; tables in `render_tables`)."""
from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from dsl.interp import short
from dsl.model import plan_str
from dsl.scenario import to_json
from planner.cli.render import cross_check_message
from planner.numbers_text import CELL_DIGITS, bound, cell, equals, value


def print_check(out: Console, file: str, d) -> None:
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' * (n != 1)}"
    out.print(f"{file}: ok — domain {d.name}, horizon {d.horizon}, "
              f"{count(len(d.actions), 'action')} ({count(len(d.instances()), 'instance')}), "
              f"{count(len(d.params), 'param')}, {count(len(d.disturbances), 'disturbance')}, "
              f"{count(len(d.states), 'state')}", markup=False)


def print_simulation(out: Console, d, plan, scenario, o, warnings) -> None:
    """The run of `plan` in `scenario` (a dsl.interp.Outcome) as a table and its total."""
    for w in warnings:
        out.print(w, style="yellow", markup=False)
    out.print(f"domain {d.name}, horizon {d.horizon}, plan: {plan_str(plan)}", markup=False)
    fixed = ", ".join(f"{k} = {cell(v)}" for k, v in {**scenario.params, **scenario.init}.items())
    if fixed:
        out.print(f"params / uncertain initial states: {fixed}", markup=False)
    rows = _simulation_rows(d, o)
    table = Table()
    for col in ["t", "action", *(x.name for x in d.disturbances), *(s.name for s in d.states), "r_action", "r_step"]:
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(*row)
    out.print(table)
    if any(c.startswith("≈") for row in rows for c in row):
        out.print(f"≈: rounded to {CELL_DIGITS} significant digits (--json has every value exactly)", markup=False)
    if o.valid:
        out.print(f"final reward: {value(o.final_reward)}", markup=False)
        out.print(f"total reward{_discounted(d)}: {value(o.reward)}; the plan is valid in this scenario",
                  markup=False)
        return
    v = o.violation
    where = f"after action {v.action}" if v.kind != "requires" else f"before action {v.action}"
    where = where if v.action else "in the initial state"
    out.print(f"INVALID: {v.kind} violated in state s_{v.step} ({where}): {v.condition}   [{v.detail}]",
              style="bold red", markup=False)


def _simulation_rows(d, o) -> list[list[str]]:
    rows = [["init", "", *[""] * len(d.disturbances), *(cell(o.initial[s.name]) for s in d.states), "", ""]]
    for s in o.trace:
        rows.append([str(s.t), s.action, *(cell(s.disturbances[x.name]) for x in d.disturbances),
                     *(cell(s.state[v.name]) for v in d.states), cell(s.action_reward), cell(s.step_reward)])
    return rows


def _discounted(d) -> str:
    """How the total is summed, when it is not a plain sum of the table's rewards."""
    if d.discount == 1:
        return ""
    return (f" (discounted: the sum over steps t of {value(d.discount)}^t * (r_action + r_step), "
            f"plus {value(d.discount)}^{d.horizon} * final)")


def _worst_text(w) -> str:
    """`= -36.29` for an exact replay; `≤ …` for a reward known by its rigorous enclosure."""
    if w.enclosure is None:
        return equals(w.outcome.reward)
    return f"≤ {bound(w.enclosure[1], up=True)}, by a rigorous enclosure (an exact replay would be too long)"


def print_verdict(out: Console, r, cert_path=None) -> None:
    """A `prover.search.verify.VerifyResult` as `verify` prints it."""
    style = {"proved": "bold green", "refuted": "bold red", "unknown": "bold yellow"}[r.verdict]
    claim = f"R >= {short(r.bound)}" if r.bound is not None else "tightest bound"
    out.print(f"{r.verdict.upper()}  plan {plan_str(r.plan)}  ({claim}, strategy {r.strategy})",
              style=style, markup=False)
    if r.lower_bound is not None:
        out.print(f"  certified: valid in every admissible scenario and R >= {bound(r.lower_bound)}", markup=False)
    if r.worst_found is not None:
        out.print(f"  worst found: R {_worst_text(r.worst_found)}", markup=False)
    if r.counterexample is not None:
        o, rigorous = r.counterexample.outcome, r.counterexample.enclosed
        what = (f"{o.violation.kind} '{o.violation.condition}' fails in state s_{o.violation.step} "
                f"[{o.violation.detail}]" if o.violation else
                f"R {'≤' if rigorous else '='} {short(o.reward)} < {short(r.bound)}")
        how = "replayed with a rigorous enclosure" if rigorous else "replayed exactly"
        out.print(f"  counterexample ({how}): {what}", markup=False)
        out.print(f"  scenario: {json.dumps(to_json(r.counterexample.scenario))}", markup=False)
    if r.note:
        out.print(f"  {r.note}", markup=False)
    written = f"; certificate written to {cert_path}" if cert_path and r.certificate else ""
    if cert_path and not r.certificate:
        written = f"; no certificate written to {cert_path} (nothing was proved)"
    stopped = f"stopped: {r.stop_reason}; " if r.stop_reason else ""
    out.print(f"  {stopped}{r.nodes} nodes, {r.smt_calls} SMT calls, {r.time_s:.2f}s{written}", markup=False)


def counterexample_saved(path: str, result) -> str:
    """What `--save-counterexample PATH` did (it writes only when `result` was refuted)."""
    if result.counterexample is None:
        return f"no counterexample written to {path} (the plan was not refuted)"
    return f"counterexample scenario written to {path} (replay it: warrant simulate --scenario {path})"


def print_cross_check(out: Console, c) -> None:
    out.print(f"  cross-check: {cross_check_message(c)}", markup=False, style="bold red" if c.disagrees else None)


def print_certificate(out: Console, report) -> None:
    """An accepted certificate (a prover.check.checker report) as `check-cert` prints it."""
    leaves = ", ".join(f"{n} {k}" for k, n in sorted(report.leaves.items()))
    claim = (f"valid(π) and R(π) >= {bound(report.bound)} for π = {'; '.join(report.plan)} "
             f"(horizon {report.horizon})")
    out.print(f"certificate valid: {claim} ({report.nodes} nodes; leaves: {leaves})",
              style="bold green", markup=False)


LEAN_NOTE = " (a Lean 4 statement over Mathlib's reals; its proof is `sorry`: warrant's proof is the certificate)"


def compiled(path: str, to: str) -> str:
    return f"wrote {path}{LEAN_NOTE if to == 'lean' else ''}"


def compiled_peer(path: str, m, bound) -> str:
    """What `compile --to cip|gms` wrote: a minimisation of R (a prover.backends.peer_model model)."""
    relaxed = f"; relaxed: {len(m.relaxations)} comparison boundaries" if m.relaxations else ""
    return (f"wrote {path}: minimise R over {len(m.variables)} variables; the claim R >= {bound} holds "
            f"for every scenario in which the plan is valid iff the minimum is >= {bound} (robust validity "
            f"is `warrant verify`'s to prove){relaxed}")


def screening_line(name: str, screened, goals) -> str:
    """How bench found one domain's goals (a corpus.goals screening and the goals it kept)."""
    return (f"{name}: {screened.valid} robustly valid plans (proved) of {screened.tried} screened, "
            f"{screened.refuted} refuted, {screened.unknown} undecided; "
            f"{sum(g.kind == 'bound' for g in goals)} bound goals, "
            f"{sum(g.kind == 'refutation' for g in goals)} refutation goals")


def corpus_written(out_dir: str, manifest: dict) -> str:
    c = manifest["counts"]
    return (f"{manifest['goals']} goals written to {out_dir}/goals.jsonl "
            f"(train {c['train']}, validation {c['validation']}, test {c['test']})")


def train_log_line(row: dict) -> str:
    """One row of the training history, as `train` prints it while it runs."""
    if "epoch" in row:
        t = row["train"]
        line = f"{row['stage']} epoch {row['epoch']:3d}  loss {t['loss']:.4f}  acc {t['acc']:.3f}  top3 {t['top3']:.3f}"
        if "samples_per_s" in t:
            line += f"  {t['samples_per_s']:.0f} samples/s"
        if "validation" in row:
            v = row["validation"]
            line += f"  | validation loss {v['loss']:.4f}  acc {v['acc']:.3f}  top3 {v['top3']:.3f}"
        return line
    if "round" in row:
        return f"round {row['round']} ({row['policy']} searches): proved fraction {row['proved_fraction']}"
    return json.dumps(row)


def trained(path, result: dict, stem: str) -> str:
    return (f"checkpoint written to {path} ({result['labels']} labels); "
            f"use it with --strategy learned --checkpoint {stem}")


def ratios_lines(report: dict) -> str:
    """`warrant eval`'s time ratios: per strategy, the geometric mean of its per-goal time over
    each hand rule's (unproved goals at the time limit)."""
    lines = [f"time ratios (geometric mean of per-goal time / hand rule's; best hand rule: {report['best_hand']}):"]
    for s, against in report["ratios"].items():
        if against:
            lines.append(f"  {s}: " + ", ".join(f"vs {h} {r['geomean']} (median {r['median']})"
                                               for h, r in against.items()))
    return "\n".join(lines)


def inference_line(inf: dict) -> str:
    line = (f"learned policy inference: {inf['seconds']} s in {inf['forwards']} forward passes "
            f"({inf['share_of_search_time']} of its search time)")
    if inf.get("sure") is not None:
        line += f"; network alone at {inf['sure']} nodes, strong branching at {inf['unsure']}"
    return line
