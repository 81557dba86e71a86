"""Long horizons in the `lp` leaf: the forward pass (step-by-step OBBT on prefix relaxations),
bounds rounded outward, structurally equal nodes sharing a column, and intervals too large for
exact arithmetic left unbounded. Every bound they prove holds at sampled scenarios (by the
interpreter), the checker re-derives them, and mutations of them are rejected."""
from __future__ import annotations

import copy
import random
import time
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from corpus.frontier import stretched
from dsl import ast
from dsl.interp import Evaluator
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.backends.lp_highs import LpModel
from prover.bounds.interval_exact import MemoRangeEvaluator
from prover.bounds.lp_leaf import LpBounder
from prover.bounds.relaxation import dual_bound, relax
from prover.bounds import obbt
from prover.bounds.tightening import MAGNITUDE_BITS, lp_evaluator, replay, short
from prover.bounds.point import replay_at
from prover.calculus.goals import root_box
from prover.calculus.unroll import unroll
from prover.check.checker import CertificateRejected, check_certificate
from prover.search.loop import Budget
from prover.search.verify import verify_search

from tests.examples import SIR

P = ast.Pos(0, 0, 0, 0)


def _sir(horizon: int):
    d = load_domain(SIR).with_horizon(horizon)
    plan = parse_plan(stretched("sir", horizon), d)
    return d, plan, unroll(d, plan)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(-10 ** 60, 10 ** 60), d=st.integers(1, 10 ** 60), bits=st.integers(0, 200))
def test_short_rounds_outward_to_a_short_rational(n, d, bits):
    x = Fraction(n, d) * Fraction(1, 3 ** bits)
    lo, hi = short(x, False), short(x, True)
    assert lo <= x <= hi
    if x.denominator.bit_length() <= 64:
        assert lo == hi == x                                   # short already: kept exactly
    else:
        for end in (lo, hi):                                   # dyadic, 64 significant bits
            assert end.denominator & (end.denominator - 1) == 0
        assert hi - lo <= abs(x) / 2 ** 62


def test_equal_subexpressions_share_a_column_so_their_difference_is_exactly_zero():
    """(x·y) − (x·y) with two separate product nodes: one column for both, so the LP's bound of
    the difference is 0 (relaxed apart, each product's envelope would give a negative one)."""
    x, y = ast.Name("x", P), ast.Name("y", P)
    e = ast.BinOp("-", ast.BinOp("*", x, y, P), ast.BinOp("*", x, y, P), P)
    ev = MemoRangeEvaluator({"x": (Fraction(-1), Fraction(2)), "y": (Fraction(1), Fraction(3))})
    rel = relax(SimpleNamespace(assumes=()), ev, [e])
    answer = LpModel(rel).minimize(rel.objectives[0], 5.0)
    duals = {i: Fraction(v) for i, v in answer.duals.items()}
    assert dual_bound(rel, rel.objectives[0], duals) == 0


def test_intervals_past_the_magnitude_cap_have_no_column_and_the_rest_are_sound():
    """SIR at H=40: plain exact intervals explode (2^40-bit endpoints); the lp evaluator leaves
    those quantities without a column, quickly, and every bounded one contains the
    interpreter's values at sampled scenarios."""
    d, plan, u = _sir(40)
    box = root_box(u.variables)
    rel = relax(u, lp_evaluator(LpBounder(u).facts, box), [u.reward])
    assert rel.objectives[0] is None, "R's interval is past the cap: no column"
    assert all(abs(v.numerator).bit_length() - v.denominator.bit_length() <= MAGNITUDE_BITS for v in (*rel.lo, *rel.hi))
    _assert_columns_hold(rel, u, box, samples=10, nodes=150)


def _assert_columns_hold(rel, u, box, samples: int, nodes: int | None = None) -> None:
    rng = random.Random(0)
    columns = range(len(rel.columns)) if nodes is None else range(min(nodes, len(rel.columns)))
    for _ in range(samples):
        point = {v.name: lo + (hi - lo) * Fraction(rng.randint(0, 100), 100) for v, (lo, hi) in zip(u.variables, box)}
        ev = Evaluator(point)
        for c in columns:
            value = ev.eval(rel.columns[c])
            assert rel.lo[c] <= value <= rel.hi[c], (c, rel.lo[c], value, rel.hi[c])


