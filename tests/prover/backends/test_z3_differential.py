"""Differential tests: the Z3 compilation, evaluated at a point, equals the interpreter."""
from __future__ import annotations

import random

import pytest
import z3
from hypothesis import given, settings, strategies as st

from corpus import domain_files
from dsl.interp import run
from dsl.load import load_domain
from dsl.scenario import random_scenario
from prover.calculus.unroll import point_scenario, scenario_env, unroll
from prover.backends.z3_backend import Compiler, _fraction
from tests.prover.strategies import VARS, box_and_point, boolean, interpreter_value, numeric


class _U:                     # the slice of Unrolled a Compiler needs for free expressions
    variables = VARS
    assumes = ()
    conditions = ()


def z3_value(compiler: Compiler, term, env: dict):
    subs = [(compiler.vars[name], z3.BoolVal(v) if isinstance(v, bool) else z3.RealVal(f"{v.numerator}/{v.denominator}"))
            for name, v in env.items()]
    value = z3.simplify(z3.substitute(term, *subs))
    if z3.is_true(value) or z3.is_false(value):
        return z3.is_true(value)
    return _fraction(value)[0]


@settings(max_examples=300, deadline=None)
@given(e=st.one_of(numeric(3), boolean(3)), bp=box_and_point())
def test_random_expressions_agree(e, bp):
    _, point = bp
    want = interpreter_value(e, point)
    c = Compiler(_U())
    assert z3_value(c, c.term(e), point) == want


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: p.stem)
def test_random_plans_and_scenarios_agree_on_corpus(path):
    d = load_domain(path)
    rng = random.Random(path.stem)
    for _ in range(8):
        plan = tuple(rng.choice(d.instances()) for _ in range(d.horizon))
        u = unroll(d, plan)
        c = Compiler(u)
        s = random_scenario(d, rng)
        env = scenario_env(u, s)
        o = run(d, plan, s)
        truth = [z3_value(c, c.term(cond.expr), env) for cond in u.conditions]
        assert all(truth) == o.valid
        if o.valid:
            assert z3_value(c, c.reward(), env) == o.reward
        else:
            first = u.conditions[truth.index(False)]
            assert (first.step, first.kind, first.text) == (o.violation.step, o.violation.kind, o.violation.condition)
        assert point_scenario(u, [env[v.name] for v in u.variables]) == s
