"""Exact values of any length without a process-wide side effect: importing warrant's library
leaves Python's cap on int <-> str conversion alone (it once lifted it on `import dsl`), and
the DSL still writes values far beyond the cap (SIR at horizon 16 reaches 10^5 digits)."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

from dsl.exact import int_text, rational_text

HUGE = Fraction(10 ** 5000 + 1, 3)          # beyond the default cap of 4300 digits


def test_importing_the_library_keeps_the_interpreters_digit_cap():
    code = ("import sys; default = sys.get_int_max_str_digits()\n"
            "import dsl.load, dsl.interp, dsl.scenario, prover.calculus.unroll, prover.backends.z3_backend\n"
            "print(default, sys.get_int_max_str_digits())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    default, after = out.stdout.split()
    assert after == default != "0"


def test_values_beyond_the_cap_are_written_exactly_under_it():
    code = ("from fractions import Fraction\n"
            "from dsl.interp import fmt, short\n"
            "from dsl.scenario import Scenario, to_json\n"
            "from dsl.exact import rational_text\n"
            f"x = Fraction(10 ** 5000 + 1, 3)\n"
            "text = fmt(x)\n"
            "assert len(text) == 5003 and text.endswith('/3'), len(text)\n"
            "assert short(x).startswith('≈ 3.333333333e+4999')\n"
            "assert to_json(Scenario({'p': x}, {}, {}))['params']['p'] == text\n"
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_rational_text_is_the_canonical_form():
    assert rational_text(Fraction(-7, 2)) == "-7/2" and rational_text(Fraction(6)) == "6" and rational_text(3) == "3"
    text = rational_text(HUGE)
    assert text.endswith("/3") and text[:-2] == int_text(HUGE.numerator) and len(text) == 5003
