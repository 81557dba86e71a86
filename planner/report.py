"""`plan-and-verify --report OUT.html`: one self-contained page about a planning run.

The page holds the selected plan's trajectories in the nominal scenario and in the worst
scenario found for it, every rejected candidate with its counterexample (replayed here by
the reference interpreter, the run that is plotted), the rounds, the certified bound against
the upper bound U, and the size of the proof. Plots are inline SVG; the page loads nothing
from anywhere. Returns text; the CLI writes it.
"""
from __future__ import annotations

import html
import json

from dsl.interp import run
from dsl.model import Domain, plan_str
from dsl.scenario import failed_assumes, nominal, to_json
from planner.numbers_text import bound, equals, value
from planner.trajectory import inline_svg, svg_text

MAX_PLOTTED_REJECTIONS = 12     # rejected candidates plotted; later ones are listed without a plot

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
td, th { border: 1px solid #ccc; padding: .2rem .5rem; text-align: right; } td.plan { text-align: left; }
code, pre { font-family: ui-monospace, monospace; font-size: .85rem; } pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; }
.proved { color: #17702a; } .refuted { color: #b3261e; } .unknown { color: #8a6d00; }
svg { max-width: 100%; height: auto; }
"""


def _e(text) -> str:
    return html.escape(str(text))


def html_report(domain: Domain, res, cert: dict | None = None) -> str:
    """The page for `res` (a planner.loop.PlanResult) of `domain`; `cert`: the selected plan's
    certificate, whose proof size the page states."""
    chosen = plan_str(res.selected.plan) if res.selected else None
    title = f"warrant plan-and-verify: {domain.name}"
    parts = [f"<h1>{_e(title)}</h1>", _summary(res, chosen), _selected(domain, res), _proof_size(cert),
             _rounds(res), _rejections(domain, res)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(p for p in parts if p) + "\n</body></html>\n")


def _summary(res, chosen: str | None) -> str:
    upper = bound(res.upper_bound, up=True) if res.upper_bound is not None else "unknown (no exhaustive round)"
    if chosen is None:
        head = "<p class=\"refuted\">No plan was proved robustly valid.</p>"
    else:
        head = (f"<p>Selected plan: <b id=\"selected-plan\">{_e(chosen)}</b></p>"
                f"<p>Certified worst-case reward L ≥ <b>{_e(bound(res.selected.result.lower_bound))}</b>; "
                f"best possible U ≤ <b>{_e(upper)}</b></p>")
    return (head + f"<p>Stopped: {_e(res.stop_reason)} ({_e(res.stop_detail)}); "
            f"{len(res.rounds)} round(s) in {res.time_s:.1f} s"
            + (" (the beam truncated the graph search in some round)" if res.beam_truncated else "") + ".</p>")


def _selected(domain: Domain, res) -> str:
    if res.selected is None:
        return ""
    plan, runs, notes = res.selected.plan, [], []
    s = nominal(domain)
    if failed_assumes(domain, s):
        notes.append("The nominal scenario violates an assume, so it is not plotted.")
    else:
        runs.append(("nominal scenario", run(domain, plan, s)))
    worst = res.selected.result.worst_found
    if worst is not None:
        o = run(domain, plan, worst.scenario)
        runs.append((f"worst found (R {equals(o.reward) if o.valid else 'invalid'})", o))
        notes.append(f"Worst scenario found: <code>{_e(json.dumps(to_json(worst.scenario)))}</code>")
    plot = svg_text(domain, runs, f"{domain.name}: {plan_str(plan)}") if runs else ""
    return (f"<h2>The selected plan's trajectories</h2>{plot}"
            + "".join(f"<p>{n}</p>" for n in notes))


def _proof_size(cert: dict | None) -> str:
    if cert is None:
        return ""
    sizes = {kind: _tree_size(tree) for kind, tree in cert.get("proofs", {}).items()}
    leaves: dict = {}
    for tree in cert.get("proofs", {}).values():
        for leaf in _leaves(tree):
            leaves[leaf] = leaves.get(leaf, 0) + 1
    size = len(json.dumps(cert))
    rows = "".join(f"<li>{_e(kind)} proof: {n} nodes</li>" for kind, n in sizes.items())
    leaf_text = ", ".join(f"{n} {k}" for k, n in sorted(leaves.items()))
    return (f"<h2>The proof</h2><ul id=\"proof-size\">{rows}<li>leaves: {_e(leaf_text)}</li>"
            f"<li>certificate: {size:,} bytes of JSON (re-check it with <code>warrant check-cert</code>)</li></ul>")


def _tree_size(tree) -> int:
    return sum(1 for _ in _nodes(tree))


def _leaves(tree):
    return (n["leaf"] for n in _nodes(tree) if isinstance(n, dict) and "leaf" in n)


def _nodes(tree):
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):
            stack.extend(node.get("children", ()))


def _bounds_by_round(res) -> list[tuple[int, float | None, float | None]]:
    """(round, best certified L so far, U of that round) per round; None where there is none."""
    out, best = [], None
    for rnd in res.rounds:
        for c in rnd.candidates:
            lb = c.result.lower_bound
            if c.result.verdict == "proved" and lb is not None and (best is None or lb > best):
                best = lb
        out.append((rnd.index + 1, None if best is None else float(best),
                    None if rnd.upper_bound is None else float(rnd.upper_bound)))
    return out


def _bounds_svg(res) -> str:
    """The certified bound L against the upper bound U, round by round, as inline SVG."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    points = _bounds_by_round(res)
    fig = Figure(figsize=(6, 2.6))
    ax = fig.subplots()
    for k, label, style in ((2, "upper bound U", "s--"), (1, "certified L (best so far)", "o-")):
        pts = [(p[0], p[k]) for p in points if p[k] is not None]
        if pts:
            ax.plot(*zip(*pts), style, label=label)
    ax.set_xlabel("round")
    ax.set_ylabel("reward")
    ax.set_xticks([p[0] for p in points])
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return inline_svg(fig)


def _rounds(res) -> str:
    out = ["<h2>Rounds</h2>", _bounds_svg(res) if res.rounds else ""]
    for rnd in res.rounds:
        upper = bound(rnd.upper_bound, up=True) if rnd.upper_bound is not None else "-"
        out.append(f"<h3>Round {rnd.index + 1}: {rnd.scenarios} scenario(s), graph {rnd.graph_nodes} nodes"
                   f"{'' if rnd.exhaustive else ' (beam: not exhaustive)'}; U = {_e(upper)}</h3>")
        rows = []
        for c in rnd.candidates:
            r = c.result
            verdict = "dominated" if r.note.startswith("dominated") else r.verdict
            selected = res.selected is not None and c is res.selected
            cells = [("→ " if selected else "") + plan_str(c.plan), _v(c.min_over_set), _v(r.lower_bound),
                     _v(r.worst_found.outcome.reward if r.worst_found else None), verdict, f"{r.time_s:.1f} s"]
            rows.append("<tr>" + "".join(f"<td class=\"{'plan' if i == 0 else (r.verdict if i == 4 else '')}\">"
                                         f"{_e(x)}</td>" for i, x in enumerate(cells)) + "</tr>")
        out.append("<table><tr><th>plan</th><th>min over set</th><th>certified ≥</th><th>worst found</th>"
                   "<th>verdict</th><th>time</th></tr>" + "".join(rows) + "</table>")
    return "\n".join(out)


def _v(x) -> str:
    return "-" if x is None else value(x)


def _rejections(domain: Domain, res) -> str:
    rejected = [c for rnd in res.rounds for c in rnd.candidates if c.result.counterexample is not None]
    if not rejected:
        return ""
    out = ["<h2>Rejected candidates</h2>"]
    for k, c in enumerate(rejected):
        scenario = c.result.counterexample.scenario
        o = run(domain, c.plan, scenario)          # the reference interpreter's replay, plotted
        if o.violation is not None:
            v = o.violation
            what = f"{v.kind} '{v.condition}' fails in state s_{v.step} [{v.detail}]"
        else:
            what = f"R {equals(o.reward)}"
        out.append(f"<h3>Round {c.round + 1}: {_e(plan_str(c.plan))}</h3><p>{_e(what)}</p>"
                   f"<pre>{_e(json.dumps(to_json(scenario)))}</pre>")
        if k < MAX_PLOTTED_REJECTIONS:
            out.append(svg_text(domain, [("counterexample", o)], f"{plan_str(c.plan)}: counterexample"))
    return "\n".join(out)
