"""Bad programs: each one's exact `file:line:col: error: message` (DSL.md §6), the rendering with
source line and caret, several errors in one run, and no cascades of follow-on errors."""
from __future__ import annotations

import re

import pytest

from dsl.errors import Diagnostic, DslSyntaxError, DslTypeError, SourceError, WarrantError
from dsl.load import load_domain, load_text
from dsl.parser import MAX_DEPTH

HEAD = "domain d\nhorizon 2\n"
ACT = "action a { x' = x + 1 }\n"
X = "state x : real in [0, 9] init 0\n"
W = "disturbance w : real in [0, 1]\n"

SYNTAX = [
    ("sci", HEAD + "const c = 1e-3\n" + X + ACT,
     "bad.rwd:3:11: error: scientific notation '1e-3' is not allowed; numbers are exact (write a decimal like "
     "0.001 or a division like 1/1000)"),
    ("sci_upper", HEAD + X + ACT + "reward step = 2.5E+4 * x\n",
     "bad.rwd:5:15: error: scientific notation '2.5E+4' is not allowed; numbers are exact (write a decimal like "
     "0.001 or a division like 1/1000)"),
    ("prime_in_safe", HEAD + X + ACT + "safe x' <= 3\n",
     "bad.rwd:5:6: error: primed name x' may appear only on the left of an effect"),
    ("prime_in_requires", HEAD + X + "action a { requires x' > 1 }\n",
     "bad.rwd:4:21: error: primed name x' may appear only on the left of an effect"),
    ("prime_on_the_right", HEAD + X + "action a { x' = x' + 1 }\n",
     "bad.rwd:4:17: error: primed name x' may appear only on the left of an effect"),
    ("dangling_and", HEAD + X + "action a {\n  requires x <= 3 and\n  x' = x + 1\n}\n",
     "bad.rwd:5:19: error: expected an expression after 'and'"),
    ("dangling_plus_before_a_comment", HEAD + X + ACT + "reward step = x +   # more later\nsafe x <= 3\n",
     "bad.rwd:5:17: error: expected an expression after '+'"),
    ("dangling_or_at_the_end", HEAD + X + ACT + "safe x <= 3 or\n",
     "bad.rwd:5:13: error: expected an expression after 'or'"),
    ("lone_quote", HEAD + X + "action a { x ' = 1 }\n",
     "bad.rwd:4:12: error: unexpected name 'x'; expected one of 'requires', 'reward', '}', "
     "a primed state name like x'"),
    ("chained", HEAD + X + ACT + "safe 0 < x < 3\n",
     "bad.rwd:5:12: error: comparisons cannot be chained: write 'a < b and b < c' instead of 'a < b < c'"),
    ("chained_eq", HEAD + X + ACT + "safe x == 1 == true\n",
     "bad.rwd:5:13: error: comparisons cannot be chained: write 'a < b and b < c' instead of 'a < b < c'"),
    ("keyword_name", HEAD + "state step : real in [0, 9] init 0\n" + ACT,
     "bad.rwd:3:7: error: unexpected keyword 'step'; expected a name"),
    ("keyword_domain_name", "domain final\nhorizon 2\n" + X + ACT,
     "bad.rwd:1:8: error: unexpected keyword 'final'; expected a name"),
    ("function_name_is_reserved", HEAD + "const min = 1\n" + X + ACT,
     "bad.rwd:3:7: error: unexpected keyword 'min'; expected a name"),
    ("action_named_sum", HEAD + X + "action sum { }\n",
     "bad.rwd:4:8: error: unexpected keyword 'sum'; expected a name"),
    ("unterminated", HEAD + X + "action a { x' = x + 1\n",
     "bad.rwd:5:1: error: unexpected end of file; expected one of 'requires', 'reward', '}', "
     "a primed state name like x'"),
    ("missing_expression", HEAD + X + ACT + "reward step =\n",
     "bad.rwd:5:13: error: expected an expression after '='"),
    ("missing_equals", HEAD + X + "action a { x' x }\n",
     "bad.rwd:4:15: error: unexpected name 'x'; expected '='"),
    ("bad_reward_kind", HEAD + X + ACT + "reward total = 1\n",
     "bad.rwd:5:8: error: unexpected name 'total'; expected 'final' or 'step'"),
    ("bad_char", HEAD + X + ACT + "safe x <= 3 $\n",
     "bad.rwd:5:13: error: unexpected character '$'"),
    ("leading_dot", HEAD + X + ACT + "reward step = .5\n",
     "bad.rwd:5:15: error: unexpected character '.' (a number has digits on both sides of its point, like 0.5)"),
    ("semicolon", HEAD + X + "action a { x' = 1; }\n",
     "bad.rwd:4:18: error: unexpected character ';' (declarations and action items need no separator)"),
    ("type_missing", HEAD + "state x : in [0, 9] init 0\n" + ACT,
     "bad.rwd:3:11: error: unexpected keyword 'in'; expected one of 'bool', 'int', 'real'"),
    ("state_without_init", HEAD + "state x : real in [0, 9]\n" + ACT,
     "bad.rwd:4:1: error: unexpected keyword 'action'; expected 'init'"),
    ("arg_not_int", HEAD + X + "action a(k : real in 1..2) { }\n",
     "bad.rwd:4:14: error: unexpected keyword 'real'; expected 'int'"),
    ("long_numeral", HEAD + "const c = " + "1" * 101 + "\n" + X + ACT,
     "bad.rwd:3:11: error: numeral has 101 characters; the limit is 100 digits"),
    ("deep_tree", HEAD + X + ACT + "reward step = " + " + ".join(["x"] * 300) + "\n",
     f"bad.rwd:5:15: error: expression is nested too deeply (more than {MAX_DEPTH} levels)"),
    ("deep_parentheses", HEAD + X + ACT + "reward step = " + "(" * 300 + "x" + ")" * 300 + "\n",
     f"bad.rwd:5:{15 + MAX_DEPTH}: error: parentheses are nested too deeply (more than {MAX_DEPTH} levels)"),
]

