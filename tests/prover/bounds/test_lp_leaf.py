"""The `lp` leaf: the lifted relaxation holds at every point of its box, its exact dual bound is
a lower bound whatever the duals, certificates with lp leaves re-check, and every mutation of
one is rejected."""
from __future__ import annotations

import copy
import random
from fractions import Fraction
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from corpus import domain_files, known_plan
from dsl.errors import InternalError
from dsl.interp import Evaluator
from dsl.load import load_domain, load_text
from dsl.plan import parse_plan
from prover.check.checker import CertificateRejected, check_certificate
from prover.bounds.interval_exact import MemoRangeEvaluator, to_fraction
from prover.bounds.relaxation import EQ, GE, dual_bound, relax
from prover.search.loop import Budget
from prover.search.verify import verify_search

from tests.prover.strategies import VARS, assert_holds_on_samples, box_and_point, numeric

PORTFOLIO = next(p for p in domain_files() if p.stem == "portfolio")

LINEAR = """domain lin
horizon 4
disturbance demand : real in [0, 3]
assume sum(demand) <= 5
state stock : real in [-20, 20] init 6
action restock(k : int in 0..2) {
  stock' = stock + k - demand
  reward -k / 2
}
reward step = stock / 3 - 1
"""


def _relaxation(e, box):
    bounds = {v.name: ((b[0] == 0, b[1] == 1) if v.vtype == "bool" else b) for v, b in zip(VARS, box)}
    return relax(SimpleNamespace(assumes=()), MemoRangeEvaluator(bounds), [e])


def _q(x) -> Fraction:
    return Fraction(x) if isinstance(x, (int, Fraction)) else to_fraction(x)


def _values(rel, point):
    """Each column's node evaluated by the interpreter at `point` (None: undefined there)."""
    out = []
    for node in rel.columns:
        try:
            out.append(Evaluator(point).eval(node))
        except (InternalError, ZeroDivisionError):
            out.append(None)
    return out


def _holds(row, x) -> bool:
    lhs = sum(_q(a) * x[c] for c, a in row.coeffs)
    return lhs == _q(row.rhs) if row.sense == EQ else lhs >= _q(row.rhs)


@settings(max_examples=400, deadline=None)
@given(e=numeric(3), bp=box_and_point(), seed=st.integers(0, 10 ** 6))
def test_the_relaxation_holds_at_every_point_and_its_dual_bound_is_below_the_value(e, bp, seed):
    box, point = bp
    rel = _relaxation(e, box)
    if rel.objectives[0] is None:
        return
    x = _values(rel, point)
    for c, value in enumerate(x):
        assert value is not None, "a column with finite bounds is defined on the whole box"
        assert _q(rel.lo[c]) <= value <= _q(rel.hi[c])
    for row in rel.rows:
        assert _holds(row, x), row
    rng = random.Random(seed)      # any admissible duals give a lower bound of the objective
    duals = {i: Fraction(rng.randint(0 if r.sense == GE else -3, 3), rng.randint(1, 4))
             for i, r in enumerate(rel.rows) if rng.random() < 0.5}
    assert dual_bound(rel, rel.objectives[0], duals) <= x[rel.objectives[0]]


def _lp_bound(e, box):
    """The exact dual bound of `e`'s relaxation over `box` with HiGHS's duals (None: none)."""
    from prover.backends.lp_highs import LpModel
    rel = _relaxation(e, box)
    answer = LpModel(rel).minimize(rel.objectives[0], 5.0)
    return dual_bound(rel, rel.objectives[0], {i: _q(v) for i, v in answer.duals.items()})


@pytest.mark.parametrize("func, expected", [("min", Fraction(-1)), ("max", Fraction(-3))])
def test_min_and_max_get_their_envelopes_so_the_lp_is_exact_on_a_kink(func, expected):
    """`min(x, y) − (x + y)/2` over [0, 2]² is −|x − y|/2 ≥ −1; with only `w ≤ x, w ≤ y` and
    w's interval the LP said −2 (the queue goals' `q − min(q, service·k)` needed thousands of
    leaves: docs/benchmarks.md). The envelope row makes it exact, for max too: (x + y)/2 −
    2·max(x, y) ≥ −3 (at x = 2, y = 0), where w ≤ 2 alone lets the LP say −4 at x = y = 0."""
    from dsl import ast
    from tests.prover.strategies import P
    x, y = ast.Name("x", P), ast.Name("y", P)
    half = ast.BinOp("/", ast.BinOp("+", x, y, P), ast.Num(Fraction(2), P), P)
    kink = ast.Call(func, (x, y), P)
    e = ast.BinOp("-", kink, half, P) if func == "min" else ast.BinOp("-", half, ast.BinOp("*", ast.Num(Fraction(2), P), kink, P), P)
    box = ((Fraction(0), Fraction(2)), (Fraction(0), Fraction(2)), (Fraction(0), Fraction(0)), (Fraction(0), Fraction(0)), (Fraction(0), Fraction(0)))
    bound = _lp_bound(e, box)
    assert bound is not None and expected - Fraction(1, 10 ** 6) <= bound <= expected


