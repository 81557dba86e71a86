"""Every verification names why it ended (`stop_reason`), and `--strategy z3 --tightest` does not
give up when z3's Optimize does: a bisection of plain `R >= t` checks certifies a bound."""
from __future__ import annotations

import json
from fractions import Fraction

import pytest

from corpus import domain_files, known_plan
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from planner.cli import main
from prover.check.checker import check_certificate
from prover.search.loop import Budget
from prover.search.verify import STOP_REASONS, verify_search
from prover.search.verify_z3 import verify_z3

THERMO = next(p for p in domain_files() if p.stem == "thermostat")

# The infimum of R (-74, as x tends to 0 from above) is not attained: z3's Optimize answers with
# an epsilon, which is no rational minimum, and `--tightest` used to end UNKNOWN in a fraction of
# a second though `--bound -75` is proved at once.
NOT_ATTAINED = """
domain eps
horizon 2
disturbance d : real in [-1, 1]
state x : real in [-10, 10] init 0
action go {
  x' = x + d
}
reward step = if x > 0 then x - 37 else 5
"""


def _thermostat():
    d = load_domain(THERMO)
    return d, parse_plan(known_plan(THERMO), d)


@pytest.mark.parametrize("bound, nodes, want", [
    (Fraction(-30), 20_000, "bound proved"),
    (Fraction(-22), 20_000, "refuted"),
    (None, 20_000, "gap reached"),
    (None, 1, "node budget"),
])
def test_search_results_name_their_stop_reason(bound, nodes, want):
    d, plan = _thermostat()
    r = verify_search(d, plan, bound, "largest-first", Budget(nodes, 60), smt=False)
    assert r.stop_reason == want and r.stop_reason in STOP_REASONS
    if want == "node budget":
        assert "node budget" in r.note


def test_dominated_is_a_stop_reason():
    d, plan = _thermostat()
    r = verify_search(d, plan, None, "largest-first", Budget(20_000, 60), smt=False, stop_at_or_below=Fraction(0))
    assert r.verdict == "unknown" and r.stop_reason == "dominated"


def test_z3_tightest_certifies_a_bound_when_optimize_gives_up():
    d = load_text(NOT_ATTAINED, "eps.rwd")
    plan = parse_plan("go; go", d)
    r = verify_z3(d, plan, None, 30, Fraction(1, 100))
    assert r.verdict == "proved" and r.stop_reason == "gap reached"
    worst = r.worst_found.outcome.reward
    assert r.lower_bound <= -74 < worst and worst - r.lower_bound <= abs(worst) / 100
    check_certificate(d, r.certificate)


def test_cli_prints_the_stop_reason_in_text_and_json(capsys, tmp_path):
    f = tmp_path / "eps.rwd"
    f.write_text(NOT_ATTAINED)
    base = ["verify", str(f), "--plan", "go; go", "--tightest", "--strategy", "z3", "--time-limit", "20"]
    assert main(base + ["--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["verdict"] == "proved" and obj["stop_reason"] == "gap reached"
    assert main(base) == 0
    assert "stopped: gap reached" in capsys.readouterr().out
    assert main(["verify", str(f), "--plan", "go; go", "--bound", "-69", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["stop_reason"] == "refuted"
