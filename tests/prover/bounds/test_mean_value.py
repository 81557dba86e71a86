"""The mean-value leaf: its bound encloses the interpreter's value at every point of random
boxes of random expressions (float screen and exact checker), it is tighter than interval
evaluation where it should be, and certificates that use it re-check while false ones do not."""
from __future__ import annotations

import copy
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from dsl import ast
from dsl.errors import InternalError
from dsl.interp import Evaluator
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from corpus import DOMAINS_DIR
from prover.check.checker import CertificateRejected, check_certificate
from prover.bounds.derivative import gradient
from prover.bounds.enclosure import Enclosures
from prover.bounds.evaluation import GoalEvaluator, to_arrays
from prover.bounds.interval_exact import ExactBoxFacts
from prover.bounds.mean_value import FloatMeanValue
from prover.bounds.mean_value_exact import ExactMeanValue
from prover.search.loop import Budget
from prover.calculus.unroll import UVar, unroll
from prover.search.verify import verify_search

from tests.prover.strategies import P, VARS, box_and_point, boolean, numeric
from tests.examples import DRONE_MEAN_VALUE


def _problem(e, variables=VARS):
    return SimpleNamespace(reward=e, variables=variables, domain=SimpleNamespace(horizon=1),
                           assumes=(), conditions=())


def _value(e, point):
    try:
        return Evaluator(point).eval(e)
    except (InternalError, ZeroDivisionError):
        return None


def _corner(box, point, corner):
    return {v.name: (b[1] if c else b[0]) if v.vtype != "bool" else point[v.name]
            for v, b, c in zip(VARS, box, corner)}


@settings(max_examples=500, deadline=None)
@given(e=numeric(3), bp=box_and_point(), corner=st.lists(st.booleans(), min_size=len(VARS), max_size=len(VARS)))
def test_mean_value_forms_enclose_the_interpreter(e, bp, corner):
    box, point = bp
    u = _problem(e)
    exact = ExactMeanValue(ExactBoxFacts(u), [e]).enclosures(box, [0])[0]
    lo, hi = to_arrays([box])
    f_lo, f_hi = FloatMeanValue([e], VARS).enclosures(lo, hi)
    screen = (f_lo[0, 0], f_hi[0, 0])
    for p in (point, _corner(box, point, corner)):
        value = _value(e, p)
        assume(value is not None)
        if exact is not None:
            assert exact[0] <= value <= exact[1]
        assert not np.isfinite(screen[0]) or Fraction(screen[0]) <= value
        assert not np.isfinite(screen[1]) or value <= Fraction(screen[1])
    if exact is not None:
        # what the float search closes, the exact checker confirms
        assert not np.isfinite(screen[0]) or Fraction(screen[0]) <= exact[0]
        assert not np.isfinite(screen[1]) or exact[1] <= Fraction(screen[1])


def _condition(depth: int):
    """Conditions the mean-value form decides: comparisons joined by and / or / not."""
    leaf = st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), numeric(2), numeric(2)).map(
        lambda t: ast.Compare(t[0], t[1], t[2], P))
    if depth == 0:
        return leaf
    sub = _condition(depth - 1)
    return st.one_of(leaf, st.tuples(st.sampled_from(["and", "or"]), sub, sub).map(
        lambda t: ast.BoolOp(t[0], t[1], t[2], P)), sub.map(lambda e: ast.Not(e, P)))


@settings(max_examples=400, deadline=None)
@given(c=_condition(2), bp=box_and_point(), corner=st.lists(st.booleans(), min_size=len(VARS), max_size=len(VARS)))
def test_conditions_the_mean_value_form_proves_hold_everywhere_in_the_box(c, bp, corner):
    """A condition the form decides true (float screen or exact) is true at every point tried."""
    box, point = bp
    u = SimpleNamespace(reward=ast.Num(Fraction(0), P), variables=VARS, domain=SimpleNamespace(horizon=1),
                        assumes=(), conditions=(SimpleNamespace(expr=c),))
    exact_left = ExactBoxFacts(u).mean_value_undecided(box, (0,))
    lo, hi = to_arrays([box])
    float_left = GoalEvaluator.__new__(GoalEvaluator)
    Enclosures.__init__(float_left, u)
    float_left.pins = True
    float_left = float_left.mean_value_undecided(lo, hi, [(0,)])[0]
    if exact_left and float_left:
        return
    for p in (point, _corner(box, point, corner)):
        value = _value(c, p)
        assume(value is not None)
        assert value is True
    assert exact_left == () or float_left != ()       # the checker confirms what the search closes


