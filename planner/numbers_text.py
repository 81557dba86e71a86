"""Exact rationals for human eyes: one rule for every table and message the CLI prints.

A value is printed exactly when it is a short terminating decimal (`57.2`, `-0.07552`, `16`);
otherwise as a rounded decimal marked with `≈`. Tables never mix fractions with unmarked
decimals; the exact values are in every command's `--json`.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from dsl.exact import approx, to_float

MAX_DENOMINATOR_BITS = 4096  # a terminating decimal this long is never a short one worth printing
CELL_DIGITS = 4          # significant digits of a rounded table cell
TOTAL_DIGITS = 7         # ... of a rounded total or bound in a sentence


def exact_decimal(q: Fraction, max_digits: int) -> str | None:
    """The exact decimal text of `q` when it terminates within `max_digits` significant digits."""
    q = Fraction(q)
    d = q.denominator
    if d.bit_length() > MAX_DENOMINATOR_BITS:
        return None        # no short decimal (and dividing out one factor at a time took seconds)
    twos = (d & -d).bit_length() - 1
    d >>= twos
    fives = 0
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return None
    places = max(twos, fives)
    scaled = abs(q.numerator) * 10 ** places // q.denominator
    digits = str(scaled).rjust(places + 1, "0")
    whole, frac = digits[: len(digits) - places], digits[len(digits) - places:].rstrip("0")
    if len(digits.lstrip("0").rstrip("0")) > max_digits:
        return None
    return ("-" if q < 0 else "") + whole + (f".{frac}" if frac else "")


def rounded(x, digits: int) -> str:
    """`x` to `digits` significant digits, positional (`123500`, never `1.235e+05`) except for
    tiny magnitudes, where a run of zeros would hide the digits, and beyond the float range
    (`-1e+448`: float() would raise OverflowError)."""
    f = to_float(x)
    if math.isinf(f) or (f == 0 and x != 0):
        return approx(x, digits)
    if 0 < abs(float(x)) < 1e-4:
        return f"{float(x):.{digits}g}"
    return np.format_float_positional(float(x), precision=digits, unique=False, fractional=False, trim="-")


def cell(v) -> str:
    """A table cell: `true`/`false`, an exact short decimal, or `≈` and a rounded one."""
    if isinstance(v, bool):
        return "true" if v else "false"
    exact = exact_decimal(Fraction(v), CELL_DIGITS + 2)
    return exact if exact is not None else f"≈{rounded(v, CELL_DIGITS)}"


def value(v) -> str:
    """A total or bound in a sentence: an exact decimal when it terminates (`-4.5`), a short
    fraction with its rounded value (`2/3 ≈ 0.6666667`), else `≈` and a rounded decimal."""
    q = Fraction(v)
    exact = exact_decimal(q, 12)
    if exact is not None:
        return exact
    if _short(q):
        return f"{q} ≈ {rounded(q, TOTAL_DIGITS)}"
    return f"≈ {rounded(q, TOTAL_DIGITS)}"


def equals(v) -> str:
    """`= 16`, `= 2/3 ≈ 0.6666667` or `≈ -13.15218`: a value after a name (`R {equals(r)}`)."""
    text = value(v)
    return text if text.startswith("≈") else f"= {text}"


def _directed(q: Fraction, up: bool) -> Fraction:
    """`q` rounded to TOTAL_DIGITS significant digits, towards +inf (`up`) or -inf."""
    if q == 0:
        return q
    a, exponent = abs(q), 0          # 10^exponent <= a < 10^(exponent+1), exactly
    while a >= 10:
        a, exponent = a / 10, exponent + 1
    while a < 1:
        a, exponent = a * 10, exponent - 1
    scale = Fraction(10) ** (TOTAL_DIGITS - 1 - exponent)
    scaled = q * scale
    whole = -(-scaled.numerator // scaled.denominator) if up else scaled.numerator // scaled.denominator
    return Fraction(whole) / scale


def _short(q: Fraction) -> bool:
    """A fraction short enough to print as it is (sizes first: str of a huge one takes seconds)."""
    return q.numerator.bit_length() + q.denominator.bit_length() <= 80 and len(str(q)) <= 24


def bound(v, up: bool = False) -> str:
    """A certified bound in a sentence, still true as printed: exact when short, else rounded
    outward (down for a lower bound, `up` for an upper bound) and saying so."""
    q = Fraction(v)
    if exact_decimal(q, 12) is not None or _short(q):
        return value(q)
    return f"{exact_decimal(_directed(q, up), TOTAL_DIGITS + 2)} (rounded {'up' if up else 'down'})"
