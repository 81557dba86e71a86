"""The parser builds the AST DSL.md describes: every construct, precedence and associativity."""
from __future__ import annotations

from fractions import Fraction

import pytest

from dsl import ast
from dsl.errors import DslSyntaxError
from dsl.interp import evaluate
from dsl.load import load_text
from dsl.parser import parse_text


def expr(text: str) -> ast.Expr:
    return parse_text(f"safe {text}").decls[0].expr


def shape(e) -> object:
    """A compact, position-free view of an expression: numbers, bools and names as themselves,
    every other node as a tuple (operator, operands...)."""
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
    assert isinstance(e, (ast.BinOp, ast.BoolOp, ast.Compare)), e
    return (e.op, shape(e.left), shape(e.right))


# ---- operators: precedence (loosest first: if, or, and, not, comparisons, + -, * /, unary -, ^)

@pytest.mark.parametrize("text, tree", [
    ("-x^2", ("neg", ("^", "x", 2))),
    ("-2^2", ("neg", ("^", 2, 2))),
    ("a - b - c", ("-", ("-", "a", "b"), "c")),
    ("a + b - c + d", ("+", ("-", ("+", "a", "b"), "c"), "d")),
    ("a / b / c", ("/", ("/", "a", "b"), "c")),
    ("a / b * c", ("*", ("/", "a", "b"), "c")),
    ("a * b / c", ("/", ("*", "a", "b"), "c")),
    ("a + b * c", ("+", "a", ("*", "b", "c"))),
    ("a * b + c", ("+", ("*", "a", "b"), "c")),
    ("a - -b", ("-", "a", ("neg", "b"))),
    ("-a * b", ("*", ("neg", "a"), "b")),
    ("- - a", ("neg", ("neg", "a"))),
    ("2 ^ 3 ^ 2", ("^", 2, ("^", 3, 2))),
    ("a * b ^ 2", ("*", "a", ("^", "b", 2))),
    ("x ^ -1", ("^", "x", ("neg", 1))),
    ("(a + b) * c", ("*", ("+", "a", "b"), "c")),
    ("((a))", "a"),
    ("x + 1 <= y * 2", ("<=", ("+", "x", 1), ("*", "y", 2))),
    ("-x < y", ("<", ("neg", "x"), "y")),
    ("not a and b", ("and", ("not", "a"), "b")),
    ("not a or b", ("or", ("not", "a"), "b")),
    ("not not a", ("not", ("not", "a"))),
    ("not x < 1", ("not", ("<", "x", 1))),
    ("a or b and c", ("or", "a", ("and", "b", "c"))),
    ("a and b or c", ("or", ("and", "a", "b"), "c")),
    ("a or b or c", ("or", ("or", "a", "b"), "c")),
    ("a and b and c", ("and", ("and", "a", "b"), "c")),
    ("x < 1 and y >= 2", ("and", ("<", "x", 1), (">=", "y", 2))),
    ("(a == b) == c", ("==", ("==", "a", "b"), "c")),
    ("if a then 1 else 2 + 3", ("if", "a", 1, ("+", 2, 3))),
    ("if a then b else c or d", ("if", "a", "b", ("or", "c", "d"))),
    ("if a or b then x else y", ("if", ("or", "a", "b"), "x", "y")),
    ("if a then if b then 1 else 2 else 3", ("if", "a", ("if", "b", 1, 2), 3)),
    ("if a then 1 else if b then 2 else 3", ("if", "a", 1, ("if", "b", 2, 3))),
    ("1 + (if a then 1 else 2)", ("+", 1, ("if", "a", 1, 2))),
    ("abs(x - 21) + 1", ("+", ("abs", ("-", "x", 21)), 1)),
    ("-abs(x) ^ 2", ("neg", ("^", ("abs", "x"), 2))),
])
def test_precedence_and_associativity(text, tree):
    assert shape(expr(text)) == tree