TYPES = [
    ("unknown_name", HEAD + "state temp : real in [0, 9] init 0\naction a { temp' = tmp + 1 }\n",
     "bad.rwd:4:20: error: unknown name 'tmp'; did you mean 'temp'?"),
    ("unknown_name_no_hint", HEAD + X + ACT + "safe zzz > 1\n",
     "bad.rwd:5:6: error: unknown name 'zzz'"),
    ("unknown_state_effect", HEAD + X + "action a { xx' = 1 }\n",
     "bad.rwd:4:12: error: unknown state 'xx'; did you mean 'x'?"),
    ("dist_in_step", HEAD + W + X + ACT + "reward step = x + w\n",
     "bad.rwd:6:19: error: disturbance 'w' cannot be used in reward step, which sees states and params"),
    ("dist_in_final", HEAD + W + X + ACT + "reward final = w\n",
     "bad.rwd:6:16: error: disturbance 'w' cannot be used in reward final, which sees states and params"),
    ("dist_in_requires", HEAD + W + X + "action a { requires w <= 1 }\n",
     "bad.rwd:5:21: error: disturbance 'w' cannot be used in requires of 'a', which sees states, params, arguments"),
    ("dist_in_assume", HEAD + W + "assume w <= 1\n" + X + ACT,
     "bad.rwd:4:8: error: disturbance 'w' cannot be used in assume, which sees params, uncertain initial states "
     "and sum/count of disturbances"),
    ("known_state_in_assume", HEAD + X + "assume x <= 3\n" + ACT,
     "bad.rwd:4:8: error: state 'x' cannot be used in assume, which sees params, uncertain initial states and "
     "sum/count of disturbances"),
    ("sum_outside_assume", HEAD + W + X + ACT + "reward step = sum(w)\n",
     "bad.rwd:6:15: error: sum(...) may appear only inside 'assume'"),
    ("count_in_effect", HEAD + "disturbance r : bool\n" + X + "action a { x' = count(r) }\n",
     "bad.rwd:5:17: error: count(...) may appear only inside 'assume'"),
    ("sum_of_a_param", HEAD + "param p : real in [0, 1]\nassume sum(p) <= 1\n" + X + ACT,
     "bad.rwd:4:8: error: 'p' is a param; sum takes exactly one disturbance name, e.g. sum(d)"),
    ("sum_of_a_state", HEAD + X + "assume sum(x) <= 1\n" + ACT,
     "bad.rwd:4:8: error: 'x' is a state; sum takes exactly one disturbance name, e.g. sum(d)"),
    ("count_of_real", HEAD + W + "assume count(w) <= 1\n" + X + ACT,
     "bad.rwd:4:8: error: count needs a bool disturbance; 'w' is real (use sum)"),
    ("sum_of_bool", HEAD + "disturbance r : bool\nassume sum(r) <= 1\n" + X + ACT,
     "bad.rwd:4:8: error: sum needs a numeric disturbance; 'r' is bool (use count)"),
    ("arg_in_safe", HEAD + X + "action a(k : int in 1..2) { x' = x + k }\nsafe k <= 2\n",
     "bad.rwd:5:6: error: 'k' is an argument of action 'a' and exists only inside that action, not in safe"),
    ("param_in_bound", HEAD + "param p : real in [0, 1]\nstate y : real in [0, p] init 0\n" + X + ACT,
     "bad.rwd:4:23: error: param 'p' cannot be used in the upper bound of state 'y', which sees numbers and "
     "constants"),
    ("state_in_const", HEAD + X + "const c = x\n" + ACT,
     "bad.rwd:4:11: error: state 'x' cannot be used in constant 'c', which sees numbers and constants"),
    ("const_before_declaration", HEAD + "const k = m + 1\nconst m = 2\n" + X + ACT,
     "bad.rwd:3:11: error: constant 'm' is used before its declaration (constants may use earlier constants only)"),
    ("int_gets_real", HEAD + "state n : int in [0, 9] init 0\naction a { n' = n + 0.5 }\n",
     "bad.rwd:4:17: error: effect assigns a real expression to int state 'n'"),
    ("int_gets_division", HEAD + "state n : int in [0, 9] init 0\naction a {\n  n' = n / 2\n}\n",
     "bad.rwd:5:8: error: effect assigns a real expression to int state 'n'"),
    ("int_gets_bool", HEAD + "state n : int in [0, 3] init 0\naction a { n' = true }\n",
     "bad.rwd:4:17: error: effect assigns a bool expression to int state 'n'"),
    ("bool_gets_number", HEAD + "state on : bool init false\n" + X + "action a { on' = x }\n",
     "bad.rwd:5:18: error: effect assigns a real expression to bool state 'on'"),
    ("assigned_twice", HEAD + X + "action a {\n  x' = x + 1\n  x' = x + 2\n}\n",
     "bad.rwd:6:3: error: state 'x' is assigned twice in action 'a' (first at line 5)"),
    ("assign_param", HEAD + "param p : real in [0, 1]\n" + X + "action a { p' = 1 }\n",
     "bad.rwd:5:12: error: only states can be assigned; 'p' is a param"),
    ("divisor_param", HEAD + "param p : real in [-1, 1]\n" + X + "action a { x' = x / p }\n",
     "bad.rwd:5:21: error: divisor may be zero: its declared range is [-1, 1]; a divisor's range must exclude 0"),
    ("divisor_arg", HEAD + X + "action a(k : int in -1..1) { x' = x / k }\n",
     "bad.rwd:4:39: error: divisor may be zero: its declared range is [-1, 1]; a divisor's range must exclude 0"),
    ("divisor_expression", HEAD + X + ACT + "reward step = 1 / (x - 1)\n",
     "bad.rwd:5:20: error: divisor may be zero: its declared range is [-1, 8]; a divisor's range must exclude 0"),
    ("divisor_literal_zero", HEAD + X + ACT + "reward step = x / 0\n",
     "bad.rwd:5:19: error: division by zero"),
    ("dup_name", HEAD + X + "param x : real in [0, 1]\n" + ACT,
     "bad.rwd:4:7: error: 'x' is already declared (as state at line 3)"),
    ("dup_action", HEAD + X + ACT + ACT,
     "bad.rwd:5:8: error: 'a' is already declared (as action at line 4)"),
    ("dup_horizon", HEAD + "horizon 3\n" + X + ACT,
     "bad.rwd:3:1: error: 'horizon' is declared twice (first at line 2)"),
    ("dup_reward_step", HEAD + X + ACT + "reward step = 1\nreward step = 2\n",
     "bad.rwd:6:1: error: 'reward step' is declared twice (first at line 5)"),
    ("no_domain", "horizon 2\n" + X + ACT,
     "bad.rwd:1:1: error: a file must start with 'domain NAME'"),
    ("empty_file", "",
     "bad.rwd:1:1: error: the file has no declarations; it must start with 'domain NAME'"),
    ("no_horizon", "domain d\n" + X + ACT,
     "bad.rwd:1:8: error: missing 'horizon N' declaration"),
    ("no_action", HEAD + X,
     "bad.rwd:1:8: error: a domain needs at least one action"),
    ("empty_range", HEAD + "state x : real in [5, 1] init 0\n" + ACT.replace("x' = x + 1", ""),
     "bad.rwd:3:20: error: empty range [5, 1] for state 'x'"),
    ("int_bound", HEAD + "state n : int in [0, 2.5] init 0\naction a { n' = n }\n",
     "bad.rwd:3:22: error: the upper bound of state 'n' must be an integer, got 5/2"),
    ("missing_range", HEAD + "param p : real\n" + X + ACT,
     "bad.rwd:3:7: error: param 'p' needs a range: 'p : real in [LO, HI]'"),
    ("bool_with_range", HEAD + "disturbance s : bool in [0, 1]\n" + X + ACT,
     "bad.rwd:3:26: error: bool disturbance 's' takes no range"),
    ("bool_uncertain_init", HEAD + "state b : bool init in [0, 1]\n" + X + ACT,
     "bad.rwd:3:25: error: bool state 'b' cannot have an uncertain 'init in [...]'"),
    ("bool_init_number", HEAD + "state on : bool init 1\n" + X + ACT,
     "bad.rwd:3:22: error: the initial value of state 'on' must be a condition (bool), got an int expression"),
    ("init_outside", HEAD + "state x : real in [0, 9] init 12\n" + ACT,
     "bad.rwd:3:31: error: initial value of state 'x' is 12, outside the declared range [0, 9]"),
    ("init_range_outside", HEAD + "state x : real in [0, 9] init in [3, 10]\n" + ACT,
     "bad.rwd:3:38: error: initial upper bound of state 'x' is 10, outside the declared range [0, 9]"),
    ("init_range_empty", HEAD + "state x : real in [0, 9] init in [3, 1]\n" + ACT,
     "bad.rwd:3:35: error: empty initial range [3, 1] for state 'x'"),
    ("int_init_fraction", HEAD + "state n : int in [0, 9] init 0.5\n" + X + ACT,
     "bad.rwd:3:30: error: initial value of state 'n' must be an integer, got 1/2"),
    ("nominal_outside", HEAD + "param p : real in [0, 1] nominal 2\n" + X + ACT,
     "bad.rwd:3:34: error: nominal value of param 'p' is 2, outside the declared range [0, 1]"),
    ("discount_high", HEAD + "discount 1.5\n" + X + ACT,
     "bad.rwd:3:10: error: discount must be in (0, 1], got 3/2"),
    ("discount_zero", HEAD + "discount 0\n" + X + ACT,
     "bad.rwd:3:10: error: discount must be in (0, 1], got 0"),
    ("discount_param", HEAD + "param p : real in [0, 1]\ndiscount p\n" + X + ACT,
     "bad.rwd:4:10: error: param 'p' cannot be used in discount, which sees numbers and constants"),
    ("horizon_zero", "domain d\nhorizon 0\n" + X + ACT,
     "bad.rwd:2:9: error: horizon must be between 1 and 10000, got 0"),
    ("horizon_fraction", "domain d\nhorizon 2.5\n" + X + ACT,
     "bad.rwd:2:9: error: horizon must be an integer, got 5/2"),
    ("pow_state_exponent", HEAD + "state x : real in [0, 9] init 1\naction a { x' = x ^ x }\n",
     "bad.rwd:4:21: error: state 'x' cannot be used in an exponent, which sees numbers and constants"),
    ("pow_negative", HEAD + X + ACT + "reward step = x ^ -1\n",
     "bad.rwd:5:19: error: the exponent of '^' must be a non-negative integer constant, got -1"),
    ("pow_fraction", HEAD + X + ACT + "reward step = x ^ 0.5\n",
     "bad.rwd:5:19: error: the exponent of '^' must be a non-negative integer constant, got 1/2"),
    ("pow_too_large", HEAD + X + ACT + "reward step = x ^ 65\n",
     "bad.rwd:5:19: error: exponent 65 is too large (the limit is 64)"),
    ("huge_constant", HEAD + "const k = 10 ^ 64\nconst m = k ^ 64\nconst n = m ^ 64\n" + X + ACT,
     "bad.rwd:5:11: error: numbers here can grow beyond 131072 bits (about 39456 digits); exact arithmetic that "
     "large is refused"),
    ("bool_plus", HEAD + X + ACT + "safe x + true <= 3\n",
     "bad.rwd:5:10: error: '+' needs a number, got a bool expression"),
    ("neg_bool", HEAD + X + ACT + "safe -true\n",
     "bad.rwd:5:7: error: unary '-' needs a number, got a bool expression"),
    ("not_number", HEAD + X + ACT + "safe not x\n",
     "bad.rwd:5:10: error: 'not' needs a condition (bool), got a real expression"),
    ("and_number", HEAD + "state n : int in [0, 3] init 0\n" + ACT.replace("x", "n") + "safe n and true\n",
     "bad.rwd:5:6: error: 'and' needs a condition (bool), got an int expression"),
    ("compare_mixed", HEAD + X + ACT + "safe x == true\n",
     "bad.rwd:5:6: error: '==' compares a real with a bool"),
    ("order_bools", HEAD + X + ACT + "safe true < false\n",
     "bad.rwd:5:6: error: '<' needs numbers, got a bool expression"),
    ("if_branches", HEAD + X + ACT + "reward step = if x > 1 then true else 1\n",
     "bad.rwd:5:15: error: the branches of 'if' have different types (bool and int)"),
    ("if_condition", HEAD + X + ACT + "reward step = if x then 1 else 2\n",
     "bad.rwd:5:18: error: 'if' needs a condition (bool), got a real expression"),
    ("reward_bool", HEAD + X + ACT + "reward step = x > 1\n",
     "bad.rwd:5:15: error: reward step must be a number, got a bool expression"),
    ("action_reward_bool", HEAD + X + "action a { reward x > 1 }\n",
     "bad.rwd:4:19: error: the reward of 'a' must be a number, got a bool expression"),
    ("safe_number", HEAD + X + ACT + "safe x + 1\n",
     "bad.rwd:5:6: error: safe must be a condition (bool), got a real expression"),
    ("requires_number", HEAD + X + "action a { requires x }\n",
     "bad.rwd:4:21: error: requires of 'a' must be a condition (bool), got a real expression"),
    ("two_rewards", HEAD + X + "action a {\n  x' = x\n  reward 1\n  reward 2\n}\n",
     "bad.rwd:7:3: error: action 'a' has more than one reward"),
    ("unknown_function", HEAD + X + ACT + "reward step = sqrt(x)\n",
     "bad.rwd:5:15: error: unknown function 'sqrt' (functions: min, max, abs, sum, count)"),
    ("misspelt_function", HEAD + X + ACT + "reward step = mni(x, 1)\n",
     "bad.rwd:5:15: error: unknown function 'mni'; did you mean 'min'?"),
    ("abs_arity", HEAD + X + ACT + "reward step = abs(x, 1)\n",
     "bad.rwd:5:15: error: abs takes 1 argument, got 2"),
    ("min_no_args", HEAD + X + ACT + "reward step = min()\n",
     "bad.rwd:5:15: error: min needs at least 1 argument"),
    ("arg_shadows", HEAD + X + "action a(x : int in 1..2) { }\n",
     "bad.rwd:4:10: error: argument 'x' of action 'a' shadows a declared name"),
    ("arg_twice", HEAD + X + "action a(k : int in 1..2, k : int in 1..2) { }\n",
     "bad.rwd:4:27: error: argument 'k' of action 'a' is declared twice"),
    ("arg_empty_range", HEAD + X + "action a(k : int in 3..2) { }\n",
     "bad.rwd:4:21: error: empty range 3..2 for argument 'k'"),
    ("arg_fraction_bound", HEAD + X + "action a(k : int in 1..2.5) { }\n",
     "bad.rwd:4:24: error: the upper bound of argument 'k' must be an integer, got 5/2"),
    ("too_many_instances", HEAD + X + "action a(i : int in 1..1000, j : int in 1..1000) { }\n",
     "bad.rwd:4:8: error: action 'a' brings the domain to 1000000 action instances (one per combination of "
     "argument values); the limit is 100000"),
]

