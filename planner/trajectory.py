"""A simulated run as rows, as a CSV file and as a plot (`simulate --csv/--plot`, the HTML report).

Row t is the state s_t: t = 0 the initial state, t >= 1 the state after the action of step
t - 1, with that step's disturbances and rewards (`reward` = r_action + r_step, plus the final
reward on the last row of a valid run; undiscounted, as the interpreter's trace gives them).
matplotlib is imported only when a plot is drawn.
"""
from __future__ import annotations

import csv
import io
import re
from fractions import Fraction

from dsl.interp import Outcome
from dsl.model import Domain
from planner.numbers_text import exact_decimal


def rows(d: Domain, o: Outcome) -> list[dict]:
    """One dict per state of the run (values exact: Fraction or bool; '' where there is none)."""
    blank = {x.name: "" for x in d.disturbances}
    out = [{"t": 0, "action": "", **blank, **o.initial, "r_action": "", "r_step": "", "r_final": "",
            "reward": ""}]
    for s in o.trace:
        out.append({"t": s.t + 1, "action": s.action, **s.disturbances, **s.state, "r_action": s.action_reward,
                    "r_step": s.step_reward, "r_final": "", "reward": s.action_reward + s.step_reward})
    if o.valid and o.final_reward is not None and len(out) > 1:
        out[-1]["r_final"] = o.final_reward
        out[-1]["reward"] += o.final_reward
    return out


def columns(d: Domain) -> list[str]:
    return ["t", "action", *(x.name for x in d.disturbances), *(s.name for s in d.states),
            "r_action", "r_step", "r_final", "reward"]


def _csv_value(v) -> str:
    """A number a spreadsheet reads: the exact decimal when it terminates, else the nearest
    double (the exact rationals are in `simulate --json`)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction)):
        return exact_decimal(Fraction(v), 17) or repr(float(v))
    return str(v)


def csv_text(d: Domain, o: Outcome) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, columns(d), lineterminator="\n")
    writer.writeheader()
    for row in rows(d, o):
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return buf.getvalue()


def figure(d: Domain, runs: list[tuple[str, Outcome]], title: str):
    """A matplotlib figure: one panel per state and one for the per-step reward, one line per
    run (label, outcome); a violation is marked with a red cross at its state."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    panels = [s.name for s in d.states] + ["reward"]
    fig = Figure(figsize=(7.5, 1.6 * len(panels) + 0.8))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for k, (label, o) in enumerate(runs):
        table = rows(d, o)
        width = 3.5 if k == 0 and len(runs) > 1 else 1.5      # an earlier run stays visible under a later one
        for ax, name in zip(axes, panels):
            pts = [(r["t"], float(r[name])) for r in table if r[name] != ""]
            if not pts:
                continue
            ts, vs = zip(*pts)
            ax.plot(ts, vs, marker="o", markersize=3, linewidth=width, alpha=0.8, label=label)
            if o.violation is not None and re.search(rf"(?<![\w']){re.escape(name)} =", o.violation.detail):
                ax.plot([o.violation.step], [vs[-1]], "x", color="red", markersize=10)
    for ax, name in zip(axes, panels):
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("t (state index; reward: of the step into s_t)")
    axes[0].legend(loc="best", fontsize="small")
    fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    return fig


def save_plot(path: str, d: Domain, runs: list[tuple[str, Outcome]], title: str) -> None:
    figure(d, runs, title).savefig(path, dpi=110)


def svg_text(d: Domain, runs: list[tuple[str, Outcome]], title: str) -> str:
    """The plot as an inline <svg> element."""
    return inline_svg(figure(d, runs, title))


def inline_svg(fig) -> str:
    """A matplotlib figure as an <svg> element for an HTML page (text kept as text, so the
    page can be searched; no XML prologue)."""
    import matplotlib
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    text = buf.getvalue()
    return text[text.index("<svg"):]
