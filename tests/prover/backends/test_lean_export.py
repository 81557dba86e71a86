"""The Lean export against the interpreter.

No Lean toolchain runs here, so the semantics are tested through the export's own printer: the
same `Renderer` (DAG sharing, `let` order, parenthesization) and the same claim and hypothesis
expressions, printed with a Python syntax and evaluated, must agree with the reference
interpreter on random expressions and on random plans and scenarios of every corpus domain.
The Lean syntax itself is checked as text; where `lean` and a Mathlib project are present
(`WARRANT_LEAN_PROJECT`), the generated file is also elaborated by Lean.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from corpus import domain_files, known_plan
from dsl.interp import run
from dsl.load import load_domain
from dsl.plan import parse_plan
from dsl.scenario import random_scenario
from planner.cli import main
from prover.backends.lean_export import claim_roots, hypothesis_roots, ident, lean_theorem
from prover.backends.terms import Renderer, Syntax
from prover.calculus.unroll import scenario_env, unroll
from tests.prover.strategies import VARS, box_and_point, boolean, interpreter_value, numeric

PY_COMPARE = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
PYTHON = Syntax(
    num=lambda q: f"Fraction({q.numerator}, {q.denominator})",
    boolean=lambda b: str(b),
    var=lambda v: f"env[{v.name!r}]",
    binop=lambda op, a, b: f"({a} {op} {b})",
    power=lambda a, n: f"({a} ** {n})",
    neg=lambda a: f"(-{a})",
    func=lambda f, args: f"{f}({', '.join(args)})",
    compare=lambda op, a, b, props: f"({a} {PY_COMPARE[op]} {b})",
    logic=lambda op, a, b: f"({a} {op} {b})",
    negate=lambda a: f"(not {a})",
    ite=lambda c, a, b: f"({a} if {c} else {b})",
    let=lambda name, prop, value, body: f"[{body} for {name} in [{value}]][0]",
    local=lambda k: f"t{k}",
)


def py_eval(text: str, env: dict):
    return eval(text, {"Fraction": Fraction, "env": env})        # noqa: S307 (our own printer's output)


@settings(max_examples=300, deadline=None)
@given(e=st.one_of(numeric(3), boolean(3)), bp=box_and_point())
def test_random_expressions_print_to_their_meaning(e, bp):
    _, point = bp
    want = interpreter_value(e, point)
    assert py_eval(Renderer(PYTHON, VARS).render([e], lambda parts: parts[0]), point) == want


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.stem)
def test_claim_and_hypotheses_mean_what_the_interpreter_says(path):
    d = load_domain(path)
    rng = random.Random(path.stem)
    plans = [parse_plan(known_plan(path), d)] + [tuple(rng.choice(d.instances()) for _ in range(d.horizon))
                                                 for _ in range(5)]
    valid = 0
    for plan in plans:
        u = unroll(d, plan)
        s = random_scenario(d, rng)
        env = scenario_env(u, s)
        o = run(d, plan, s)
        r = Renderer(PYTHON, u.variables)
        for _, h in hypothesis_roots(u):                           # an admissible scenario
            assert py_eval(r.render([h], lambda parts: parts[0]), env) is True
        for bound in (o.reward, o.reward + Fraction(1, 100)) if o.valid else (Fraction(-10**9),):
            claim = r.render(claim_roots(u, bound), lambda parts: " and ".join(parts))
            assert py_eval(claim, env) == (o.valid and o.reward >= bound)
        valid += o.valid
    assert valid, "no plan was valid in its scenario: the reward conjunct went untested"


def _theorem(stem: str, bound: str = "-1000") -> tuple[str, object]:
    path = next(p for p in domain_files() if p.stem == stem)
    d = load_domain(path)
    u = unroll(d, parse_plan(known_plan(path), d))
    return lean_theorem(u, Fraction(bound)), u


@pytest.mark.parametrize("stem", ["thermostat", "sir", "grid_delivery", "drone"])
def test_lean_text_declares_every_variable_and_shares_states(stem):
    text, u = _theorem(stem)
    lean_type = {"real": "ℝ", "int": "ℤ", "bool": "Bool"}
    for v in u.variables:
        assert text.count(f"({ident(v.name)} : {lean_type[v.vtype]})") == 1
        if v.vtype != "bool":
            assert f"({ident('h_' + v.name)} : " in text
    assert text.count("(«assume_") == len(u.assumes)
    body = text.split("-/\n", 1)[1]
    assert body.count("(") == body.count(")") and "--" not in body and "sorry" in body
    assert "import Mathlib" in body and "open Classical in" in body
    lets = re.findall(r"let «#(\d+)» : (ℝ|Prop) :=", body)
    assert [int(k) for k, _ in lets] == list(range(len(lets)))
    for k, _ in lets:                                   # each shared node is used after its let
        assert body.count(f"«#{k}»") >= 2
    assert len(text) < 400_000                          # shared, not printed as a tree
    assert text.count("/- ") == len(u.conditions) + 1


def test_compile_to_lean_writes_the_file(capsys, tmp_path):
    path = next(p for p in domain_files() if p.stem == "thermostat")
    out = tmp_path / "claim.lean"
    code = main(["compile", str(path), "--plan", known_plan(path), "--bound", "-30", "--to", "lean", "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 0 and "sorry" in printed and out.read_text().startswith("/-\nwarrant: domain thermostat")
    assert "R ≥ -30" in out.read_text()


LEAN_PROJECT = os.environ.get("WARRANT_LEAN_PROJECT")


@pytest.mark.skipif(not (shutil.which("lake") and LEAN_PROJECT),
                    reason="no Lean toolchain: set WARRANT_LEAN_PROJECT to a Mathlib project with lake on PATH "
                           "to elaborate the generated theorems")
@pytest.mark.parametrize("stem", ["thermostat", "sir"])
def test_lean_elaborates_the_statement(tmp_path, stem):
    text, _ = _theorem(stem)
    f = tmp_path / "Claim.lean"
    f.write_text(text)
    done = subprocess.run(["lake", "env", "lean", str(f)], cwd=LEAN_PROJECT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "declaration uses 'sorry'" in done.stdout + done.stderr