CASES = SYNTAX + TYPES


@pytest.mark.parametrize("name, source, first_line", CASES, ids=[c[0] for c in CASES])
def test_bad_program_reports_exact_position_and_message(name, source, first_line):
    kind = DslSyntaxError if (name, source, first_line) in SYNTAX else DslTypeError
    with pytest.raises(kind) as exc:
        load_text(source, "bad.rwd")
    lines = str(exc.value).splitlines()
    assert lines[0] == first_line
    assert len(exc.value.diagnostics) == 1, f"expected one error, got:\n{exc.value}"


def test_the_cases_are_distinct_and_many():
    assert len({c[2] for c in CASES}) == len(CASES) >= 25
    assert len({c[1] for c in CASES}) == len(CASES)


# ---- rendering (DSL.md §6) -----------------------------------------------------------------------

def test_rendering_matches_the_reference_example():
    from corpus import domain_files
    text = next(p for p in domain_files() if p.stem == "thermostat").read_text()
    text = text.replace("energy' = energy + p", "energy' = energy + 0.5 * p")
    with pytest.raises(DslTypeError) as exc:
        load_text(text, "thermostat.rwd")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "0.5 * p" in l)
    assert str(exc.value) == (f"thermostat.rwd:{line}:13: error: effect assigns a real expression to int state 'energy'\n"
                              "  energy' = energy + 0.5 * p\n"
                              "            ^")


