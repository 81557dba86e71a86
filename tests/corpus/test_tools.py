"""The corpus analysis tools return values (frozen dataclasses) and print nothing; the CLI
(`warrant corpus frontier|headroom|throughput`) renders them."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from corpus import domain_files

GOALSET = Path("corpus/goalset")
THERMO = str(next(p for p in domain_files() if p.stem == "thermostat"))


def test_frontier_row_is_a_value_with_its_gap(capsys):
    from corpus.frontier import FrontierRow, row
    r = row("sir", 4, "smear", 10.0)
    assert isinstance(r, FrontierRow) and capsys.readouterr() == ("", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.verdict = "unknown"
    assert (r.domain, r.horizon, r.strategy, r.verdict) == ("sir", 4, "smear", "proved")
    assert r.lower_bound <= r.worst and r.nodes >= 1
    assert r.gap == pytest.approx(float((r.worst - r.lower_bound) / abs(r.worst)))


def test_frontier_yields_one_row_per_domain_horizon_and_strategy():
    from corpus.frontier import frontier
    rows = list(frontier(["sir"], [3, 4], ["smear", "largest-first"], 5.0, 10.0))
    assert [(r.horizon, r.strategy) for r in rows] == [(3, "smear"), (3, "largest-first"), (4, "smear"),
                                                      (4, "largest-first")]


def test_headroom_sizes_per_claim_and_their_summaries(capsys):
    from corpus.headroom import ClaimSizes, GoalHeadroom, headroom, summaries
    rows = list(headroom(GOALSET, "test", domain="sir", max_goals=2, lookahead=False))
    assert capsys.readouterr() == ("", "")
    assert len(rows) == 2 and all(isinstance(h, GoalHeadroom) for h in rows)
    h = rows[0]
    assert isinstance(h.valid, ClaimSizes) and h.valid.lookahead is None and h.lookahead is None
    assert h.smear == h.valid.smear + h.reward.smear and h.interval_only >= h.smear       # mean-value never hurts
    assert h.ratio is None and h.gain == h.interval_only / h.smear
    (s,) = summaries(rows)                          # no lookahead: only the interval-only ratio
    assert s.name == "interval-only / mean-value smear" and s.goals == 2
    gains = [r.gain for r in rows]
    assert s.median == pytest.approx(sum(gains) / 2) and s.geometric_mean == pytest.approx((gains[0] * gains[1]) ** 0.5)


def test_headroom_without_pins_measures_the_plain_form_and_restores_the_pins():
    """`pins=False` is a parameter of the evaluators it builds (it once set a module global for
    the rest of the process): a pinned run after it measures what the first one did."""
    from corpus.headroom import headroom
    pinned = next(headroom(GOALSET, "test", domain="sir", max_goals=1, lookahead=False))
    plain = next(headroom(GOALSET, "test", domain="sir", max_goals=1, lookahead=False, pins=False))
    again = next(headroom(GOALSET, "test", domain="sir", max_goals=1, lookahead=False))
    assert plain.smear > pinned.smear == again.smear        # 28 against 10 nodes at the time of writing


def test_throughput_is_a_value(capsys):
    from corpus.throughput import Throughput, measure
    t = measure(THERMO, 50, repeats=1)
    assert isinstance(t, Throughput) and capsys.readouterr() == ("", "")
    assert (t.file, t.boxes) == (THERMO, 50) and t.boxes_per_s > 0
