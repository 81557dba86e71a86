"""Garbage in, a WarrantError out: random bytes and random token soups never crash the front end."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from dsl.errors import WarrantError
from dsl.load import load_domain, load_text

TOKENS = ["domain", "horizon", "discount", "const", "param", "disturbance", "state", "action", "requires",
          "reward", "step", "final", "safe", "assume", "init", "in", "int", "real", "bool", "true", "false",
          "if", "then", "else", "and", "or", "not", "sum", "count", "min", "max", "abs", "nominal",
          "x", "y", "x'", "0", "1", "0.5", "1e3", "(", ")", "[", "]", "{", "}", ",", ":", "=", "..",
          "+", "-", "*", "/", "^", "<", "<=", "==", "!=", ">", ">=", "#c\n", "\n", ";", "'", "@"]


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f.rwd"
    path.write_bytes(data)
    try:
        load_domain(path)
    except WarrantError:
        pass


@settings(max_examples=400, deadline=None)
@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_sequences(tokens):
    try:
        load_text(" ".join(tokens), "soup.rwd")
    except WarrantError:
        pass


PREFIX = "domain d\nhorizon 3\nparam p : real in [0.5, 2]\ndisturbance w : int in [-1, 1]\n" \
         "state x : real in [-10, 10] init 0\nstate n : int in [0, 5] init 1\n"


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.sampled_from(["x", "n", "p", "w", "1", "2", "0.5", "+", "-", "*", "/", "^", "(", ")",
                                        "abs(", "min(", ",", "if", "then", "else", ">", "and"]), min_size=1, max_size=25))
def test_random_expressions_in_a_valid_file(tokens):
    expr = " ".join(tokens)
    text = PREFIX + f"action a {{ x' = {expr} }}\nreward step = {expr}\nsafe {expr} > 0\n"
    try:
        load_text(text, "expr.rwd")
    except WarrantError:
        pass
