"""Peer models (SCIP, Gurobi) against the interpreter: the conversion is checked, not trusted."""
from __future__ import annotations

import itertools
import random
from dataclasses import replace
from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from dsl.scenario import Scenario, random_scenario
from prover.backends import peer_gurobi
from prover.backends import peer_scip
from prover.backends.peer_model import build
from prover.backends.peer_validate import evaluate, validate
from prover.calculus.unroll import scenario_env, unroll

TINY = """
domain tiny
horizon 2
param k : int in [1, 3]
disturbance d : int in [-2, 2]
state x : real in [-100, 100] init 1
state hot : bool init false
action go(p : int in 0..1) {
  requires x >= -20
  x' = x * k + d - p
  hot' = x * k > 3 or hot
  reward -abs(x - 1) + (if hot then -1 else 0)
}
reward step = min(x, 2) - max(x^2 / 10, 1/2)
reward final = if x >= 0 and not hot then 1 else -1
"""


def _plans(d, rng, n=3):
    yield from (tuple(rng.choice(d.instances()) for _ in range(d.horizon)) for _ in range(n))


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.stem)
def test_peer_model_agrees_with_the_interpreter_exactly(path):
    d = load_domain(path)
    rng = random.Random(path.stem)
    plans = [parse_plan(known_plan(path), d), *_plans(d, rng)]
    seen_valid = 0
    for plan in plans:
        m = build(d, plan)
        scenarios = [random_scenario(d, rng) for _ in range(12)]
        assert validate(m, scenarios) == []
        seen_valid += sum(run(d, plan, s).valid for s in scenarios)
    assert seen_valid, "some scenario must exercise R, not only invalid runs"


def test_validation_catches_a_wrong_conversion():
    path = next(p for p in domain_files() if p.stem == "sir")
    d = load_domain(path)
    m = build(d, parse_plan(known_plan(path), d))
    i = next(i for i, x in enumerate(m.defs) if x.op == "mul")
    wrong = replace(m, defs=m.defs[:i] + (replace(m.defs[i], op="div"),) + m.defs[i + 1:])
    scenarios = [random_scenario(d, random.Random(s)) for s in range(4)]
    assert validate(m, scenarios) == [] and len(validate(wrong, scenarios)) == 4


def _margin(m, values) -> Fraction:
    """How far the exact point is from every real-valued bound and inequality (a float solver's
    tolerance zone; integer-valued ones are exact in floating point too)."""
    ints = {v.name for v in m.variables if v.vtype in ("int", "bool")}
    gaps = [min(values[v.name] - v.lo, v.hi - values[v.name]) for v in m.variables
            if v.lo is not None and v.kind == "state" and v.name not in ints]
    gaps += [abs(r.lin.value(values)) for r in m.requires
             if r.sense != "==" and not all(n in ints and k.denominator == 1 for n, k in r.lin.terms)]
    return min(gaps, default=Fraction(1))


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.stem)
def test_scip_model_with_inputs_fixed_reproduces_the_interpreter(path):
    d = load_domain(path)
    plan = parse_plan(known_plan(path), d)
    m, u = build(d, plan), unroll(d, plan)
    rng = random.Random(1)
    compared = 0
    for _ in range(5):
        s = random_scenario(d, rng)
        o, inputs = run(d, plan, s), scenario_env(u, s)
        status, r, states = peer_scip.at_scenario(m, inputs)
        if not o.valid:
            assert r is None, status
            continue
        if _margin(m, evaluate(m, inputs)) < Fraction(1, 10**5):
            continue                # within SCIP's feasibility tolerance of a boundary
        assert r == pytest.approx(float(o.reward), rel=1e-6, abs=1e-6)
        for t, step in enumerate(o.trace):
            for name, value in step.state.items():
                if f"{name}@{t + 1}" in states:
                    assert states[f"{name}@{t + 1}"] == pytest.approx(float(value), rel=1e-6, abs=1e-6)
        compared += 1
    assert compared, "no scenario away from the boundaries: the test would check nothing"


