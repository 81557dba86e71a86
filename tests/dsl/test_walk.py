"""Every pass over expression DAGs is iterative: a chain far deeper than Python's recursion
limit goes through each of them (the checker's recursive range evaluator once raised
RecursionError at horizon 250, after the search had proved the claim)."""
from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from dsl import ast
from dsl.errors import InternalError
from dsl.interp import Evaluator
from dsl.ranges import MaybeZeroDivisor, RangeEvaluator
from dsl.walk import DagWalker
from prover.bounds.derivative import gradients
from prover.bounds.interval import BoxEvaluator
from prover.bounds.interval_exact import MemoRangeEvaluator
from prover.bounds.mean_value import decide
from prover.backends.terms import Renderer
from prover.calculus.unroll import UVar
from prover.backends.z3_backend import Compiler

from tests.prover.strategies import VARS, box_and_point, interpreter_value, numeric

P = ast.Pos(0, 0, 0, 0)
DEPTH = 10 * sys.getrecursionlimit()
X = ast.Name("x", P)
B = ast.Name("b", P)


def _chain(depth: int = DEPTH) -> ast.Expr:
    """x, then e*1 + (if b then x else 1) - x over and over: a DAG as deep as `depth` whose
    value is x when b holds."""
    e = X
    for _ in range(depth):
        e = ast.BinOp("-", ast.BinOp("+", ast.BinOp("*", e, ast.Num(Fraction(1), P), P),
                                     ast.Ite(B, X, ast.Num(Fraction(1), P), P), P), X, P)
    return e


def _ite_chain(depth: int = DEPTH) -> ast.Expr:
    e = X
    for _ in range(depth):
        e = ast.Ite(B, e, X, P)
    return e


def _condition(depth: int = DEPTH) -> ast.Expr:
    e = ast.Compare(">=", X, ast.Num(Fraction(0), P), P)
    for k in range(depth):
        e = ast.BoolOp("and" if k % 2 else "or", e, ast.Not(ast.Compare("<=", X, ast.Num(Fraction(k), P), P), P), P)
    return e


def test_the_interpreter_and_the_range_evaluators_walk_deep_dags():
    e = _chain()
    value = Evaluator({"x": Fraction(1), "b": True}).eval(e)
    assert value == 1
    for ev in (RangeEvaluator({"x": (Fraction(0), Fraction(1)), "b": (True, True)}),
               MemoRangeEvaluator({"x": (Fraction(0), Fraction(1)), "b": (True, True)})):
        lo, hi = ev.eval(e)
        assert lo <= value <= hi
    cond = _condition()                      # ... and not x <= DEPTH - 1: false for x in [1, 2]
    assert Evaluator({"x": Fraction(1)}).eval(cond) is False
    assert RangeEvaluator({"x": (Fraction(1), Fraction(2))}).eval(cond) == (True, False)


