"""The one boundary between warrant's two exact rational types.

Inside the exact code (the interpreter's `run`, the checker's interval evaluator) numbers are
gmpy2 `mpq`: the same exact values as `fractions.Fraction`, several times faster on the long
digit strings of nonlinear dynamics. Everywhere else — the AST's `Num` nodes, scenarios,
bounds, certificates, results — they are `Fraction`s whose numerator and denominator are
Python `int`s. Crossing goes through `to_q` and `to_fraction` only: `Fraction(mpq)` builds a
Fraction with gmpy2 integers inside, which `mpq()` then refuses ("Object does not appear to be
Fraction"), so neither constructor is ever applied to the other type directly.
"""
from __future__ import annotations

import math
import sys
from decimal import Decimal, localcontext
from fractions import Fraction

try:                                   # GMP rationals: exact like Fraction, much faster
    from gmpy2 import mpq as Q, mpz
except ImportError:                    # pragma: no cover - gmpy2 is a declared dependency
    Q, mpz = Fraction, int


def to_q(x):
    """`x` (an int, a Fraction of any parts, an mpq, or a finite float: its exact binary value)
    as the inner exact type."""
    if type(x) is Q:
        return x
    n, d = _parts(x)
    return Q(n, d)


def to_fraction(x) -> Fraction:
    """`x` (as for `to_q`) as a Fraction of Python ints."""
    if type(x) is Fraction and type(x.numerator) is int and type(x.denominator) is int:
        return x
    return coprime(*_parts(x))


def _parts(x) -> tuple[int, int]:
    """The reduced numerator and denominator of an exact rational, as Python ints."""
    if isinstance(x, float):
        if not math.isfinite(x):
            raise TypeError(f"not a finite number: {x!r}")
        return x.as_integer_ratio()
    if isinstance(x, bool) or not hasattr(x, "denominator"):
        raise TypeError(f"not an exact rational: {x!r}")
    return int(x.numerator), int(x.denominator)


def coprime(n: int, d: int) -> Fraction:
    """Fraction(n, d) for an already reduced n/d (d > 0), without the gcd that would cost
    seconds on the 10^5-digit values of long nonlinear runs."""
    make = getattr(Fraction, "_from_coprime_ints", None)      # Python >= 3.12
    if make is not None:
        return make(n, d)
    f = Fraction.__new__(Fraction)
    f._numerator, f._denominator = n, d
    return f


def rational_text(x) -> str:
    """The exact text of a rational (`-7/2`, `3`), of any length. GMP writes it: Python's cap
    on int → str conversion (4300 digits, a guard against quadratic work on untrusted text)
    does not apply, so no one need lift the cap for the whole process."""
    return str(to_q(x))


def int_text(n: int) -> str:
    """The decimal text of an int of any length (as `rational_text`)."""
    return str(mpz(n))


def to_float(x) -> float:
    """The float nearest to the rational `x`, ±inf beyond the float range (never an
    OverflowError). For screening and display; sound enclosures use `float_bounds`."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def float_bounds(x) -> tuple[float, float]:
    """Floats lo ≤ x ≤ hi, as tight as float allows: x itself when it is a float, else its two
    float neighbours; beyond the float range, the largest float and ±inf."""
    f, q = to_float(x), to_fraction(x)
    if f == math.inf:
        return sys.float_info.max, math.inf
    if f == -math.inf:
        return -math.inf, -sys.float_info.max
    exact = Fraction(f)
    lo = f if exact <= q else math.nextafter(f, -math.inf)
    hi = f if exact >= q else math.nextafter(f, math.inf)
    return lo, hi


def approx(x, digits: int = 6) -> str:
    """`x` as `f"{float(x):.{digits}g}"` would print it, for rationals of any magnitude too
    (`1.5e+448`, where float() would raise OverflowError)."""
    f = to_float(x)
    if math.isfinite(f) and (f != 0 or x == 0):
        return f"{f:.{digits}g}"
    q = to_fraction(x)
    with localcontext() as ctx:
        ctx.prec = digits
        d = (Decimal(q.numerator) / Decimal(q.denominator)).normalize()
    return f"{d:.{digits}g}".replace("E", "e")
