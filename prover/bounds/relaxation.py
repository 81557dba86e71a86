"""The lifted linear relaxation of an unrolled plan over a box, in exact rationals, and the
weak-duality bound of a dual vector: the trusted half of the `lp` leaf.

Every numeric node of the unrolled DAG (each state at each step, each shared subexpression,
each kink argument, the reward R) is one LP column, bounded by its exact interval over the box.
Each node adds rows that every admissible scenario satisfies when each column takes its node's
true value (DESIGN.md "The lifted calculus"): equalities for sums, negations and products by a
point, McCormick envelopes for products (and for a quotient `w = a / b` as `w · b = a`),
tangents and secants for powers, hulls for `abs`, `min`, `max`, a decided `if` as its branch
(an undecided one between the envelopes of its branches' min and max),
and the assumes' comparisons. So for any admissible x and any y (≥ 0 on `≥` rows)

    R(x) ≥ yᵀd + Σ_j min(r_j l_j, r_j u_j),   r = e_R − Aᵀy        (Neumaier & Shcherbina 2004)

The rows are rebuilt from the box by fixed rules, so the checker needs only the duals: a
floating-point LP solver suggests y, this module judges it exactly, and a wrong y can only
give a weaker (or no) bound. Used by the checker and by the search alike.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from dsl import ast
from dsl.ranges import MaybeZeroDivisor, is_truth_set
from dsl.walk import DagWalker, each
from prover.bounds.margins import Margin, lifted_roots, margin_holds, margins  # noqa: F401 (their old home)

GE, EQ = ">=", "="
BIG = 10 ** 12              # rows with a coefficient beyond this are left out (fewer rows: weaker, still sound)


@dataclass(frozen=True, slots=True)
class Row:
    coeffs: tuple[tuple[int, object], ...]     # (column, exact coefficient), columns distinct
    sense: str                                 # GE or EQ
    rhs: object

    @property
    def equality(self) -> bool:
        return self.sense == EQ


@dataclass(frozen=True)
class Relaxation:
    """The rows and lo ≤ x ≤ hi (exact rationals), to minimise the column of a root."""
    rows: tuple[Row, ...]
    lo: tuple
    hi: tuple
    objectives: tuple                          # the column of each root (None: unbounded)
    inputs: dict                               # variable name → its column (for LP solutions)
    columns: tuple                             # the lifted quantity (DAG node) of each column
    order: tuple                               # every lifted quantity, children first: their numbers
    index: dict                                # id(node) → its column

    def column(self, node) -> int | None:
        """The column of a lifted quantity (None: it has no finite bounds, or is boolean)."""
        return self.index.get(id(node))


def capped(rel: Relaxation, below) -> Relaxation:
    """`rel` over the scenarios with R ≤ `below` (the negated claim: SCIP's objective cutoff):
    the column of the first root, R, bounded above by it. Unchanged where R has no column or
    `below` does not cut its range (R ≥ its lower end > `below`: nothing is left, which the
    plain relaxation's bound of R then proves)."""
    c = rel.objectives[0] if rel.objectives else None
    if below is None or c is None or not rel.lo[c] <= below < rel.hi[c]:
        return rel
    return replace(rel, hi=(*rel.hi[:c], below, *rel.hi[c + 1:]))


class _Builder:
    """Columns and rows for the nodes of one box, from an exact (memoized) range evaluator."""

    def __init__(self, ev):
        self.ev = ev
        self.col: dict[int, int] = {}          # id(node) → column
        self.same: dict = {}                   # `key` → its column
        self.lo, self.hi, self.rows, self.nodes = [], [], [], []

    def bounds(self, node):
        """Exact interval or truth set of `node` (None: unbounded, a divisor may be 0)."""
        try:
            return self.ev.eval(node)
        except MaybeZeroDivisor:
            return None

    def add_column(self, node, iv) -> None:
        self.col[id(node)] = len(self.lo)
        self.nodes.append(node)
        self.lo.append(iv[0])
        self.hi.append(iv[1])

    def key(self, node):
        """What makes two nodes the same quantity: the same operation on the same columns (a
        number: its value). Structurally equal nodes of the unrolled DAG (`beta * s * i` in two
        states' updates) share one column, so the LP sees the identities between them (SIR's
        s + i + r is constant) instead of relaxing each copy apart. None: never shared."""
        if isinstance(node, ast.Num):
            return "num", node.value
        if isinstance(node, ast.Name):
            return "name", node.id
        if not isinstance(node, (ast.BinOp, ast.Neg, ast.Call)):
            return None
        cols = [self.col.get(id(k)) for k in ast.operands(node)]
        if None in cols:
            return None
        op = node.op if isinstance(node, ast.BinOp) else node.func if isinstance(node, ast.Call) else "-"
        if op == "^":
            op = "^", node.right.value
        return type(node).__name__, op, tuple(sorted(cols) if op in ("+", "*", "min", "max") else cols)

    def alias(self, node, c: int, iv) -> None:
        """`node` is column c's quantity too: c's bounds are the intersection of both intervals."""
        self.col[id(node)] = c
        self.lo[c], self.hi[c] = max(self.lo[c], iv[0]), min(self.hi[c], iv[1])

    def row(self, terms, sense: str, rhs) -> None:
        """Σ coef·x (sense) rhs over (node, coef) terms; dropped when a node has no column
        (fewer rows only weaken the relaxation)."""
        merged: dict[int, object] = {}
        if abs(rhs) > BIG:
            return
        for node, coef in terms:
            c = self.col.get(id(node))
            if c is None or abs(coef) > BIG:
                return                 # no column, or a row too wide to help a float LP
            merged[c] = merged.get(c, 0) + coef
        self.rows.append(Row(tuple((c, v) for c, v in merged.items() if v != 0), sense, rhs))

    def iv(self, node):
        c = self.col[id(node)]
        return self.lo[c], self.hi[c]


def relax(u, ev, roots, floor=()) -> Relaxation:
    """The relaxation of the quantities `roots` (and the assumes) of unrolled plan `u` over the
    box of the exact evaluator `ev`; the quantities of `floor` are columns bounded by their
    intervals with nothing below them lifted (a window of the DAG: fewer rows, still sound)."""
    b = _Builder(ev)
    lifter = _Lifter(b)
    for node in floor:
        iv = b.bounds(node)
        if node not in lifter.memo and iv is not None and not is_truth_set(iv[0]):
            b.add_column(node, iv)
        lifter.memo[node] = None
    for root in (*roots, *u.assumes):
        lifter.eval(root)
    for a in u.assumes:
        _assume_rows(b, a)
    inputs = {n.id: b.col[id(n)] for n in b.nodes if isinstance(n, ast.Name)}
    return Relaxation(tuple(b.rows), tuple(b.lo), tuple(b.hi), tuple(b.col.get(id(r)) for r in roots),
                      inputs, tuple(b.nodes), tuple(lifter.order), b.col)


class _Lifter(DagWalker):
    """Lifts every node below the roots in post-order, operands first (`order`: the numbers
    certificates refer to). A handler per node kind walks the node's operands and names its
    rows' rule; `finish` gives each numeric node with finite bounds its column, then its rows
    when every operand has a column too (an `if` needs only the branch it takes: `_ite`)."""

    def __init__(self, b: "_Builder"):
        super().__init__()
        self.b, self.order = b, []

    def finish(self, node, rule):
        self.order.append(node)
        iv = self.b.bounds(node)
        if iv is None or is_truth_set(iv[0]):
            return None
        key = self.b.key(node)
        if key is not None and key in self.b.same:
            self.b.alias(node, self.b.same[key], iv)
            return None
        if key is not None:
            self.b.same[key] = len(self.b.lo)
        self.b.add_column(node, iv)
        if isinstance(node, ast.Ite) or all(id(k) in self.b.col for k in ast.operands(node)):
            rule(self.b, node)
        return None

    def _leaf(self, e):
        return _no_rows

    _Num = _BoolLit = _Name = _leaf

    def _Neg(self, e):
        yield e.operand
        return _neg

    def _Not(self, e):
        yield e.operand
        return _no_rows

    def _BinOp(self, e):
        yield from each(ast.operands(e))
        return _binop

    def _BoolOp(self, e):
        yield from each(ast.operands(e))
        return _no_rows

    _Compare = _BoolOp

    def _Call(self, e):
        yield from each(e.args)
        return _call

    def _Ite(self, e):
        yield from each((e.cond, e.then, e.orelse))
        return _ite


class _Order(_Lifter):
    """The lifter's walk without its rows: the numbers of the lifted quantities alone."""

    def finish(self, node, rule):
        self.order.append(node)


def lifted_order(u, roots) -> tuple:
    """Every lifted quantity below `roots` and the assumes, children first: `relax(u, ev,
    roots).order` for any box, without evaluating anything (the numbers certificates use)."""
    walker = _Order(None)
    for root in (*roots, *u.assumes):
        walker.eval(root)
    return tuple(walker.order)


def dual_bound(rel: Relaxation, objective: int | None, duals: dict[int, object], sign: int = 1):
    """The exact weak-duality lower bound on `sign` · x_objective for `duals` (row → y), or None
    when there is none (no column: unbounded; a negative multiplier on a `≥` row; an unknown row).
    With sign −1 its negation is an upper bound on x_objective."""
    if objective is None:
        return None
    r = {objective: sign}
    total = 0
    for i, y in duals.items():
        if not 0 <= i < len(rel.rows):
            return None
        row = rel.rows[i]
        if row.sense == GE and y < 0:
            return None
        total += y * row.rhs
        for c, a in row.coeffs:
            r[c] = r.get(c, 0) - y * a
    for c, rc in r.items():
        total += rc * (rel.lo[c] if rc > 0 else rel.hi[c])
    return total


# ---- rules: the rows of each node kind ---------------------------------------------------

def _no_rows(b, node) -> None:
    return None


def _neg(b, node) -> None:
    b.row([(node, 1), (node.operand, 1)], EQ, 0)


def _binop(b, node) -> None:
    a, c = node.left, node.right
    if node.op == "+":
        b.row([(node, 1), (a, -1), (c, -1)], EQ, 0)
    elif node.op == "-":
        b.row([(node, 1), (a, -1), (c, 1)], EQ, 0)
    elif node.op == "^":
        _power(b, node, a, int(c.value))
    elif node.op == "*" and a is c:
        _power(b, node, a, 2)
    elif node.op == "*":
        _product(b, node, a, c, product=node)
    else:
        _quotient(b, node, a, c)


def _product(b, w, x, y, product) -> None:
    """Rows of `product = x · y`: linear when a factor is a point, else McCormick's envelope."""
    (lx, ux), (ly, uy) = b.iv(x), b.iv(y)
    if lx == ux:
        b.row([(product, 1), (y, -lx)], EQ, 0)
    elif ly == uy:
        b.row([(product, 1), (x, -ly)], EQ, 0)
    else:
        for (px, py) in ((lx, ly), (ux, uy)):          # product ≥ px·y + py·x − px·py
            b.row([(product, 1), (x, -py), (y, -px)], GE, -px * py)
        for (px, py) in ((ux, ly), (lx, uy)):          # product ≤ px·y + py·x − px·py
            b.row([(product, -1), (x, py), (y, px)], GE, px * py)


def _quotient(b, w, x, y) -> None:
    """`w = x / y` as `w · y = x` (y's interval excludes 0, or w would have no column)."""
    ly, uy = b.iv(y)
    if ly == uy:
        b.row([(w, 1), (x, -1 / ly)], EQ, 0)
    else:
        _product(b, x, w, y, product=x)


def _power(b, w, a, k: int) -> None:
    """`w = a^k`: tangents below and the secant above where a^k is convex on the interval,
    the reverse where it is concave (odd k, a ≤ 0), bounds only across 0 for odd k."""
    lo, hi = b.iv(a)
    if k == 0 or lo == hi:
        return                                        # w's bounds are its value
    if k == 1:
        b.row([(w, 1), (a, -1)], EQ, 0)
        return
    if k % 2 == 1 and lo < 0 < hi:
        return
    convex = k % 2 == 0 or lo >= 0
    sign = 1 if convex else -1                        # rows as `sign·w ≥ ...`
    for t in (lo, hi, (lo + hi) / 2):
        slope = k * t ** (k - 1)
        b.row([(w, sign), (a, -sign * slope)], GE, sign * (t ** k - slope * t))
    s = (hi ** k - lo ** k) / (hi - lo)
    b.row([(w, -sign), (a, sign * s)], GE, sign * (s * lo - lo ** k))


def _call(b, node) -> None:
    if node.func == "abs":
        _abs(b, node, node.args[0])
    elif node.func in ("min", "max"):
        sign = 1 if node.func == "min" else -1         # min: a_i − w ≥ 0; max: w − a_i ≥ 0
        for a in node.args:
            b.row([(a, sign), (node, -sign)], GE, 0)
        if len(node.args) == 2:
            _extremum_envelope(b, node, *node.args, sign)


def _extremum_envelope(b, w, x, y, sign) -> None:
    """The other side of `w = min(x, y)` (sign 1) or `max(x, y)` (sign −1): min(x, y) =
    x − max(d, 0) and max(x, y) = y + max(d, 0) for d = x − y, and max(d, 0) lies below its
    secant across 0 (`_kink_rows`); where d has one sign, w is that argument. Without it, the LP
    took a `min` anywhere down to its interval's lower end: the generated queue goals'
    `q − min(q, service·k)` (SCIP has a binary per arm)."""
    one_sign = _kink_rows(b, w, x, y, below_min=sign == 1, above_max=sign == -1)
    if one_sign is not None:
        small, large = one_sign
        b.row([(w, 1), (small if sign == 1 else large, -1)], EQ, 0)


def _kink_rows(b, w, x, y, below_min: bool, above_max: bool):
    """With d = x − y in [dl, dh] = [lo(x) − hi(y), hi(x) − lo(y)] and λ = dh / (dh − dl):
    `w ≥ (1 − λ)x + λy + λ·dl` (below_min: w ≥ min(x, y)) and `w ≤ λx + (1 − λ)y − λ·dl`
    (above_max: w ≤ max(x, y)), the secant of max(d, 0) across 0. Where d has one sign no row is
    added and (the smaller, the larger) argument is returned instead."""
    (xl, xh), (yl, yh) = b.iv(x), b.iv(y)
    dl, dh = xl - yh, xh - yl
    if dl >= 0 or dh <= 0:
        return (y, x) if dl >= 0 else (x, y)
    lam = dh / (dh - dl)
    if below_min:
        b.row([(w, 1), (x, lam - 1), (y, -lam)], GE, lam * dl)
    if above_max:
        b.row([(w, -1), (x, lam), (y, 1 - lam)], GE, lam * dl)
    return None


def _abs(b, w, a) -> None:
    lo, hi = b.iv(a)
    if lo >= 0:
        b.row([(w, 1), (a, -1)], EQ, 0)
    elif hi <= 0:
        b.row([(w, 1), (a, 1)], EQ, 0)
    else:
        b.row([(w, 1), (a, -1)], GE, 0)
        b.row([(w, 1), (a, 1)], GE, 0)
        s = (hi + lo) / (hi - lo)                     # the secant through (lo, -lo) and (hi, hi)
        b.row([(w, -1), (a, s)], GE, s * lo + lo)


def _ite(b, node) -> None:
    truth = b.bounds(node.cond)
    if truth is None:
        return
    can_false, can_true = truth
    branch = node.then if not can_false else node.orelse if not can_true else None
    if branch is not None and id(branch) in b.col:
        b.row([(node, 1), (branch, -1)], EQ, 0)
    elif branch is None and id(node.then) in b.col and id(node.orelse) in b.col:
        _between(b, node, node.then, node.orelse)


def _between(b, w, x, y) -> None:
    """An undecided `w = if c then x else y` lies between min(x, y) and max(x, y): above the min
    envelope's lower side and below the max envelope's upper side (`_kink_rows`); where x − y
    has one sign, between the smaller and the larger argument."""
    one_sign = _kink_rows(b, w, x, y, below_min=True, above_max=True)
    if one_sign is not None:
        small, large = one_sign
        b.row([(w, 1), (small, -1)], GE, 0)
        b.row([(large, 1), (w, -1)], GE, 0)


def _assume_rows(b, e) -> None:
    """The comparisons of an assume's top-level conjunction, as rows (strict ones relaxed)."""
    stack = [e]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.BoolOp) and n.op == "and":
            stack.extend((n.left, n.right))
        elif isinstance(n, ast.Compare) and id(n.left) in b.col and id(n.right) in b.col:
            if n.op in ("<=", "<"):
                b.row([(n.right, 1), (n.left, -1)], GE, 0)
            elif n.op in (">=", ">"):
                b.row([(n.left, 1), (n.right, -1)], GE, 0)
            elif n.op == "==":
                b.row([(n.left, 1), (n.right, -1)], EQ, 0)