def test_the_other_passes_walk_deep_dags():
    variables = (UVar("x", "param", "x", None, "real", Fraction(0), Fraction(1)),
                 UVar("b", "param", "b", None, "bool", None, None))
    e, cond = _chain(), _condition()
    (lo, hi), (f, t) = BoxEvaluator([e, cond], variables).eval(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
    assert lo[0] <= 1 <= hi[0] and f[0] and not t[0]
    grad_x, grad_b = gradients([ast.BinOp("*", e, e, P)], ("x",))[0] + (None,)
    assert grad_x is not None
    assert decide(cond, lambda cmp: (Fraction(-1), Fraction(1))) == (True, True)
    unrolled = type("U", (), {"variables": variables})()       # all the Z3 compiler reads
    term = Compiler(unrolled).term(ast.Compare("<=", e, ast.Num(Fraction(3), P), P))
    assert term is not None
    syntax = _python_syntax()
    shallow = 2 * sys.getrecursionlimit()      # printed text of unshared chains grows quadratically
    roots = [ast.Ite(_condition(shallow), X, X, P), ast.Compare("==", _ite_chain(shallow), X, P)]
    text = Renderer(syntax, variables).render(roots, lambda xs: " and ".join(xs))
    assert text.startswith("(") and text.endswith("== x)")


def _python_syntax():
    from prover.backends.terms import Syntax
    return Syntax(num=str, boolean=str, var=lambda v: v.name, binop=lambda op, a, b: f"({a} {op} {b})",
                  power=lambda a, k: f"({a} ** {k})", neg=lambda a: f"(-{a})",
                  func=lambda f, xs: f"{f}({', '.join(xs)})", compare=lambda op, a, b, prop: f"({a} {op} {b})",
                  logic=lambda op, a, b: f"({a} {op} {b})", negate=lambda a: f"(not {a})",
                  ite=lambda c, a, b: f"({a} if {c} else {b})", let=lambda n, prop, v, body: body,
                  local=lambda k: f"_v{k}")


class _Counting(DagWalker):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def _Name(self, e):
        self.calls += 1
        return 1

    def _Num(self, e):
        self.calls += 1
        return e.value

    def _BinOp(self, e):
        self.calls += 1
        a = yield e.left
        b = yield e.right
        return a + b


def test_each_shared_node_is_handled_once():
    e = X
    for _ in range(200):                      # 2^200 paths, 201 nodes
        e = ast.BinOp("+", e, e, P)
    w = _Counting()
    assert w.eval(e) == 2 ** 200 and w.calls == 201
    assert w.eval(e) == 2 ** 200 and w.calls == 201          # memoised across calls


def test_a_kind_without_a_handler_is_an_internal_error():
    with pytest.raises(InternalError, match="_Counting has no rule for Ite nodes"):
        _Counting().eval(ast.BinOp("+", X, ast.Ite(B, X, X, P), P))


def test_an_if_walks_only_the_branch_its_condition_takes():
    """A decided `if` never evaluates the other branch (its divisor may be 0 there)."""
    zero_div = ast.BinOp("/", X, ast.BinOp("-", X, X, P), P)
    e = ast.Ite(ast.Compare(">=", X, ast.Num(Fraction(0), P), P), X, zero_div, P)
    assert RangeEvaluator({"x": (Fraction(1), Fraction(2))}).eval(e) == (1, 2)
    assert Evaluator({"x": Fraction(1)}).eval(e) == 1
    with pytest.raises(MaybeZeroDivisor):
        RangeEvaluator({"x": (Fraction(-1), Fraction(2))}).eval(e)


@settings(max_examples=150, deadline=None)
@given(e=numeric(3), bp=box_and_point())
def test_the_ported_range_evaluators_enclose_the_interpreter(e, bp):
    box, point = bp
    value = interpreter_value(e, point)
    bounds = {v.name: ((b[0] == 0, b[1] == 1) if v.vtype == "bool" else b) for v, b in zip(VARS, box)}
    for ev in (RangeEvaluator(bounds), MemoRangeEvaluator(bounds)):
        try:
            lo, hi = ev.eval(e)
        except MaybeZeroDivisor:
            continue
        assert lo <= value <= hi


class _Alien:
    """Not an expression node: what a new node kind looks like to a pass that lacks its rule."""

    pos = P


def _ported_passes():
    from prover.backends.terms import Renderer
    from prover.bounds.derivative import uses
    from prover.calculus.unroll import Substituter, is_linear
    from dsl.typecheck import SizeBound
    variables = (UVar("x", "param", "x", None, "real", Fraction(0), Fraction(1)),)
    unrolled = type("U", (), {"variables": variables})()
    return {
        "interpreter": lambda e: Evaluator({}).eval(e),
        "ranges": lambda e: RangeEvaluator({}).eval(e),
        "exact ranges": lambda e: MemoRangeEvaluator({}).eval(e),
        "sizes": lambda e: SizeBound({}, 1).eval(e),
        "z3": lambda e: Compiler(unrolled).term(e),
        "float intervals": lambda e: BoxEvaluator([e], variables),
        "derivative": lambda e: gradients([e], ("x",)),
        "substitution": lambda e: Substituter({}).sub(e),
        "printer": lambda e: Renderer(_python_syntax(), variables).render([e], " and ".join),
        "linearity": lambda e: is_linear([e]),
        "mentions": lambda e: uses(e, frozenset({"x"}), ast.NodeMemo()),
    }


@pytest.mark.parametrize("name", sorted(_ported_passes()))
def test_every_pass_walks_through_the_one_walker(name):
    """Each pass dispatches through `DagWalker`: a node kind it has no rule for is an internal
    error naming the kind (not a KeyError, a TypeError or a silent wrong answer)."""
    with pytest.raises(InternalError, match="has no rule for _Alien nodes"):
        _ported_passes()[name](ast.Neg(_Alien(), P))
