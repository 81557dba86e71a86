"""At least 25 distinct bad programs, each with its exact file:line:col and message (DSL.md §6)."""
from __future__ import annotations

import pytest

from dsl.errors import DslSyntaxError, DslTypeError, WarrantError
from dsl.load import load_text

HEAD = "domain d\nhorizon 2\n"
ACT = "action a { x' = x + 1 }\n"
X = "state x : real in [0, 9] init 0\n"

CASES = [
    ('sci', HEAD + 'const c = 1e-3\n' + X + ACT,
     "bad.rwd:3:11: error: scientific notation '1e-3' is not allowed; numbers are exact (write a decimal like 0.001 or a division like 1/1000)"),
    ('prime_in_safe', HEAD + X + ACT + "safe x' <= 3\n",
     "bad.rwd:5:6: error: primed name x' may appear only on the left of an effect"),
    ('chained', HEAD + X + ACT + 'safe 0 < x < 3\n',
     "bad.rwd:5:12: error: comparisons cannot be chained: write 'a < b and b < c' instead of 'a < b < c'"),
    ('unknown_name', HEAD + "state temp : real in [0, 9] init 0\naction a { temp' = tmp + 1 }\n",
     "bad.rwd:4:20: error: unknown name 'tmp'; did you mean 'temp'?"),
    ('dist_in_step', HEAD + 'disturbance w : real in [0, 1]\n' + X + ACT + 'reward step = x + w\n',
     "bad.rwd:6:19: error: disturbance 'w' cannot be used in reward step, which sees states and params"),
    ('sum_outside', HEAD + 'disturbance w : real in [0, 1]\n' + X + ACT + 'reward step = sum(w)\n',
     "bad.rwd:6:15: error: sum(...) may appear only inside 'assume'"),
    ('arg_in_safe', HEAD + X + "action a(k : int in 1..2) { x' = x + k }\nsafe k <= 2\n",
     "bad.rwd:5:6: error: 'k' is an argument of action 'a' and exists only inside that action, not in safe"),
    ('int_real', HEAD + "state n : int in [0, 9] init 0\naction a { n' = n + 0.5 }\n",
     "bad.rwd:4:17: error: effect assigns a real expression to int state 'n'"),
    ('assigned_twice', HEAD + X + "action a {\n  x' = x + 1\n  x' = x + 2\n}\n",
     "bad.rwd:6:3: error: state 'x' is assigned twice in action 'a' (first at line 5)"),
    ('divisor_zero', HEAD + 'param p : real in [-1, 1]\n' + X + "action a { x' = x / p }\n",
     "bad.rwd:5:21: error: divisor may be zero: its declared range is [-1, 1]; a divisor's range must exclude 0"),
    ('dup_decl', HEAD + X + 'param x : real in [0, 1]\n' + ACT,
     "bad.rwd:4:7: error: 'x' is already declared (as state at line 3)"),
    ('keyword_name', HEAD + 'state step : real in [0, 9] init 0\n' + ACT,
     "bad.rwd:3:7: error: unexpected keyword 'step'; expected a name"),
    ('no_domain', 'horizon 2\n' + X + ACT,
     "bad.rwd:1:1: error: a file must start with 'domain NAME'"),
    ('no_horizon', 'domain d\n' + X + ACT,
     "bad.rwd:1:8: error: missing 'horizon N' declaration"),
    ('empty_range', HEAD + 'state x : real in [5, 1] init 0\n' + ACT,
     "bad.rwd:3:20: error: empty range [5, 1] for state 'x'"),
    ('int_bound', HEAD + "state n : int in [0, 2.5] init 0\naction a { n' = n }\n",
     "bad.rwd:3:22: error: the upper bound of state 'n' must be an integer, got 5/2"),
    ('init_outside', HEAD + 'state x : real in [0, 9] init 12\n' + ACT,
     "bad.rwd:3:31: error: initial value of state 'x' 12 is outside the declared range [0, 9]"),
    ('discount', HEAD + 'discount 1.5\n' + X + ACT,
     'bad.rwd:3:10: error: discount must be in (0, 1], got 3/2'),
    ('pow_nonconst', HEAD + "state x : real in [0, 9] init 1\naction a { x' = x ^ x }\n",
     "bad.rwd:4:21: error: state 'x' cannot be used in an exponent, which sees numbers and constants"),
    ('bool_num', HEAD + X + ACT + 'safe x + true <= 3\n',
     "bad.rwd:5:10: error: '+' needs a number, got a bool expression"),
    ('two_rewards', HEAD + X + "action a {\n  x' = x\n  reward 1\n  reward 2\n}\n",
     "bad.rwd:7:3: error: action 'a' has more than one reward"),
    ('unknown_func', HEAD + X + ACT + 'reward step = sqrt(x)\n',
     "bad.rwd:5:15: error: unknown function 'sqrt' (functions: min, max, abs, sum, count)"),
    ('reward_bool', HEAD + X + ACT + 'reward step = x > 1\n',
     'bad.rwd:5:15: error: reward step must be a number, got a bool expression'),
    ('safe_num', HEAD + X + ACT + 'safe x + 1\n',
     'bad.rwd:5:6: error: safe must be a condition (bool), got a real expression'),
    ('count_real', HEAD + 'disturbance w : real in [0, 1]\nassume count(w) <= 1\n' + X + ACT,
     "bad.rwd:4:8: error: count needs a bool disturbance; 'w' is real (use sum)"),
    ('no_action', HEAD + X,
     'bad.rwd:1:8: error: a domain needs at least one action'),
    ('missing_range', HEAD + 'param p : real\n' + X + ACT,
     "bad.rwd:3:7: error: param 'p' needs a range: 'p : real in [LO, HI]'"),
    ('assign_param', HEAD + 'param p : real in [0, 1]\n' + X + "action a { p' = 1 }\n",
     "bad.rwd:5:12: error: only states can be assigned; 'p' is a param"),
    ('horizon_zero', 'domain d\nhorizon 0\n' + X + ACT,
     'bad.rwd:2:9: error: horizon must be between 1 and 10000, got 0'),
    ('unterminated', HEAD + X + "action a { x' = x + 1\n",
     "bad.rwd:5:1: error: unexpected end of file; expected one of 'requires', 'reward', '}', a primed state name like x'"),
    ('bad_char', HEAD + X + ACT + 'safe x <= 3 $\n',
     "bad.rwd:5:13: error: unexpected character '$'"),
    ('assume_state_known', HEAD + X + 'assume x <= 3\n' + ACT,
     "bad.rwd:4:8: error: state 'x' cannot be used in assume, which sees params, uncertain initial states and sum/count of disturbances"),
    ('bool_range', HEAD + 'disturbance s : bool in [0, 1]\n' + X + ACT,
     "bad.rwd:3:26: error: bool disturbance 's' takes no range"),
]


