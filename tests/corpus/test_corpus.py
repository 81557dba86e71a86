"""Every shipped domain checks clean, and its known good plan is valid where it should be."""
from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import Scenario, nominal, random_scenario, validate
from planner.cli import main
from tests.conftest import corpus_cases


def test_at_least_ten_domains():
    assert len(domain_files()) >= 10


@pytest.mark.parametrize("path, plan_text", corpus_cases())
def test_domain_checks_and_known_plan_is_valid(path: Path, plan_text: str, capsys):
    assert main(["check", str(path)]) == 0
    assert "ok" in capsys.readouterr().out
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(f"# {path.name} — "), "each domain opens with what it models"
    d = load_domain(path)
    plan = parse_plan(plan_text, d)
    rng = random.Random(path.stem)
    for s in [nominal(d)] + [random_scenario(d, rng) for _ in range(50)]:
        o = run(d, plan, s)
        assert o.valid, (path.name, o.violation)


def _nominal_best(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# nominal-best plan:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("proxy.rwd names its nominal-best plan")


def test_proxy_trap_is_better_nominally_and_unsafe_in_an_admissible_scenario():
    path = next(p for p in domain_files() if p.stem == "proxy")
    d = load_domain(path)
    good, trap = parse_plan(known_plan(path), d), parse_plan(_nominal_best(path), d)
    assert run(d, trap, nominal(d)).reward > run(d, good, nominal(d)).reward
    one = Fraction(1)
    storm = validate(d, Scenario({"current": one}, {}, {"wave": (one,) * d.horizon}), "storm")
    o = run(d, trap, storm)
    assert not o.valid and o.violation.kind == "safe"
    assert run(d, good, storm).valid
