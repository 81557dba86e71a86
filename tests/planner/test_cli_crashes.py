"""A crash is never a verdict: every unexpected exception exits 4 with one line and a hint
(exit 1 means *refuted*), and the inputs that once crashed give their right answers."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from dsl.errors import InternalError
from planner.cli import main

cli = importlib.import_module("planner.cli.main")     # the dispatcher module (planner.cli.main is the function)

HINT = "this is a bug in warrant; rerun with WARRANT_DEBUG=1 for the traceback"

TINY = """domain tiny
horizon 2
param p : real in [0, 1]
state s : real in [0, 10] init 0
action go { s' = s + p }
reward step = s
"""


def _file(tmp_path, text: str, name: str = "d.rwd") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _crashing_handler(exc: BaseException):
    def handler(args, out):
        raise exc
    return handler


@pytest.mark.parametrize("exc, shown", [
    (RuntimeError("boom\nsecond line"), "internal error: RuntimeError: boom second line — "),
    (RecursionError("maximum recursion depth exceeded"), "internal error: RecursionError: maximum recursion"),
    (ZeroDivisionError(), "internal error: ZeroDivisionError: — "),
    (InternalError("Z3 and the interpreter disagree"), "internal error: Z3 and the interpreter disagree — "),
])
def test_unexpected_exceptions_exit_4_with_one_line(monkeypatch, capsys, tmp_path, exc, shown):
    real = cli.build_parser

    def patched():
        parser, handlers = real()
        return parser, {**handlers, "check": _crashing_handler(exc)}
    monkeypatch.setattr(cli, "build_parser", patched)
    monkeypatch.delenv("WARRANT_DEBUG", raising=False)
    code = main(["check", _file(tmp_path, TINY)])
    out, err = capsys.readouterr()
    assert code == 4 and code == InternalError.exit_code
    assert "Traceback" not in out + err
    assert err.count("\n") == 1 and err.startswith(shown) and err.rstrip().endswith(HINT)


def test_warrant_debug_adds_the_traceback(monkeypatch, capsys, tmp_path):
    real = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: (real()[0], {"check": _crashing_handler(KeyError("x"))}))
    monkeypatch.setenv("WARRANT_DEBUG", "1")
    code = main(["check", _file(tmp_path, TINY)])
    err = capsys.readouterr().err
    assert code == 4 and "Traceback" in err and err.rstrip().endswith(HINT)


def test_a_real_process_that_crashes_exits_4_not_1(tmp_path):
    """End to end: a process whose command raises deep inside exits 4 with one stderr line."""
    path = _file(tmp_path, TINY)
    script = ("import sys, planner.cli as c, prover.search.verify as v\n"
              "def boom(*a, **k):\n    raise ValueError('need at least one array to stack')\n"
              "v.verify_search = boom\n"
              f"sys.exit(c.main(['verify', {path!r}, '--plan', 'go; go', '--bound', '0']))\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 4, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert r.stderr.startswith("internal error: ValueError: need at least one array to stack")


HUGE = """domain huge
horizon 1
const b = (10^64)^7
param p : real in [0, 1]
state s : real in [0, 10] init 0
action go { s' = s + p }
reward final = s - b
"""


def test_a_constant_beyond_the_float_range_simulates_and_verifies(capsys, tmp_path):
    """`(10^64)^7` once raised OverflowError in interval.const_bounds and in simulate's output."""
    path = _file(tmp_path, HUGE)
    assert main(["simulate", path, "--plan", "go"]) == 0
    out, err = capsys.readouterr()
    assert "-1e+448" in out and "Traceback" not in out + err
    assert main(["verify", path, "--plan", "go", "--bound", "0"]) == 1         # R = s - 10^448 < 0
    out, err = capsys.readouterr()
    assert "counterexample" in out and "Traceback" not in out + err
    assert main(["verify", path, "--plan", "go", "--tightest", "--strategy", "z3", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["verdict"] == "proved" and obj["lower_bound"] == str(-(10**448))      # the exact minimum


@pytest.mark.parametrize("limit, code", [("1e400", 2), ("1e9", 0), ("1/2", 0)])
def test_time_limits_of_any_size(capsys, tmp_path, limit, code):
    """`--time-limit 1e400` once raised OverflowError; it is now a usage error, and 1e9 works."""
    path = _file(tmp_path, TINY)
    assert main(["verify", path, "--plan", "go; go", "--bound", "0", "--time-limit", limit]) == code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 2:
        assert "--time-limit" in err and "at most" in err


def test_a_lost_worker_is_reported_as_itself_not_as_a_bug(capsys, monkeypatch):
    """A worker killed on every attempt is the machine's failure: exit 4 with what happened,
    without the 'bug in warrant' line."""
    from prover.search.executor import WorkerLost

    def lost(args, out):
        raise WorkerLost("a worker process died 3 time(s) running a job")
    parser, handlers = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: (parser, {**handlers, "check": lost}))
    assert cli.main(["check", "corpus/domains/proxy.rwd"]) == 4
    err = capsys.readouterr().err
    assert "worker process died" in err and HINT not in err