@pytest.mark.parametrize("name, source, first_line", CASES, ids=[c[0] for c in CASES])
def test_bad_program_reports_exact_position_and_message(name, source, first_line):
    with pytest.raises((DslSyntaxError, DslTypeError)) as exc:
        load_text(source, "bad.rwd")
    assert str(exc.value).splitlines()[0] == first_line


def test_there_are_at_least_25_distinct_cases():
    assert len({c[2] for c in CASES}) >= 25


def test_rendering_matches_the_reference_example():
    from corpus import domain_files
    text = next(p for p in domain_files() if p.stem == 'thermostat').read_text()
    text = text.replace("energy' = energy + p", "energy' = energy + 0.5 * p")
    with pytest.raises(DslTypeError) as exc:
        load_text(text, "thermostat.rwd")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "0.5 * p" in l)
    assert str(exc.value) == (f"thermostat.rwd:{line}:13: error: effect assigns a real expression to int state 'energy'\n"
                              "  energy' = energy + 0.5 * p\n"
                              "            ^")


def test_several_errors_in_one_run():
    source = HEAD + "state x : real in [0, 9] init 0\naction a { x' = y + 1 }\nreward step = z\nsafe x + 1\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert [(d.line, d.col) for d in exc.value.diagnostics] == [(4, 17), (5, 15), (6, 6)]


def test_every_error_is_a_warrant_error():
    assert issubclass(DslSyntaxError, WarrantError) and issubclass(DslTypeError, WarrantError)