def test_rendering_of_a_syntax_error_on_an_indented_line():
    source = HEAD + X + "action a {\n    requires x <= 3 <= 4\n}\n"
    with pytest.raises(DslSyntaxError) as exc:
        load_text(source, "bad.rwd")
    assert str(exc.value) == ("bad.rwd:5:21: error: comparisons cannot be chained: write 'a < b and b < c' "
                              "instead of 'a < b < c'\n"
                              "  requires x <= 3 <= 4\n"
                              "                  ^")


def test_rendering_with_tabs_keeps_the_caret_under_the_column():
    source = HEAD + X + "action a {\n\t\tx' = x + q\n}\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert str(exc.value) == ("bad.rwd:5:12: error: unknown name 'q'\n"
                              "  x' = x + q\n"
                              "           ^")


def test_a_long_line_is_shown_as_a_window_with_the_caret_on_the_culprit():
    source = HEAD + X + ACT + "reward step = " + " + ".join(["x"] * 60) + " + oops\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    head, shown, caret = str(exc.value).splitlines()
    assert head.startswith("bad.rwd:5:") and head.endswith("unknown name 'oops'")
    assert shown.startswith("  ...") and len(shown) <= 2 + 106
    assert shown[caret.index("^"):].startswith("oops")


def test_an_error_at_the_end_of_the_file():
    with pytest.raises(DslSyntaxError) as exc:       # after the last character of the last line
        load_text(HEAD + "safe x <=", "bad.rwd")
    assert str(exc.value) == ("bad.rwd:3:10: error: unexpected end of file; expected an expression\n"
                              "  safe x <=\n"
                              "           ^")
    with pytest.raises(DslSyntaxError) as exc:       # the line ends unfinished: point at its operator
        load_text(HEAD + "safe x <=\n", "bad.rwd")
    assert str(exc.value).startswith("bad.rwd:3:8: error: expected an expression after '<='")