@settings(max_examples=200, deadline=None)
@given(c=boolean(2), a=numeric(2), b=numeric(2))
def test_an_if_on_an_uncertain_variable_has_no_gradient(c, a, b):
    """R may jump where such a condition flips: the mean-value form would not be an enclosure."""
    from prover.bounds.derivative import uses
    e = ast.Ite(c, a, b, P)
    grad = gradient(e, tuple(v.name for v in VARS))
    names = tuple(v.name for v in VARS)
    if uses(c, frozenset(names), ast.NodeMemo()):
        assert grad is None
    else:      # a constant condition: as differentiable as its branches
        assert (grad is None) == (gradient(a, names) is None or gradient(b, names) is None)


def test_mean_value_is_second_order_where_intervals_are_first_order():
    """x·(1 − x) on [0.49, 0.51]: intervals give [0.2401, 0.2601], the mean-value form
    0.25 ± 0.0002 — the gap to the true minimum 0.2499 shrinks with the square of the width."""
    x = UVar("x", "param", "x", None, "real", None, None)
    one = ast.Num(Fraction(1), P)
    e = ast.BinOp("*", ast.Name("x", P), ast.BinOp("-", one, ast.Name("x", P), P), P)
    box = ((Fraction(49, 100), Fraction(51, 100)),)
    facts = ExactBoxFacts(_problem(e, (x,)))
    naive = facts.enclosure(box)(e)[0]
    mv = ExactMeanValue(facts, [e]).enclosures(box, [0])[0][0]
    assert naive == Fraction(2401, 10000)
    assert mv == Fraction(2498, 10000)
    assert mv <= Fraction(2499, 10000)


DRONE, PLAN, BOUND = DRONE_MEAN_VALUE.path, DRONE_MEAN_VALUE.plan, DRONE_MEAN_VALUE.bound


@pytest.fixture(scope="module")
def drone_proof():
    d = load_domain(DRONE)
    plan = parse_plan(PLAN, d)
    r = verify_search(d, plan, BOUND, "heuristic", Budget(5000, 60), use_lp=False)   # the lp leaf would close it
    assert r.verdict == "proved"
    return d, plan, r


def _leaves(tree):
    stack, out = [tree], []
    while stack:
        n = stack.pop()
        if "children" in n:
            stack.extend(n["children"])
        else:
            out.append(n)
    return out


def test_a_tight_drone_bound_is_proved_with_mean_value_leaves(drone_proof):
    d, plan, r = drone_proof
    leaves = _leaves(r.certificate["proofs"]["reward"])
    assert any(leaf["leaf"] == "mean-value" for leaf in leaves)
    report = check_certificate(d, r.certificate)
    assert report.leaves.get("mean-value", 0) > 0
    assert r.lower_bound == BOUND <= r.worst_found.outcome.reward


def test_false_mean_value_certificates_are_rejected(drone_proof):
    d, plan, r = drone_proof
    cert = r.certificate
    worst = r.worst_found.outcome.reward

    def mutated(fn):
        m = copy.deepcopy(cert)
        fn(m)
        return m

    def demote(m):            # every mean-value leaf claimed as a plain interval leaf
        for leaf in _leaves(m["proofs"]["reward"]):
            if leaf["leaf"] == "mean-value":
                leaf["leaf"] = "interval"

    mutations = {
        "bound above the worst found": lambda m: m["claim"].__setitem__("reward_at_least", str(worst + Fraction(1, 1000))),
        "interval leaves where mean-value ones were needed": demote,
        "the validity proof collapsed to one mean-value leaf": lambda m: m["proofs"].__setitem__("valid", {"leaf": "mean-value"}),
        "the reward proof collapsed to one mean-value leaf": lambda m: m["proofs"].__setitem__("reward", {"leaf": "mean-value"}),
    }
    for name, fn in mutations.items():
        with pytest.raises(CertificateRejected):
            check_certificate(d, mutated(fn))
            pytest.fail(f"accepted: {name}")


def test_a_mean_value_leaf_over_an_if_on_an_uncertain_variable_is_rejected():
    d = load_text("domain jump\nhorizon 1\nparam a : real in [0, 1]\nstate s : real in [0, 2] init 0\n"
                  "action go { s' = if a > 1/2 then 1 else 0 }\nreward step = s\n")
    u = unroll(d, parse_plan("go", d))
    from prover.check.checker import _check_tree
    from prover.calculus.objective import AtLeast
    with pytest.raises(CertificateRejected, match="no mean-value bound"):
        _check_tree(u, ExactBoxFacts(u), AtLeast(Fraction(0)), {"leaf": "mean-value"}, "reward", {}, None)