def test_an_undecided_if_lies_between_the_envelopes_of_its_branches():
    """`(if b then x else y) − (x + y)/2` over [0, 2]² with b free is ±(x − y)/2 ≥ −1; with only
    the if's interval the LP said −2."""
    from dsl import ast
    from tests.prover.strategies import P
    x, y = ast.Name("x", P), ast.Name("y", P)
    half = ast.BinOp("/", ast.BinOp("+", x, y, P), ast.Num(Fraction(2), P), P)
    e = ast.BinOp("-", ast.Ite(ast.Name("b", P), x, y, P), half, P)
    box = ((Fraction(0), Fraction(2)), (Fraction(0), Fraction(2)), (Fraction(0), Fraction(0)), (Fraction(0), Fraction(1)), (Fraction(0), Fraction(0)))
    bound = _lp_bound(e, box)
    assert bound is not None and Fraction(-1) - Fraction(1, 10 ** 6) <= bound <= Fraction(-1)


def test_duals_that_are_not_admissible_give_no_bound():
    u_rel = _portfolio_relaxation()
    ge = next(i for i, r in enumerate(u_rel.rows) if r.sense == GE)
    assert dual_bound(u_rel, u_rel.objectives[0], {ge: Fraction(-1)}) is None
    assert dual_bound(u_rel, u_rel.objectives[0], {len(u_rel.rows): Fraction(1)}) is None


def _portfolio_relaxation():
    from prover.calculus.goals import root_box
    from prover.bounds.interval_exact import ExactBoxFacts
    from prover.calculus.unroll import unroll
    d = load_domain(PORTFOLIO)
    u = unroll(d, parse_plan(known_plan(PORTFOLIO), d))
    return relax(u, ExactBoxFacts(u).evaluator(root_box(u.variables)), [u.reward])


@pytest.fixture(scope="module")
def lp_proof():
    d = load_domain(PORTFOLIO)
    plan = parse_plan(known_plan(PORTFOLIO), d)
    r = verify_search(d, plan, None, "heuristic", Budget(2000, 30), smt=False, use_lp=True)
    assert r.verdict == "proved"
    report = check_certificate(d, r.certificate)
    assert report.leaves.get("lp"), "the relaxation closes part of the portfolio proof"
    return d, plan, r


def test_an_lp_proved_bound_holds_on_10000_sampled_scenarios(lp_proof):
    d, plan, r = lp_proof
    assert_holds_on_samples(d, plan, r.lower_bound, seed=1)


def _lp_leaves(tree):
    stack = [tree]
    while stack:
        n = stack.pop()
        if n.get("leaf") == "lp":
            yield n
        stack.extend(n.get("children", ()))


def _mutations(cert):
    def edit(f):
        c = copy.deepcopy(cert)
        f(c, next(_lp_leaves(c["proofs"]["reward"])))
        return c

    def scale(leaf, factor):
        k = max(leaf["duals"], key=lambda k: abs(Fraction(leaf["duals"][k])))
        leaf["duals"][k] = str(Fraction(leaf["duals"][k]) * factor)

    yield "dual doubled", edit(lambda c, leaf: scale(leaf, 2))
    yield "dual halved", edit(lambda c, leaf: scale(leaf, Fraction(1, 2)))
    yield "duals dropped", edit(lambda c, leaf: leaf.update(duals={}))
    yield "duals missing", edit(lambda c, leaf: leaf.pop("duals"))
    yield "row shifted", edit(lambda c, leaf: leaf.update(duals={str(int(k) + 1): v for k, v in leaf["duals"].items()}))
    yield "unknown row", edit(lambda c, leaf: leaf["duals"].update({"999999": "1"}))
    yield "row not a number", edit(lambda c, leaf: leaf["duals"].update({"x1": "1"}))
    yield "unicode digits", edit(lambda c, leaf: leaf["duals"].update({"\u0661": "1"}))
    yield "bound one unit higher", edit(lambda c, leaf: c["claim"].update(
        reward_at_least=str(Fraction(c["claim"]["reward_at_least"]) + 1)))
    yield "lp leaf for validity", edit(lambda c, leaf: c["proofs"].update(valid={"leaf": "lp", "duals": {}}))


def test_every_mutation_of_an_lp_leaf_is_rejected(lp_proof):
    d, _, r = lp_proof
    for name, cert in _mutations(r.certificate):
        with pytest.raises(CertificateRejected):
            check_certificate(d, cert)
            pytest.fail(f"accepted the mutation: {name}")


