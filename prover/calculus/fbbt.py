"""Feasibility-based bound tightening (FBBT) over the unrolled DAG, in exact rationals.

Every counterexample to a goal meets some constraints: the assumes, and the negated claim
(`R < b` for `R ≥ b`, a condition false when it is the only undecided one). Forward, every node
of the DAG gets its exact interval over the box (`dsl.ranges`, the semantics the checker uses);
backward, each constraint narrows its root to what it must be, and each operation passes the
narrowing on to its operands by its inverse (`x + y ∈ Z` gives `x ∈ Z − y`), down to the
uncertain variables. The narrowed variable ranges form a smaller box holding every
counterexample of the original one; an empty result means the box holds none. The rounds
repeat while the box still shrinks. Both the search and the checker call `tighten`, so a
certificate's tightened box is re-derived, never trusted.

Narrowing only ever intersects with sound hulls (closures of strict comparisons, no
narrowing through an operand whose inverse needs a division by an interval around 0), so the
result always contains every point of the box that meets the constraints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from dsl import ast
from dsl.ranges import MaybeZeroDivisor, mul
from prover.calculus.exact_ranges import LIMIT, CappedRangeEvaluator, outward
from dsl.exact import to_fraction

ROUNDS = 4              # forward-backward rounds at most
SHRINK = Fraction(1, 100)   # ... and another only while some width shrank by more than this share


@dataclass(frozen=True, slots=True)
class Requirement:
    """`expr` must lie in `[lo, hi]` (None: unbounded) or, for a boolean, be `truth`."""

    expr: ast.Expr
    lo: Fraction | None = None
    hi: Fraction | None = None
    truth: bool | None = None


class Empty(Exception):
    """No point of the box meets the requirements."""


def tighten(variables, box, requirements, horizon: int = 1, rounds: int = ROUNDS):
    """The box narrowed to hold every point of `box` meeting `requirements`, or None when no
    point does. `variables` are the goal's UVars (aligned with `box`)."""
    got = tighten_watching(variables, box, requirements, (), horizon, rounds)
    return None if got is None else got[0]


def tighten_watching(variables, box, requirements, watch, horizon: int = 1, rounds: int = ROUNDS):
    """`tighten`, and per node of `watch` (DAG nodes) the interval its value lies in at every
    point meeting the requirements where the last round narrowed it (else None): (box, ranges)
    or None."""
    ranges = [None] * len(watch)
    for _ in range(rounds):
        try:
            narrowed, ranges = _round(variables, box, requirements, horizon, watch)
        except Empty:
            return None
        if not _shrank(box, narrowed):
            return narrowed, ranges
        box = narrowed
    return box, ranges


def _round(variables, box, requirements, horizon, watch=()):
    bounds = {v.name: ((lo == 0, hi == 1) if v.vtype == "bool" else (lo, hi)) for v, (lo, hi) in zip(variables, box)}
    ev = CappedRangeEvaluator(bounds, horizon)      # (long unrollings: huge intervals are unbounded)
    live = []
    for r in requirements:
        try:
            ev.eval(r.expr)
            live.append(r)
        except MaybeZeroDivisor:        # no enclosure: this constraint narrows nothing
            continue
    entries = ev.memo._entries           # id → (node, forward value), children before parents
    want = {}
    for r in live:
        _meet(want, entries, r.expr, _target(r, entries[id(r.expr)][1]))
    for key in reversed(list(entries)):
        node, fwd = entries[key]
        got = want.get(key)
        if got is not None and got != fwd:
            _narrow_operands(node, got, want, entries)
    watched = [want.get(id(n)) if id(n) in want and want[id(n)] != entries[id(n)][1] else None for n in watch]
    return _box(variables, box, want, entries), watched


def _target(r: Requirement, fwd):
    if r.truth is not None:
        return (False, True) if r.truth else (True, False)
    return (fwd[0] if r.lo is None else r.lo, fwd[1] if r.hi is None else r.hi)


