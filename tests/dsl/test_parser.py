"""The parser builds the AST DSL.md describes: every construct, precedence and associativity."""
from __future__ import annotations

from fractions import Fraction

from dsl import ast
from dsl.load import load_text
from dsl.parser import parse_text


def expr(text: str) -> ast.Expr:
    return parse_text(f"safe {text}").decls[0].expr


def shape(e) -> object:
    """A compact, position-free view of an expression."""
    if isinstance(e, ast.Num):
        return e.value
    if isinstance(e, ast.BoolLit):
        return e.value
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Call):
        return (e.func, *map(shape, e.args))
    if isinstance(e, ast.Neg):
        return ("neg", shape(e.operand))
    if isinstance(e, ast.Not):
        return ("not", shape(e.operand))
    if isinstance(e, ast.Ite):
        return ("if", shape(e.cond), shape(e.then), shape(e.orelse))
    return (e.op, shape(e.left), shape(e.right))


def test_precedence_and_associativity():
    assert shape(expr("-x^2")) == ("neg", ("^", "x", 2))
    assert shape(expr("a - b - c")) == ("-", ("-", "a", "b"), "c")
    assert shape(expr("a / b * c")) == ("*", ("/", "a", "b"), "c")
    assert shape(expr("a + b * c")) == ("+", "a", ("*", "b", "c"))
    assert shape(expr("not a and b")) == ("and", ("not", "a"), "b")
    assert shape(expr("a or b and c")) == ("or", "a", ("and", "b", "c"))
    assert shape(expr("x + 1 <= y * 2")) == ("<=", ("+", "x", 1), ("*", "y", 2))
    assert shape(expr("if a then 1 else 2 + 3")) == ("if", "a", 1, ("+", 2, 3))
    assert shape(expr("2 ^ 3 ^ 2")) == ("^", 2, ("^", 3, 2))
    assert shape(expr("(a + b) * c")) == ("*", ("+", "a", "b"), "c")


def test_atoms_numbers_and_functions():
    assert expr("0.25").value == Fraction(1, 4)
    assert shape(expr("1/3")) == ("/", 1, 3)
    assert shape(expr("min(a, b, 1)")) == ("min", "a", "b", 1)
    assert shape(expr("max(a)")) == ("max", "a")
    assert shape(expr("abs(-x)")) == ("abs", ("neg", "x"))
    assert shape(expr("true != false")) == ("!=", True, False)
    assert shape(expr("a == b")) == ("==", "a", "b")


def test_positions_point_at_the_source():
    e = parse_text("# comment\nsafe  temp >= 20 # trailing\n").decls[0].expr
    assert (e.pos.line, e.pos.col) == (2, 7)
    assert e.left.pos.start == len("# comment\nsafe  ")


def test_every_declaration_kind():
    d = load_text("""
domain all_kinds
horizon 3
discount 0.9
const k = 2
const k2 = k * 3
param p : real in [0, 1] nominal 0.25
param flag : bool nominal true
param n : int in [-2, 2]
disturbance w : int in [0, k2]
disturbance rain : bool
assume sum(w) <= 9 and count(rain) <= 1 and p + u <= 2
state u : real in [-5, 5] init in [0, 1]
state m : int in [0, 100] init k
state on : bool init false
action go(a : int in 1..k, b : int in -1..1) {
  requires m + a <= 100 and not on
  requires b != 0 or flag
  u' = u + a * p - w / (k + 1)
  m' = m + a
  on' = rain
  reward -a / 2
}
action stay { }
reward step = -abs(u) + (if on then 1 else 0)
reward final = m
safe u <= 5
safe m >= 0
""", "all.rwd")
    assert (d.name, d.horizon, d.discount) == ("all_kinds", 3, Fraction(9, 10))
    assert dict(d.consts) == {"k": 2, "k2": 6}
    p, flag, n = d.params
    assert (p.nominal, flag.nominal, n.nominal) == (Fraction(1, 4), True, 0)
    w, rain = d.disturbances
    assert (w.lo, w.hi, w.nominal, rain.vtype) == (0, 6, 3, "bool")
    u, m, on = d.states
    assert u.init_range == (0, 1) and u.nominal == Fraction(1, 2) and m.init == 2 and on.init is False
    go = d.action("go")
    assert [(a.name, a.lo, a.hi) for a in go.args] == [("a", 1, 2), ("b", -1, 1)]
    assert len(go.requires) == 2 and [s for s, _ in go.effects] == ["u", "m", "on"] and go.reward is not None
    assert [str(i) for i in d.instances()][:2] == ["go(1, -1)", "go(1, 0)"] and len(d.instances()) == 7
    assert len(d.assumes) == 1 and len(d.safes) == 2
    assert d.step_reward is not None and d.final_reward is not None
