"""Progress on long work: library code reports events through a callback (it never prints),
and the CLI renders them on stderr only when stderr is a terminal, never with --json or --quiet."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from corpus import domain_files, known_plan
from dsl.load import load_domain
from dsl.plan import parse_plan
from prover.calculus.progress import Progress

ROOT = Path(__file__).resolve().parents[2]
SIR = next(p for p in domain_files() if p.stem == "sir")
PROXY = next(p for p in domain_files() if p.stem == "proxy")


def test_verify_search_and_the_checker_report_progress(tmp_path):
    from prover.check.checker import check_certificate
    from prover.search.loop import Budget
    from prover.search.verify import verify_search
    d = load_domain(SIR)
    events: list[Progress] = []
    r = verify_search(d, parse_plan(known_plan(SIR), d), None, "smear", Budget(400, 30), progress=events.append)
    assert r.verdict == "proved"
    stages = [e.stage for e in events]
    assert "validity search" in stages and "reward search" in stages and stages[-1] == "checking the certificate"
    searched = [e for e in events if e.stage == "reward search"]
    assert all(0 < e.total <= 400 and 0 <= e.done <= e.total for e in searched)      # this search's share
    assert [e.done for e in searched] == sorted(e.done for e in searched)
    checked: list[Progress] = []
    report = check_certificate(d, r.certificate, progress=checked.append)
    assert checked and checked[-1] == Progress("checking certificate", report.nodes, report.nodes)


def test_the_planning_loop_reports_rounds_and_candidates():
    from planner.loop import PlanOptions, plan_and_verify
    events: list[Progress] = []
    res = plan_and_verify(load_domain(PROXY), PlanOptions(candidates=3, time_limit=30, workers=1), (),
                          events.append)
    assert res.selected is not None
    assert events[0] == Progress("round 1: graph search", 0, None, "1 scenario(s)")
    proving = [e for e in events if e.stage == "round 1: proving candidates"]
    assert [e.done for e in proving] == [1, 2, 3] and {e.total for e in proving} == {3}
    assert {e.detail for e in proving} <= {"proved", "refuted", "unknown"}


def _in_a_terminal(*argv: str) -> tuple[int, str, str]:
    """Run `warrant argv` with stderr on a pseudo-terminal and stdout on a pipe; (code, stdout,
    what the terminal showed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    for var in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(var, None)
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from planner.cli import main; sys.exit(main())",
                             *argv], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            cwd=ROOT, env=env)
    os.close(slave)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:             # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    out = proc.stdout.read().decode()
    code = proc.wait(timeout=120)
    os.close(master)
    return code, out, shown.decode(errors="replace")


VERIFY = ["verify", str(SIR), "--plan", known_plan(SIR), "--tightest", "--strategy", "smear",
          "--node-budget", "400"]


def test_a_terminal_shows_the_progress_of_verify_on_stderr():
    code, out, shown = _in_a_terminal(*VERIFY)
    assert code == 0 and "PROVED" in out
    assert "search" in shown and "checking the certificate" in shown
    assert "search" not in out.replace("strategy smear", "")    # progress never goes to stdout


def test_json_and_quiet_show_no_progress_even_in_a_terminal():
    code, out, shown = _in_a_terminal(*VERIFY, "--json")
    assert code == 0 and json.loads(out)["verdict"] == "proved"      # stdout is exactly one JSON object
    assert "search" not in shown and "checking" not in shown
    code, out, shown = _in_a_terminal(*VERIFY, "--quiet")
    assert code == 0 and "PROVED" in out and shown.strip() == ""


@pytest.mark.parametrize("command", ["check-cert", "plan-and-verify"])
def test_check_cert_and_plan_and_verify_show_progress_in_a_terminal(tmp_path, command):
    if command == "check-cert":
        cert = tmp_path / "c.json"
        assert subprocess.run([sys.executable, "-c", "import sys; from planner.cli import main; sys.exit(main())",
                               *VERIFY, "--cert", str(cert), "--quiet"], cwd=ROOT, capture_output=True).returncode == 0
        code, out, shown = _in_a_terminal("check-cert", str(SIR), str(cert))
        assert code == 0 and "certificate valid" in out and "checking certificate" in shown
    else:
        code, out, shown = _in_a_terminal("plan-and-verify", str(PROXY), "--workers", "1", "--candidates", "3")
        assert code == 0 and "selected" in out and "round 1: proving candidates" in shown
        assert "proving candidates" not in out


def test_progress_is_not_shown_when_stderr_is_not_a_terminal(capsys):
    from planner.cli import main
    assert main(VERIFY) == 0
    out, err = capsys.readouterr()
    assert "PROVED" in out and err == ""