def test_the_forward_pass_tightens_every_step_and_its_bounds_hold_at_samples():
    """SIR at H=8: the forward pass proves bounds at every step (rounds reaching 1..8); every
    quantity of the tightened relaxation contains the interpreter's values at samples."""
    d, plan, u = _sir(8)
    lp = LpBounder(u)
    box = root_box(u.variables)
    state = lp._start(box, time.monotonic() + 600)
    assert state.reached == 8 and [r.reach for r in state.rounds] == list(range(1, 9))
    plain = relax(u, lp_evaluator(lp.facts, box), lp.roots)
    i8 = state.rel.column(u.states[8]["i"])
    assert state.rel.hi[i8] < plain.hi[plain.column(u.states[8]["i"])]
    _assert_columns_hold(state.rel, u, box, samples=40)


@pytest.fixture(scope="module")
def long_proof():
    """SIR at H=32 to 10%: validity and R close at the root (they did not within 60 s before
    the forward pass)."""
    d, plan, _ = _sir(32)
    r = verify_search(d, plan, None, "heuristic", Budget(2000, 120, Fraction(1, 10)), smt=False, use_lp=True)
    assert r.verdict == "proved"
    assert check_certificate(d, r.certificate).leaves.get("lp")
    return d, plan, r


def test_a_long_horizon_bound_holds_on_sampled_scenarios(long_proof):
    """At 60 random scenarios the plan is valid with R above the certified bound, by rigorous
    replays (exact interpreter runs take minutes at H=32: their rationals double per step)."""
    d, plan, r = long_proof
    u = unroll(d, plan)
    box = root_box(u.variables)
    rng = random.Random(3)
    for _ in range(60):
        point = [lo + (hi - lo) * Fraction(rng.randint(0, 10 ** 6), 10 ** 6) for lo, hi in box]
        got = replay_at(u, point)
        assert got.valid is True and got.reward[0] >= r.lower_bound


def _forward_leaf(tree):
    stack = [tree]
    while stack:
        n = stack.pop()
        if n.get("leaf") == "lp" and any(isinstance(t, dict) for t in n.get("tighten", ())):
            return n
        stack.extend(n.get("children", ()))
    return None


def test_mutated_forward_rounds_are_rejected(long_proof):
    d, _, r = long_proof

    def mutated(kind, f):
        c = copy.deepcopy(r.certificate)
        f(_forward_leaf(c["proofs"][kind]))
        return c

    def negated(leaf):                 # a negative multiplier on an inequality row proves nothing
        step = leaf["tighten"][0]["steps"][0]
        step["duals"] = {k: "-1" for k in step["duals"]}

    mutations = (lambda leaf: leaf.pop("tighten"),
                 lambda leaf: leaf["tighten"][0].update(reach=10 ** 6),
                 lambda leaf: leaf["tighten"][0].update(since=-1),
                 lambda leaf: leaf["tighten"][0].update(since=leaf["tighten"][0]["reach"] + 1),
                 lambda leaf: leaf["tighten"][0]["steps"][0].update(q=-1),
                 lambda leaf: leaf["tighten"][0].update(steps="all"), negated)
    for kind in ("valid", "reward"):
        assert _forward_leaf(r.certificate["proofs"][kind]) is not None, f"the {kind} proof has forward rounds"
        for mutation in mutations:
            with pytest.raises(CertificateRejected):
                check_certificate(d, mutated(kind, mutation))


def test_windowed_rounds_replay_exactly_and_their_bounds_hold(monkeypatch):
    """Rounds lifted down only to the states a few steps back (`since` > 0; the pass uses
    windows past WINDOW steps): the checker's replay rebuilds the very same relaxation, and
    every quantity of it contains the interpreter's values at samples."""
    monkeypatch.setattr(obbt, "WINDOW", 3)
    d, plan, u = _sir(10)
    lp = LpBounder(u)
    box = root_box(u.variables)
    state = lp._start(box, time.monotonic() + 600)
    assert any(r.since > 0 for r in state.rounds)
    again = replay(u, lp.facts, box, lp.roots, lp.order, state.rounds)
    assert (again.rows, again.lo, again.hi) == (state.rel.rows, state.rel.lo, state.rel.hi)
    _assert_columns_hold(state.rel, u, box, samples=8)