@pytest.mark.parametrize("op", ["<", "<=", ">", ">=", "==", "!="])
def test_every_comparison_operator(op):
    assert shape(expr(f"x {op} y + 1")) == (op, "x", ("+", "y", 1))
    assert isinstance(expr(f"x {op} y"), ast.Compare)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "^"])
def test_every_arithmetic_operator_is_a_binop(op):
    e = expr(f"x {op} 2")
    assert isinstance(e, ast.BinOp) and (e.op, shape(e.left), shape(e.right)) == (op, "x", 2)


@pytest.mark.parametrize("op", ["and", "or"])
def test_logic_operators_are_boolops(op):
    e = expr(f"a {op} b")
    assert isinstance(e, ast.BoolOp) and e.op == op


@pytest.mark.parametrize("text", ["a < b < c", "a == b == c", "a <= b > c", "1 != 2 != 3"])
def test_comparisons_are_non_associative(text):
    with pytest.raises(DslSyntaxError, match="comparisons cannot be chained"):
        expr(text)


@pytest.mark.parametrize("text, value", [
    ("-2^2", -4), ("2^3^2", 512), ("10 - 4 - 3", 3), ("12 / 3 / 2", 2), ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20), ("-3 * 2", -6), ("7 - -1", 8), ("2^0", 1), ("1/3 + 1/6", Fraction(1, 2)),
])
def test_precedence_agrees_with_the_interpreter(text, value):
    assert evaluate(expr(text), {}) == value


# ---- atoms: numbers, booleans, names, calls -------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("0.25", Fraction(1, 4)), ("3", Fraction(3)), ("0", Fraction(0)), ("1.10", Fraction(11, 10)),
    ("007", Fraction(7)), ("0.1", Fraction(1, 10)), ("123456789012345678901234567890", Fraction(123456789012345678901234567890)),
    ("0." + "3" * 30, Fraction(int("3" * 30), 10 ** 30)),
])
def test_numbers_are_exact_rationals(text, value):
    e = expr(text)
    assert isinstance(e, ast.Num) and isinstance(e.value, Fraction) and e.value == value


def test_a_fraction_is_a_division_and_folds_exactly():
    assert shape(expr("1/3")) == ("/", 1, 3)
    assert shape(expr("-7/2")) == ("/", ("neg", 7), 2)
    d = load_text("domain d\nhorizon 1\nconst third = 1/3\nconst half = -7/2 + 3\n"
                  "state x : real in [0, 1] init third\naction a { }\n")
    assert dict(d.consts) == {"third": Fraction(1, 3), "half": Fraction(-1, 2)}
    assert d.states[0].init == Fraction(1, 3)


def test_booleans_and_names():
    assert isinstance(expr("true"), ast.BoolLit) and expr("true").value is True
    assert expr("false").value is False
    assert [shape(expr(n)) for n in ("x", "_x1", "Temp_2", "Min", "STATE", "domains")] == \
        ["x", "_x1", "Temp_2", "Min", "STATE", "domains"]


@pytest.mark.parametrize("text, tree", [
    ("min(a, b, 1)", ("min", "a", "b", 1)),
    ("max(a)", ("max", "a")),
    ("max(a, -b)", ("max", "a", ("neg", "b"))),
    ("abs(-x)", ("abs", ("neg", "x"))),
    ("sum(w)", ("sum", "w")),
    ("count(rain)", ("count", "rain")),
    ("min(max(a, b), abs(c))", ("min", ("max", "a", "b"), ("abs", "c"))),
    ("f(1, 2)", ("f", 1, 2)),          # parsed; the type checker rejects unknown functions
    ("min()", ("min",)),
])
def test_function_calls(text, tree):
    e = expr(text)
    assert isinstance(e, ast.Call) and shape(e) == tree


# ---- lexical rules ---------------------------------------------------------------------------