def _meet(want, entries, node, target) -> None:
    """Narrow what `node` may be to `target` (intersected with what it already may be)."""
    key = id(node)
    if key not in entries:               # not evaluated (an `if` branch never taken): no use
        return
    have = want.get(key, entries[key][1])
    if isinstance(have[0], bool):
        got = (have[0] and target[0], have[1] and target[1])
        if got == (False, False):
            raise Empty
    else:
        got = (max(have[0], target[0]), min(have[1], target[1]))
        if got[0] > got[1]:
            raise Empty
        got = _rounded(got)
    want[key] = got


def _rounded(iv):
    lo, hi = iv
    if getattr(lo, "denominator", 1).bit_length() > LIMIT or getattr(hi, "denominator", 1).bit_length() > LIMIT:
        return outward(lo, False), outward(hi, True)
    return iv


def _narrow_operands(node, z, want, entries) -> None:
    """Pass `node ∈ z` on to its operands, each by the inverse of the operation."""
    val = lambda e: want.get(id(e), entries[id(e)][1]) if id(e) in entries else None   # noqa: E731
    rule = _RULES.get(type(node))
    if rule is not None:
        for operand, target in rule(node, z, val):
            if target is not None:
                _meet(want, entries, operand, target)


def _neg(node, z, val):
    return [(node.operand, (-z[1], -z[0]))]


def _not(node, z, val):
    return [(node.operand, (z[1], z[0]))]


def _binop(node, z, val):
    if node.op == "^" or (node.op == "*" and node.left is node.right):     # a power, or a shared square
        x = val(node.left)
        k = 2 if node.op == "*" else int(node.right.value)
        return [] if x is None else [(node.left, _root(x, z, k))]
    x, y = val(node.left), val(node.right)
    if x is None or y is None:
        return []
    if node.op == "+":
        return [(node.left, (z[0] - y[1], z[1] - y[0])), (node.right, (z[0] - x[1], z[1] - x[0]))]
    if node.op == "-":
        return [(node.left, (z[0] + y[0], z[1] + y[1])), (node.right, (x[0] - z[1], x[1] - z[0]))]
    if node.op == "*":
        return [(node.left, _quotient(z, y)), (node.right, _quotient(z, x))]
    if node.op == "/":                   # x / y ∈ z: x ∈ z·y, and y ∈ x / z
        return [(node.left, mul(z, y)), (node.right, _quotient(x, z))]
    return []


def _root(x, z, k: int):
    """A hull of {p ∈ x : p^k ∈ z} (None: no narrowing), by rational bounds on k-th roots."""
    if k <= 0:
        return None
    if k % 2 == 1:
        lo, hi = _signed_root(z[0], k, False), _signed_root(z[1], k, True)
        return None if lo is None or hi is None else (lo, hi)
    r = _root_bound(z[1], k, True) if z[1] >= 0 else None
    if r is None:
        return None
    s = _root_bound(z[0], k, False) if z[0] > 0 else None
    if s is not None and x[0] > -s:          # |p| ≥ s and p > −s: p ≥ s
        return s, r
    if s is not None and x[1] < s:           # ... and p < s: p ≤ −s
        return -r, -s
    return -r, r


def _signed_root(a, k: int, up: bool):
    """A rational at least (`up`) or at most the real k-th root of `a` (k odd; None: too large)."""
    if a >= 0:
        return _root_bound(a, k, up)
    r = _root_bound(-a, k, not up)
    return None if r is None else -r


def _root_bound(a, k: int, up: bool):
    """A rational r ≥ 0 with r^k ≥ a (`up`) or r^k ≤ a (a ≥ 0), near a's k-th root; None when
    `a` is beyond the float range."""
    f = float(a)
    if not math.isfinite(f) or f > 1e300:
        return None
    if f == 0:
        return Fraction(0) if not up or a == 0 else None
    guess = Fraction(f ** (1.0 / k))
    for slack in (Fraction(1, 2 ** 40), Fraction(1, 2 ** 20), Fraction(1, 2 ** 4)):
        r = guess * (1 + slack) if up else guess * (1 - slack)
        if (r ** k >= a) if up else (r ** k <= a):
            return r
    return None if up else Fraction(0)


