"""Exact numbers from user text: integers, decimals and fractions (`3`, `-0.25`, `-7/2`)."""
from __future__ import annotations

import re
from fractions import Fraction

from dsl.errors import InputError

_NUMBER = re.compile(r"[+-]?[0-9]{1,100}(\.[0-9]{1,100})?(/[+-]?[0-9]{1,100}(\.[0-9]{1,100})?)?")
_SCIENTIFIC = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+")


def parse_rational(text: str, what: str = "number") -> Fraction:
    """`text` as an exact Fraction, or an InputError naming `what`. Only ASCII digits, at most
    100 per part; no scientific notation (as in the DSL: numbers are written exactly)."""
    s = str(text).strip()
    shown = repr(s if len(s) <= 40 else s[:37] + "...")
    if _SCIENTIFIC.fullmatch(s):
        raise InputError(f"{what}: {shown} uses scientific notation; write it exactly, as a decimal "
                         f"like 0.001 or a fraction like 1/1000")
    if not _NUMBER.fullmatch(s):
        raise InputError(f"{what}: {shown} is not a number (write an integer, a decimal like "
                         f"-0.25 or a fraction like -7/2, with at most 100 digits per part)")
    num, _, den = s.partition("/")
    d = Fraction(den) if den else Fraction(1)
    if d == 0:
        raise InputError(f"{what}: {shown} divides by zero")
    return Fraction(num) / d


def rational_str(value: Fraction) -> str:
    """The canonical exact text of a rational: `-7/2`, `3`."""
    return str(Fraction(value))