def test_diagnostic_render_without_source():
    assert Diagnostic("f.rwd", 3, 4, "boom").render() == "f.rwd:3:4: error: boom"


def test_errors_from_a_file_name_the_path(tmp_path):
    path = tmp_path / "broken.rwd"
    path.write_text(HEAD + X + ACT + "safe x <= y\n")
    with pytest.raises(DslTypeError) as exc:
        load_domain(path)
    assert str(exc.value).splitlines()[0] == f"{path}:5:11: error: unknown name 'y'"


# ---- several errors, and no cascades -------------------------------------------------------------

def test_several_errors_in_one_run_sorted_by_position():
    source = HEAD + "state x : real in [0, 9] init 0\nsafe x + 1\naction a { x' = y + 1 }\nreward step = z\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert [(d.line, d.col) for d in exc.value.diagnostics] == [(4, 6), (5, 17), (6, 15)]
    text = str(exc.value)
    assert text.count(": error: ") == 3 and text.count("\n  ") == 6   # each with its line and caret


def test_a_broken_declaration_does_not_cascade_into_its_uses():
    source = HEAD + "state x : real in [5, 1] init 0\naction a { x' = x + 1 }\nsafe x <= 3\nreward final = x\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert [d.message for d in exc.value.diagnostics] == ["empty range [5, 1] for state 'x'"]


