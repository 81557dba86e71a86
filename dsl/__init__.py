"""The .rwd reward DSL: grammar, parser, AST, type checker and reference interpreter."""
import sys

# Exact rationals of long nonlinear runs have tens of thousands of digits, and warrant writes
# and reads them as text (JSON, certificates). Python's default cap on int <-> str conversion
# (4300 digits) would turn a correct result into a crash, so it is lifted for the process.
sys.set_int_max_str_digits(0)
