"""The text of the corpus analysis tools (`warrant corpus frontier|headroom|throughput`):
markdown rows for the frontier, one line per goal for the headroom, one line of throughput."""
from __future__ import annotations

FRONTIER_HEADER = ("| domain | H | strategy | verdict | certified L | worst found | gap | nodes | wall s | note |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def frontier_row(r) -> str:
    """A corpus.frontier.FrontierRow as a markdown table row."""
    bound = "–" if r.lower_bound is None else f"{float(r.lower_bound):.4g}"
    worst = "–" if r.worst is None else f"{float(r.worst):.4g}"
    gap = "–" if r.gap is None else f"{r.gap:.1%}"
    return (f"| {r.domain} | {r.horizon} | {r.strategy} | {r.verdict} | {bound} | {worst} | {gap} | {r.nodes} | "
            f"{r.wall_s:.1f} | {'cut at ' + str(r.cut) if r.cut else ''} |")


def headroom_line(h) -> str:
    """A corpus.headroom.GoalHeadroom: smear's proof size, interval leaves only, the lookahead."""
    v, w = h.valid, h.reward
    line = f"{h.domain} H={h.horizon}: smear {h.smear} nodes (validity {v.smear}, reward {w.smear})"
    line += f"; interval leaves only {h.interval_only} ({v.interval_only}, {w.interval_only})"
    if h.lookahead is not None:
        line += f"; lookahead {h.lookahead} ({v.lookahead}, {w.lookahead})"
        if h.ratio is not None:
            line += f": {h.ratio:.2f}x"
    return line


def headroom_summary(s) -> str:
    """A corpus.headroom.Summary."""
    return (f"{s.name} over the {s.goals} goals below the caps: median {s.median:.2f}x, "
            f"geometric mean {s.geometric_mean:.2f}x")


def throughput_line(t) -> str:
    """A corpus.throughput.Throughput."""
    return f"{t.file}: {t.boxes_per_s:,.0f} boxes/s ({t.boxes} boxes per batch)"
