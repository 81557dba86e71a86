"""Numbers for human eyes: exact short decimals or marked `≈`, never a fraction beside an
unmarked decimal, bounds rounded so that they stay true, long fractions only in JSON; and the
text and JSON reports of one planning run agree."""
from __future__ import annotations

import json
import re
from fractions import Fraction

from corpus import domain_files, known_plan
from planner.cli import main
from planner.numbers_text import bound, cell, equals, exact_decimal, value

PORTFOLIO = next(p for p in domain_files() if p.stem == "portfolio")
SIR = next(p for p in domain_files() if p.stem == "sir")
PROXY = next(p for p in domain_files() if p.stem == "proxy")


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_one_rule_for_numbers():
    assert exact_decimal(Fraction(236, 3125), 6) == "0.07552" and exact_decimal(Fraction(1, 3), 30) is None
    assert cell(Fraction(286, 5)) == "57.2" and cell(Fraction(2, 3)) == "≈0.6667" and cell(True) == "true"
    assert value(Fraction(-9, 2)) == "-4.5" and value(Fraction(2, 3)) == "2/3 ≈ 0.6666667"
    long = Fraction(10**30 + 1, 3 * 10**29)
    assert value(long) == "≈ 3.333333" and equals(long) == "≈ 3.333333" and equals(16) == "= 16"
    # a bound printed rounded stays a true statement: lower bounds down, upper bounds up
    assert bound(long) == "3.333333 (rounded down)" and bound(long, up=True) == "3.333334 (rounded up)"
    assert bound(-long) == "-3.333334 (rounded down)"


def test_simulate_marks_every_rounded_value_and_says_the_total_is_discounted(capsys):
    code, out, _ = cli(capsys, "simulate", PORTFOLIO, "--plan", known_plan(PORTFOLIO), "--scenario", "random")
    assert code == 0
    cells = [c.strip() for line in out.splitlines() if line.startswith("│") for c in line.strip("│").split("│")]
    numbers = [c for c in cells if c and c not in ("init",) and not c[0].isalpha()]
    assert numbers and not [c for c in numbers if "/" in c], "no fractions in the table"
    assert all(c.startswith("≈") or exact_decimal(Fraction(c), 8) == c for c in numbers)
    assert any(c.startswith("≈") for c in numbers) and "≈: rounded to 4 significant digits" in out
    total = next(line for line in out.splitlines() if line.startswith("total reward"))
    assert "discounted" in total and "0.95^t" in total
    assert not re.search(r"≈ [-\d.]+ \(≈", total), "one approximation, not two"


def test_check_cert_messages_are_short_and_its_json_exact(capsys, tmp_path):
    cert = tmp_path / "c.json"
    assert cli(capsys, "verify", SIR, "--plan", known_plan(SIR), "--tightest", "--strategy", "smear",
               "--node-budget", "400", "--cert", cert)[0] == 0
    data = json.loads(cert.read_text())
    claimed = Fraction(-131, 10) + Fraction(1, 3**80)           # above the worst case: a leaf must fail
    data["claim"]["reward_at_least"] = str(claimed)
    cert.write_text(json.dumps(data))
    code, _, err = cli(capsys, "check-cert", SIR, cert)
    assert code == 1 and "below the claimed ≈ -13.1" in err
    assert not re.search(r"\d{20}", err), err
    code, out, _ = cli(capsys, "check-cert", SIR, cert, "--json")
    rejected = json.loads(out)
    assert code == 1 and Fraction(rejected["claimed_bound"]) == claimed
    assert Fraction(rejected["lower_bound"]) < claimed and not re.search(r"\d{20}", rejected["reason"])


def test_text_and_json_of_a_planning_run_agree(capsys):
    args = ("plan-and-verify", PROXY, "--workers", "1", "--candidates", "4")
    code, text, _ = cli(capsys, *args)
    code_json, out, _ = cli(capsys, *args, "--json")
    assert code == code_json == 0
    result = json.loads(out)
    headers = re.findall(r"round (\d+): (\d+) scenario\(s\), graph (\d+) nodes", text)
    assert headers == [(str(r["round"]), str(r["scenarios"]), str(r["graph_nodes"])) for r in result["rounds"]]
    assert [r["round"] for r in result["rounds"]] == list(range(1, len(result["rounds"]) + 1))
    assert {c["round"] for c in result["candidates"]} <= {r["round"] for r in result["rounds"]}
    assert f"selected: {'; '.join(result['selected']['plan'])}" in text