def _quotient(a, b):
    """A hull of {p / q : p ∈ a, q ∈ b}, or None when b holds 0 (no finite hull)."""
    if b[0] <= 0 <= b[1]:
        return None
    return mul(a, (1 / b[1], 1 / b[0]))


def _boolop(node, z, val):
    if node.op == "and" and not z[0]:        # must be true: both are
        return [(node.left, (False, True)), (node.right, (False, True))]
    if node.op == "or" and not z[1]:         # must be false: both are
        return [(node.left, (True, False)), (node.right, (True, False))]
    return []


_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def _compare(node, z, val):
    if z[0] and z[1]:
        return []
    op = node.op if not z[0] else _FLIP[node.op]        # the comparison that must hold
    a, b = val(node.left), val(node.right)
    if a is None or b is None or isinstance(a[0], bool):
        return []
    if op in ("<", "<="):
        return [(node.left, (a[0], b[1])), (node.right, (a[0], b[1]))]
    if op in (">", ">="):
        return [(node.left, (b[0], a[1])), (node.right, (b[0], a[1]))]
    if op == "==":
        both = (max(a[0], b[0]), min(a[1], b[1]))
        return [(node.left, both), (node.right, both)]
    return []


def _call(node, z, val):
    if node.func == "abs":
        return [(node.args[0], (-z[1], z[1]))]
    if node.func == "min":              # each argument is at least the minimum
        return [(a, (z[0], val(a)[1])) for a in node.args if val(a) is not None]
    if node.func == "max":              # ... at most the maximum
        return [(a, (val(a)[0], z[1])) for a in node.args if val(a) is not None]
    return []


def _ite(node, z, val):
    cond = val(node.cond)
    if cond is None or (cond[0] and cond[1]):
        return []
    return [(node.then if cond[1] else node.orelse, z)]


_RULES = {ast.Neg: _neg, ast.Not: _not, ast.BinOp: _binop, ast.BoolOp: _boolop, ast.Compare: _compare,
          ast.Call: _call, ast.Ite: _ite}


def _box(variables, box, want, entries):
    """The box with each variable's range narrowed to what its `Name` nodes may be."""
    ranges = {}
    for key, (node, _) in entries.items():
        if isinstance(node, ast.Name) and key in want:
            got = want[key]
            prev = ranges.get(node.id)
            ranges[node.id] = got if prev is None else (
                (prev[0] and got[0], prev[1] and got[1]) if isinstance(got[0], bool) else
                (max(prev[0], got[0]), min(prev[1], got[1])))
    out = []
    for v, (lo, hi) in zip(variables, box):
        r = ranges.get(v.name)
        if r is None:
            out.append((lo, hi))
        elif v.vtype == "bool":
            new = (Fraction(0) if r[0] else Fraction(1), Fraction(1) if r[1] else Fraction(0))
            out.append(_nonempty((max(lo, new[0]), min(hi, new[1]))))
        else:
            new = (to_fraction(r[0]), to_fraction(r[1]))
            if v.vtype == "int":
                new = (Fraction(math.ceil(new[0])), Fraction(math.floor(new[1])))
            out.append(_nonempty((max(lo, new[0]), min(hi, new[1]))))
    return tuple(out)


def _nonempty(iv):
    if iv[0] > iv[1]:
        raise Empty
    return iv


def _shrank(old, new) -> bool:
    """Whether some range of `new` is narrower than in `old` by more than SHRINK of its width."""
    return any((h - l) - (nh - nl) > SHRINK * (h - l) for (l, h), (nl, nh) in zip(old, new))
