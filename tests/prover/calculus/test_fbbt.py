"""FBBT (prover/calculus/fbbt.py): the tightened box keeps every point of the box that meets the
requirements (checked by the reference interpreter at random points), and it does tighten."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings, strategies as st

from dsl import ast
from prover.calculus.fbbt import Requirement, tighten
from tests.prover.strategies import P, VARS, box_and_point, boolean, interpreter_value, numeric

X, Y, N = (ast.Name(n, P) for n in ("x", "y", "n"))
BOX = ((Fraction(0), Fraction(1)), (Fraction(0), Fraction(1)), (Fraction(-3), Fraction(3)),
       (Fraction(0), Fraction(1)), (Fraction(0), Fraction(1)))


def _inside(box, point) -> bool:
    for v, (lo, hi) in zip(VARS, box):
        p = point[v.name]
        p = Fraction(int(p)) if isinstance(p, bool) else p
        if not lo <= p <= hi:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(e=numeric(3), bp=box_and_point(), below=st.sampled_from([None, 0, Fraction(1, 8)]),
       above=st.sampled_from([None, 0, Fraction(1, 8)]))
def test_a_numeric_requirement_keeps_every_point_meeting_it(e, bp, below, above):
    """The point meets `value − below ≤ e ≤ value + above` (tightly, with 0 slack): it stays."""
    box, point = bp
    value = interpreter_value(e, point)
    req = Requirement(e, lo=None if below is None else value - below, hi=None if above is None else value + above)
    got = tighten(VARS, box, [req])
    assert got is not None and _inside(got, point)
    assert all(lo <= nlo <= nhi <= hi for (lo, hi), (nlo, nhi) in zip(box, got))


@settings(max_examples=200, deadline=None)
@given(e=numeric(2), f=numeric(2), bp=box_and_point())
def test_several_requirements_keep_every_point_meeting_them_all(e, f, bp):
    box, point = bp
    a, b = interpreter_value(e, point), interpreter_value(f, point)
    got = tighten(VARS, box, [Requirement(e, hi=a), Requirement(f, lo=b), Requirement(ast.BinOp("-", e, f, P), hi=a - b)])
    assert got is not None and _inside(got, point)


@settings(max_examples=300, deadline=None)
@given(c=boolean(3), bp=box_and_point())
def test_a_boolean_requirement_keeps_every_point_meeting_it(c, bp):
    box, point = bp
    got = tighten(VARS, box, [Requirement(c, truth=interpreter_value(c, point))])
    assert got is not None and _inside(got, point)


def test_a_sum_constraint_narrows_both_operands():
    s = ast.BinOp("+", X, Y, P)
    got = tighten(VARS, BOX, [Requirement(s, hi=Fraction(1, 2)), Requirement(X, lo=Fraction(1, 4))])
    assert got[0] == (Fraction(1, 4), Fraction(1, 2)) and got[1] == (Fraction(0), Fraction(1, 4))


def test_requirements_no_point_meets_leave_nothing():
    s = ast.BinOp("*", X, ast.Num(Fraction(2), P), P)
    assert tighten(VARS, BOX, [Requirement(s, lo=Fraction(3))]) is None


def test_integer_ranges_round_inward():
    c = ast.Compare(">", ast.BinOp("*", N, ast.Num(Fraction(2), P), P), ast.Num(Fraction(3), P), P)
    got = tighten(VARS, BOX, [Requirement(c, truth=True)])
    assert got[2] == (Fraction(2), Fraction(3))      # 2n > 3 (closure 2n >= 3): n >= 3/2, an int: n >= 2