@pytest.mark.parametrize("uses", [
    "state x : real in [0, k] init 0\n" + ACT + "safe x <= k\n",
    "state x : real in [0, 9] init k\n" + ACT,
    "state x : real in [0, 9] init in [0, k]\n" + ACT,
    "param p : real in [0, 9] nominal k\n" + X + ACT,
    "state b : bool init k > 1\n" + X + ACT,
    "horizon k\n" + X + ACT,
    X + "action go(n : int in 1..k) { x' = x + n }\n",
    X + "reward step = x ^ k\n" + ACT,
])
def test_a_broken_constant_does_not_cascade_into_its_uses(uses):
    source = "domain d\nconst k = 1 / 0\n" + ("" if uses.startswith("horizon") else "horizon 2\n") + uses
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert [d.message for d in exc.value.diagnostics] == ["division by zero"]


def test_a_broken_argument_does_not_cascade_into_its_uses():
    source = HEAD + X + "action go(n : int in 3..1) { requires n > 1  x' = x + n  reward n }\n"
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    assert [d.message for d in exc.value.diagnostics] == ["empty range 3..1 for argument 'n'"]


def test_too_many_errors_are_cut_short():
    source = HEAD + X + ACT + "".join(f"safe q{i} > 0\n" for i in range(200))
    with pytest.raises(DslTypeError) as exc:
        load_text(source, "bad.rwd")
    messages = [d.message for d in exc.value.diagnostics]
    assert len(messages) == 51 and messages[-1] == "too many errors; only the first 50 are shown"