def test_comments_and_whitespace_have_no_meaning():
    commented = """# a header comment
domain d   # the name
horizon 2  # steps
state x : real in [0, 9] init 0   # comment after a declaration
action a {        # comment after a brace
  # a comment line inside an action
  requires x <= 8 # trailing
  x' = x + 1      # effect
}
safe x <= 9 # no newline at the end"""
    one_line = "domain d horizon 2 state x : real in [0, 9] init 0 action a { requires x <= 8 x' = x + 1 } safe x <= 9"
    a, b = parse_text(commented), parse_text(one_line)
    assert [type(d) for d in a.decls] == [type(d) for d in b.decls]
    assert [shape(d.expr) for d in a.decls if hasattr(d, "expr")] == [shape(d.expr) for d in b.decls if hasattr(d, "expr")]
    assert shape(a.decls[3].body[1].expr) == ("+", "x", 1)


def test_hash_inside_an_expression_starts_a_comment():
    assert shape(parse_text("safe x <= 3 # and y\n").decls[0].expr) == ("<=", "x", 3)


def test_tabs_and_crlf_line_endings():
    program = parse_text("domain d\r\nhorizon 2\r\n\tsafe\tx <= 1\r\n")
    safe = program.decls[2]
    assert (safe.pos.line, safe.pos.col) == (3, 2) and shape(safe.expr) == ("<=", "x", 1)


def test_keywords_are_case_sensitive_and_primed_names_are_lexed_whole():
    e = parse_text("action a { Domain' = Domain }").decls[0].body[0]
    assert isinstance(e, ast.Effect) and e.state == "Domain" and shape(e.expr) == "Domain"


def test_positions_point_at_the_source():
    e = parse_text("# comment\nsafe  temp >= 20 # trailing\n").decls[0].expr
    assert (e.pos.line, e.pos.col) == (2, 7)
    assert e.left.pos.start == len("# comment\nsafe  ")
    assert e.right.pos.col == 15
    program = parse_text("domain d\nhorizon 1\naction go(k : int in 1..2) {\n  x' = k\n}\n")
    go = program.decls[2]
    assert (go.pos.line, go.pos.col) == (3, 8)
    assert (go.args[0].pos.line, go.args[0].pos.col) == (3, 11)
    assert (go.body[0].pos.line, go.body[0].pos.col) == (4, 3)


def test_source_text_of_a_node_is_recoverable():
    text = "domain d\nhorizon 1\nstate x : real in [0, 9] init 0\naction a { }\nsafe x + 1 <= 3\n"
    d = load_text(text)
    assert d.text(d.safes[0]) == "x + 1 <= 3"


# ---- declarations ------------------------------------------------------------------------------