def _brute_force_worst(d, plan) -> Fraction:
    values = [Scenario({"k": Fraction(k)}, {}, {"d": (Fraction(a), Fraction(b))})
              for k, a, b in itertools.product(range(1, 4), range(-2, 3), range(-2, 3))]
    return min(o.reward for o in (run(d, plan, s) for s in values) if o.valid)


@pytest.mark.parametrize("solver", [peer_scip, peer_gurobi], ids=["scip", "gurobi"])
def test_peer_optimum_is_the_brute_force_worst_case(solver):
    d = load_text(TINY, "tiny.rwd")
    for text in ("go(0); go(1)", "go(1); go(0)", "go(1); go(1)"):
        plan = parse_plan(text, d)
        m = build(d, plan)
        assert validate(m, [random_scenario(d, random.Random(i)) for i in range(20)]) == []
        r = solver.solve(m, 20.0)
        worst = _brute_force_worst(d, plan)
        assert r.status == "optimal"
        assert r.primal == pytest.approx(float(worst), abs=1e-6)
        assert r.dual == pytest.approx(float(worst), abs=1e-5) and r.to_1 is not None


def test_integer_comparisons_are_exact_not_closures():
    d = load_text(TINY, "tiny.rwd")
    m = build(d, parse_plan("go(0); go(1)", d))
    assert m.relaxations and all("line" in r for r in m.relaxations)   # real x: closures, reported
    d2 = load_text(TINY.replace("state x : real", "state x : int").replace("x^2 / 10", "x^2"), "t2.rwd")
    m2 = build(d2, parse_plan("go(0); go(1)", d2))
    cmps = [a for a in m2.defs if a.op == "cmp"]
    assert m2.relaxations == () and cmps and all(a.args[2] for a in cmps)
    # the false side of an integer `x*k > 3` is `x*k <= 3`, not the closure `x*k >= 3`'s complement
    assert all(a.args[0] in ("<=", ">=") for a in cmps)


def test_gurobi_size_limited_license_is_reported_as_refused():
    d = load_domain(next(p for p in domain_files() if p.stem == "drone")).with_horizon(200)
    m = build(d, tuple([d.instances()[1]] * 200))
    assert len(m.variables) < 2000 < len(m.variables) + len(m.defs) + len(m.requires)
    r = peer_gurobi.solve(m, 5.0)
    assert r.status == "refused (license size limit)" and r.primal is None and r.to_1 is None


def test_peer_solvers_are_imported_only_when_a_peer_runs():
    import subprocess
    import sys
    code = ("import sys, planner.cli, corpus.bench, corpus.peers, prover.backends.peer_scip, prover.backends.peer_gurobi; "
            "bad = [m for m in ('pyscipopt', 'gurobipy') if m in sys.modules]; assert not bad, bad")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def _rounding(bits):
    """The rigorous replay, rounding past `bits`-bit denominators (as if exact numbers exploded)."""
    from prover.bounds.point import replay_at
    return lambda u, p: replay_at(u, p, bits)


@pytest.mark.parametrize("stem", ["sir", "drone", "portfolio"])
def test_where_exact_numbers_explode_the_float_model_is_checked_against_enclosures(stem, monkeypatch):
    """At long horizons the exact interpreter and the exact model cannot be run: the model in
    floats must fall in the rigorous enclosure of R and agree on validity; a wrong conversion is
    still caught, and no exact interpreter run happens on this path."""
    from prover.backends import peer_validate
    path = next(p for p in domain_files() if p.stem == stem)
    d = load_domain(path)
    m = build(d, parse_plan(known_plan(path), d))
    scenarios = [random_scenario(d, random.Random(s)) for s in range(6)]
    monkeypatch.setattr(peer_validate, "run", lambda *a: pytest.fail("an exact interpreter run"))
    assert validate(m, scenarios, _rounding(8)) == []
    i = next(i for i, x in enumerate(m.defs) if x.op == "mul")
    wrong = replace(m, defs=m.defs[:i] + (replace(m.defs[i], op="div"),) + m.defs[i + 1:])
    assert len(validate(wrong, scenarios, _rounding(8))) >= 3