def test_every_error_is_a_warrant_error_with_a_position():
    for cls in (DslSyntaxError, DslTypeError):
        assert issubclass(cls, SourceError) and issubclass(cls, WarrantError)
    pattern = re.compile(r"bad\.rwd:\d+:\d+: error: \S")
    for name, source, _ in CASES:
        with pytest.raises(SourceError) as exc:
            load_text(source, "bad.rwd")
        assert pattern.match(str(exc.value)), name


# A horizon-dependent check: `sum` over more steps needs more bits, so a domain accepted at
# its declared horizon can be refused under a larger `--horizon`. The override must be checked.
_SUM_SIZE = """domain sums
horizon 6
const big = 2^60
disturbance d : int in [0, big^17]
state s : int in [0, 1] init 0
action stay { s' = s }
assume ((sum(d))^64)^2 >= 0
reward step = 0
"""


def test_horizon_override_is_type_checked_again():
    domain = load_text(_SUM_SIZE, "sums.rwd")
    assert domain.with_horizon(7).horizon == 7
    with pytest.raises(DslTypeError, match="beyond"):
        domain.with_horizon(16)
    with pytest.raises(DslTypeError, match="beyond"):
        load_text(_SUM_SIZE, "sums.rwd", horizon=16)


def test_sum_of_a_broken_disturbance_reports_only_the_declaration():
    # Once crashed the size check with a KeyError (an internal error on a user's typo).
    src = _SUM_SIZE.replace("big^17", "2^1020")
    with pytest.raises(DslTypeError) as info:
        load_text(src, "sums.rwd")
    assert [d.message for d in info.value.diagnostics] == ["exponent 1020 is too large (the limit is 64)"]
