"""Exact numbers from user text: integers, decimals and fractions (`3`, `-0.25`, `-7/2`)."""
from __future__ import annotations

import re
from fractions import Fraction

from dsl.errors import InputError

_NUMBER = re.compile(r"[+-]?\d{1,100}(\.\d{1,100})?(/[+-]?\d{1,100}(\.\d{1,100})?)?")


def parse_rational(text: str, what: str = "number") -> Fraction:
    """`text` as an exact Fraction, or an InputError naming `what`."""
    s = str(text).strip()
    if not _NUMBER.fullmatch(s):
        raise InputError(f"{what}: {text!r} is not a number (write an integer, a decimal like "
                         f"-0.25 or a fraction like -7/2)")
    num, _, den = s.partition("/")
    d = Fraction(den) if den else Fraction(1)
    if d == 0:
        raise InputError(f"{what}: {text!r} divides by zero")
    return Fraction(num) / d


def rational_str(value: Fraction) -> str:
    """The canonical exact text of a rational: `-7/2`, `3`."""
    return str(Fraction(value))
