"""Horizons 1,000 and 10,000 end to end through the command line: check, simulate, verify,
check-cert. Unrolled expressions are then DAGs thousands of nodes deep, and every pass over them
must be iterative (the checker's range evaluator once raised RecursionError at horizon 250,
after the search had proved the claim). Verdicts are compared with the interpreter's worst case."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest

from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import Scenario
from planner.cli import main

# One uncertain rate: the worst case is its largest value (R falls as s grows).
DEEP = """domain deep
horizon 10
param p : real in [0, 1/10000]
state s : real in [-10, 10] init 0
state on : bool init true
action go {
  s' = s + p
  on' = on and s <= 5
}
reward step = -s
reward final = if on then 1 else 0
safe s <= 2
"""

# A fresh disturbance at every step as well: a thousand uncertain variables at horizon 1,000.
DRIFT = """domain drift
horizon 10
param p : real in [0, 1/1000]
disturbance d : real in [-1/1000, 1/1000]
state s : real in [-100, 100] init 0
action go { s' = s + p + d }
reward step = -s
safe s <= 50
"""


@pytest.fixture
def cli(capsys):
    def call(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err and "internal error" not in err, err
        return code, out, err
    return call


def _worst(path, horizon: int, scenario: Scenario) -> Fraction:
    d = load_domain(path).with_horizon(horizon)
    o = run(d, parse_plan("; ".join(["go"] * horizon), d), scenario)
    assert o.valid
    return o.reward


def _end_to_end(cli, tmp_path, source: str, horizon: int, worst: Scenario, false_bound: bool):
    path = tmp_path / "d.rwd"
    path.write_text(source)
    plan, h, limit = "; ".join(["go"] * horizon), ("--horizon", horizon), ("--time-limit", 600)
    r = _worst(path, horizon, worst)
    code, out, _ = cli("check", path, *h)
    assert code == 0 and f"horizon {horizon}" in out
    code, out, _ = cli("simulate", path, *h, "--plan", plan, "--json")
    assert code == 0 and json.loads(out)["valid"] and len(json.loads(out)["trace"]) == horizon
    cert = tmp_path / "c.json"
    code, out, _ = cli("verify", path, *h, "--plan", plan, "--bound", r - 1, "--cert", cert, *limit, "--json")
    assert code == 0 and json.loads(out)["verdict"] == "proved"
    code, out, _ = cli("check-cert", path, cert)
    assert code == 0 and "certificate valid" in out
    forged = json.loads(cert.read_text())
    forged["claim"]["reward_at_least"] = str(r + 1)               # above the worst case: false
    cert.write_text(json.dumps(forged))
    code, _, err = cli("check-cert", path, cert)
    assert code == 1 and "below the claimed" in err
    if false_bound:
        code, out, _ = cli("verify", path, *h, "--plan", plan, "--bound", r + Fraction(1, 100), *limit, "--json")
        result = json.loads(out)
        assert code == 1 and result["verdict"] == "refuted"
        assert Fraction(result["counterexample"]["value"]) == r


@pytest.mark.parametrize("horizon", [1_000, 10_000])
def test_a_long_horizon_end_to_end(cli, tmp_path, horizon):
    worst = Scenario({"p": Fraction(1, 10000)}, {}, {})
    _end_to_end(cli, tmp_path, DEEP, horizon, worst, false_bound=True)


def test_a_thousand_disturbances_end_to_end(cli, tmp_path):
    worst = Scenario({"p": Fraction(1, 1000)}, {}, {"d": (Fraction(1, 1000),) * 1000})
    _end_to_end(cli, tmp_path, DRIFT, 1000, worst, false_bound=False)