def test_every_declaration_kind_as_written():
    program = parse_text("""
domain all
horizon 3
discount 0.9
const k = 2
param p : real in [0, 1] nominal 0.25
param flag : bool
disturbance w : int in [0, k]
state u : real in [-5, 5] init in [0, 1]
state m : int in [0, 100] init k
state on : bool init false
assume sum(w) <= 9
action go(a : int in 1..k, b : int in -1..1) { requires m + a <= 100  m' = m + a  reward -a }
action stay { }
action pause() { }
reward step = -abs(u)
reward final = m
safe u <= 5
""")
    kinds = [type(d).__name__ for d in program.decls]
    assert kinds == ["DomainDecl", "HorizonDecl", "DiscountDecl", "ConstDecl", "VarDecl", "VarDecl", "VarDecl",
                     "VarDecl", "VarDecl", "VarDecl", "AssumeDecl", "ActionDecl", "ActionDecl", "ActionDecl",
                     "RewardDecl", "RewardDecl", "SafeDecl"]
    dom, hor, disc, const, p, flag, w, u, m, on, assume, go, stay, pause, step, final, safe = program.decls
    assert dom.name == "all" and shape(hor.expr) == 3 and shape(disc.expr) == Fraction(9, 10)
    assert (const.name, shape(const.expr)) == ("k", 2)
    assert (p.kind, p.name, p.vtype, tuple(map(shape, p.range)), shape(p.nominal)) == \
        ("param", "p", "real", (0, 1), Fraction(1, 4))
    assert (flag.kind, flag.vtype, flag.range, flag.nominal) == ("param", "bool", None, None)
    assert (w.kind, w.vtype, tuple(map(shape, w.range)), w.nominal) == ("disturbance", "int", (0, "k"), None)
    assert (u.kind, tuple(map(shape, u.range)), u.init, tuple(map(shape, u.init_range))) == \
        ("state", (("neg", 5), 5), None, (0, 1))
    assert (m.vtype, shape(m.init), m.init_range) == ("int", "k", None)
    assert (on.vtype, on.range, shape(on.init)) == ("bool", None, False)
    assert shape(assume.expr) == ("<=", ("sum", "w"), 9)
    assert [(a.name, shape(a.lo), shape(a.hi)) for a in go.args] == [("a", 1, "k"), ("b", ("neg", 1), 1)]
    req, eff, rew = go.body
    assert isinstance(req, ast.Requires) and shape(req.expr) == ("<=", ("+", "m", "a"), 100)
    assert isinstance(eff, ast.Effect) and (eff.state, shape(eff.expr)) == ("m", ("+", "m", "a"))
    assert isinstance(rew, ast.ActionReward) and shape(rew.expr) == ("neg", "a")
    assert (stay.args, stay.body, pause.args, pause.body) == ((), (), (), ())
    assert (step.which, shape(step.expr)) == ("step", ("neg", ("abs", "u")))
    assert (final.which, shape(final.expr)) == ("final", "m")
    assert shape(safe.expr) == ("<=", "u", 5)


def test_action_items_keep_source_order_and_repeat():
    body = parse_text("action a { x' = 1 requires x > 0 y' = 2 requires y > 0 reward 1 }").decls[0].body
    assert [type(i).__name__ for i in body] == ["Effect", "Requires", "Effect", "Requires", "ActionReward"]


def test_declarations_in_any_order_load():
    d = load_text("""
domain shuffled
safe x <= 9
action a { x' = x + d }
reward final = x
state x : real in [0, 9] init 0
disturbance d : real in [0, 1]
horizon 2
assume sum(d) <= 1
""")
    assert (d.name, d.horizon, [s.name for s in d.states], d.action("a").effects[0][0]) == ("shuffled", 2, ["x"], "x")


def test_the_checked_domain_of_every_declaration_kind():
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
    assert (w.lo, w.hi, w.nominal, rain.vtype, rain.nominal) == (0, 6, 3, "bool", False)
    u, m, on = d.states
    assert u.init_range == (0, 1) and u.nominal == Fraction(1, 2) and m.init == 2 and on.init is False
    go = d.action("go")
    assert [(a.name, a.lo, a.hi) for a in go.args] == [("a", 1, 2), ("b", -1, 1)]
    assert len(go.requires) == 2 and [s for s, _ in go.effects] == ["u", "m", "on"] and go.reward is not None
    assert [str(i) for i in d.instances()][:2] == ["go(1, -1)", "go(1, 0)"] and len(d.instances()) == 7
    assert len(d.assumes) == 1 and len(d.safes) == 2
    assert d.step_reward is not None and d.final_reward is not None


def test_constants_are_folded_and_constant_exponents_evaluated():
    d = load_text("domain d\nhorizon 1\nconst k = 2\nstate x : real in [0, 9] init 1\n"
                  "action a { x' = x ^ (k + 1) }\n")
    _, e = d.action("a").effects[0]
    assert shape(e) == ("^", "x", 3)


def test_defaults_discount_nominals_and_int_midpoints():
    d = load_text("domain d\nhorizon 2\nparam n : int in [0, 3]\nparam r : real in [1, 2]\n"
                  "state s : int in [0, 9] init in [1, 4]\naction a { }\n")
    assert d.discount == 1
    n, r = d.params
    assert (n.nominal, r.nominal, d.states[0].nominal) == (1, Fraction(3, 2), 2)   # ints: floor of the midpoint