def test_mean_value_leaves_shrink_smears_proofs():
    """The same splits (smear's, midpoints), closing boxes with and without the mean-value form
    (`corpus.headroom`): SIR's validity proof shrinks by more than half, and no proof grows."""
    from corpus import known_plan
    from corpus.headroom import ROOT_CAP, Splitting
    sir = DOMAINS_DIR / "sir.rwd"
    d = load_domain(sir)
    u = unroll(d, parse_plan(known_plan(sir), d))
    sizes = {}
    for kind, bound in (("valid", None), ("reward", -13.25)):
        with_mv, plain = Splitting(u, kind, bound), Splitting(u, kind, bound, mean_value=False)
        sizes[kind] = (with_mv.smear_sizes([with_mv.root], ROOT_CAP)[0], plain.smear_sizes([plain.root], ROOT_CAP)[0])
    assert all(a <= b for a, b in sizes.values())
    assert 2 * sizes["valid"][0] <= sizes["valid"][1]          # 7 against 17 nodes at the time of writing


def _monotone_problem():
    """x·y + x² on [1, 2] × [1, 2]: increasing in both, so its minimum is at the corner (1, 1)."""
    x = UVar("x", "param", "x", None, "real", None, None)
    y = UVar("y", "param", "y", None, "real", None, None)
    e = ast.BinOp("+", ast.BinOp("*", ast.Name("x", P), ast.Name("y", P), P),
                  ast.BinOp("*", ast.Name("x", P), ast.Name("x", P), P), P)
    box = ((Fraction(1), Fraction(2)), (Fraction(1), Fraction(2)))
    return e, (x, y), box


def test_pinning_monotone_variables_gives_the_exact_extremes():
    """Both partial derivatives are positive on the box: the pinned form evaluates f at the
    corners, [2, 8] exactly, where the plain mean-value form only gives [0.5, 8.5]."""
    e, variables, box = _monotone_problem()
    facts = ExactBoxFacts(_problem(e, variables))
    assert ExactMeanValue(facts, [e]).enclosures(box, [0])[0] == (Fraction(2), Fraction(8))
    lo, hi = to_arrays([box])
    f_lo, f_hi = FloatMeanValue([e], variables).enclosures(lo, hi)
    assert 2 - 1e-6 < f_lo[0, 0] <= 2 and 8 <= f_hi[0, 0] < 8 + 1e-6
    assert ExactMeanValue(facts, [e], monotone=False).enclosures(box, [0])[0] == (Fraction(1, 2), Fraction(17, 2))


@settings(max_examples=300, deadline=None)
@given(e=numeric(3), bp=box_and_point())
def test_pinning_never_loosens_the_exact_form(e, bp):
    """Pinning never loosens a bound: the exact form with pins is at least as tight as the
    exact form without (with the enclosure tests above: what the float search closes with pins,
    the checker, which pins at least as much, re-checks)."""
    box, _ = bp
    facts = ExactBoxFacts(_problem(e))
    pinned = ExactMeanValue(facts, [e]).enclosures(box, [0])[0]
    plain = ExactMeanValue(facts, [e], monotone=False).enclosures(box, [0])[0]
    assert (pinned is None) == (plain is None)
    if pinned is not None:
        assert plain[0] <= pinned[0] and pinned[1] <= plain[1]


def test_a_pinned_sir_proof_rechecks_and_false_ones_do_not():
    """A SIR tightest proof to a 10⁻³ gap, closed with pinned forms, re-checks; the checker
    rejects the bound one unit higher and one just above the worst found."""
    d = load_domain(DOMAINS_DIR / "sir.rwd")
    plan = parse_plan("distance(2); distance(2); distance(2); distance(2); distance(1); distance(1); "
                      "distance(1); open", d)
    r = verify_search(d, plan, None, "smear", Budget(2000, 30, Fraction(1, 1000)))
    assert r.verdict == "proved"
    worst = r.worst_found.outcome.reward
    assert worst - r.lower_bound <= Fraction(1, 1000) * abs(worst)
    check_certificate(d, r.certificate)
    for b in (r.lower_bound + 1, worst + Fraction(1, 10**6)):
        bad = copy.deepcopy(r.certificate)
        bad["claim"]["reward_at_least"] = str(b)
        with pytest.raises(CertificateRejected):
            check_certificate(d, bad)


def test_gradients_drop_exactly_neutral_nodes():
    """1·y, a + (−b) and −−a are built as y, a − b and a: the same enclosures, fewer nodes."""
    P0 = ast.Pos(0, 0, 0, 0)
    x, y = ast.Name("x", P0), ast.Name("y", P0)
    dx, dy = gradient(ast.BinOp("*", x, y, P0), ("x", "y"))
    assert dx is y and dy is x
    _, d = gradient(ast.BinOp("-", x, y, P0), ("x", "y"))
    assert isinstance(d, ast.Num) and d.value == -1
    d, = gradient(ast.BinOp("-", x, ast.BinOp("*", x, y, P0), P0), ("x",))
    assert isinstance(d, ast.BinOp) and d.op == "-" and d.right is y