def test_linear_goals_get_their_exact_worst_case():
    d = load_text(LINEAR, "lin.rwd")
    plan = parse_plan("restock(1); restock(1); restock(1); restock(1)", d)
    with_lp = verify_search(d, plan, None, "heuristic", Budget(1000, 30), smt=False, use_lp=True)
    assert with_lp.verdict == "proved"
    assert with_lp.lower_bound == with_lp.worst_found.outcome.reward == Fraction(-2, 3)
    check_certificate(d, with_lp.certificate)
    without = verify_search(d, plan, None, "heuristic", Budget(1000, 30), smt=False, use_lp=False)
    assert without.lower_bound < with_lp.lower_bound


DRONE = next(p for p in domain_files() if p.stem == "drone")


def _first_step(leaf: dict) -> dict:
    """The first tightening step of an lp leaf (a round: a list of steps, or a prefix's round)."""
    first = leaf["tighten"][0]
    return (first["steps"] if isinstance(first, dict) else first)[0]


def test_tightened_lp_leaves_recheck_and_their_mutations_are_rejected():
    """Drone closes at the root: bound tightening (OBBT rounds with dual certificates) then the
    relaxation prove validity and R; every mutation of a round or its duals is rejected."""
    d = load_domain(DRONE)
    plan = parse_plan(known_plan(DRONE), d)
    r = verify_search(d, plan, None, "heuristic", Budget(3000, 60), smt=False, use_lp=True)
    assert r.verdict == "proved"
    assert check_certificate(d, r.certificate).leaves.get("lp")
    for kind in ("valid", "reward"):
        leaf = next(_lp_leaves(r.certificate["proofs"][kind]), None)
        assert leaf is not None and leaf.get("tighten"), f"the {kind} proof has a tightened lp leaf"

    def mutated(kind, f):
        c = copy.deepcopy(r.certificate)
        f(next(_lp_leaves(c["proofs"][kind])))
        return c

    def negate(leaf):              # a negative multiplier on an inequality row proves nothing
        step = _first_step(leaf)
        step["duals"] = {k: "-1" for k in step["duals"]}

    def first_round(leaf):
        return leaf["tighten"][0]

    mutations = (lambda leaf: leaf.pop("tighten"), negate, lambda leaf: _first_step(leaf).update(q=10 ** 6),
                 lambda leaf: _first_step(leaf).update(side="up"),
                 lambda leaf: leaf.update(tighten="all"),
                 lambda leaf: first_round(leaf).update(reach=10 ** 6),
                 lambda leaf: first_round(leaf).update(since=first_round(leaf)["reach"] + 1),
                 lambda leaf: first_round(leaf).update(reach="2"))
    # R's bound needs every round (validity, the conditions' margins: only some of them)
    dropped = (lambda leaf: leaf["tighten"].pop(0), lambda leaf: leaf["tighten"].pop())
    for kind in ("valid", "reward"):
        for mutation in mutations + (dropped if kind == "reward" else ()):
            with pytest.raises(CertificateRejected):
                check_certificate(d, mutated(kind, mutation))


QUEUE = """domain queue
horizon 7
param service : real in [2.61, 3.88]
disturbance arrivals : real in [0, 3]
state q : real in [0, 200] init in [2, 4]
state served : real in [0, 1000] init 0
action staff(k : int in 1..3) {
  q' = max(q - min(q, service * k), 0) + arrivals
  served' = served + min(q, service * k)
  reward -0.87 * k
}
reward step = -0.56 * q - 0.043 * max(q - 7, 0)^2
"""


@pytest.fixture(scope="module")
def queue_proof():
    """The tightest bound of a generated queue goal, closed by the lp leaf with the min/max
    envelope rows (it took thousands of leaves without them)."""
    d = load_text(QUEUE, "queue.rwd")
    plan = parse_plan("staff(3); staff(3); staff(1); staff(2); staff(3); staff(1); staff(1)", d)
    r = verify_search(d, plan, None, "heuristic", Budget(2000, 30), smt=False, use_lp=True)
    assert r.verdict == "proved"
    assert check_certificate(d, r.certificate).leaves.get("lp")
    return d, plan, r


def test_a_bound_the_kink_envelopes_prove_holds_on_10000_sampled_scenarios_and_mutations_are_rejected(queue_proof):
    d, plan, r = queue_proof
    assert_holds_on_samples(d, plan, r.lower_bound, seed=2)
    assert r.worst_found is not None and r.lower_bound >= r.worst_found.outcome.reward * Fraction(1001, 1000)
    # Scaling or dropping the duals may leave a valid certificate here: weak duality holds for any
    # admissible multipliers, and the leaf's checked tightening rounds may bound R by themselves.
    # Every other mutation must fail, the claim one unit higher above all (the worst found is
    # within 0.1% of the bound).
    for name, cert in _mutations(r.certificate):
        if name in ("dual doubled", "dual halved", "duals dropped"):
            continue
        with pytest.raises(CertificateRejected):
            check_certificate(d, cert)
            pytest.fail(f"accepted the mutation: {name}")
