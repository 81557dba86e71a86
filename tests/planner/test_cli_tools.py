"""`warrant corpus frontier|headroom|throughput`: the corpus tools as subcommands, their text
and their input errors; and the layout of planner/cli (no import circle; only it prints)."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
THERMO = "corpus/domains/thermostat.rwd"


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_corpus_frontier_prints_a_markdown_table(capsys):
    code, out, _ = cli(capsys, "corpus", "frontier", "--domains", "sir", "--horizons", "3,4", "--strategies", "smear",
                       "--search-seconds", "10")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert lines[0].startswith("| domain | H | strategy | verdict | certified L |") and lines[1].startswith("| --- |")
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[:4] == ["sir", "4", "smear", "proved"] and float(cells[4]) <= float(cells[5])
    assert cells[6].endswith("%")


@pytest.mark.parametrize("argv, shown", [
    (["--domains", "thermostat"], "--domains: unknown ['thermostat']"),
    (["--strategies", "magic"], "--strategies: unknown ['magic']"),
    (["--horizons", "4,x"], "--horizons: not a list of integers"),
    (["--horizons", "0"], "--horizons must be at least 1"),
])
def test_corpus_frontier_refuses_bad_input(capsys, argv, shown):
    code, out, err = cli(capsys, "corpus", "frontier", *argv)
    assert code == 2 and out == "" and shown in err


def test_corpus_headroom_prints_a_line_per_goal_and_the_summary(capsys):
    code, out, _ = cli(capsys, "corpus", "headroom", "--domain", "sir", "--max-goals", "2", "--no-lookahead")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert all(" H=" in line and "interval leaves only" in line and "lookahead" not in line for line in lines[:2])
    assert lines[2].startswith("interval-only / mean-value smear over the 2 goals below the caps: median ")


def test_corpus_headroom_with_the_lookahead_and_without_pins(capsys):
    code, out, _ = cli(capsys, "corpus", "headroom", "--domain", "sir", "--max-goals", "1", "--no-pins",
                       "--fractions", "1/4,1/2,3/4")
    lines = out.splitlines()
    assert code == 0 and "; lookahead " in lines[0] and lines[0].endswith("x")
    assert lines[1].startswith("lookahead / smear over the 1 goals below the caps")
    from prover.bounds import mean_value
    assert not hasattr(mean_value, "MONOTONE")          # --no-pins is a parameter, no process state


@pytest.mark.parametrize("fractions", ["0,1/2", "1/2,x"])
def test_corpus_headroom_refuses_split_points_outside_the_box(capsys, fractions):
    code, _, err = cli(capsys, "corpus", "headroom", "--fractions", fractions)
    assert code == 2 and "--fractions" in err


def test_corpus_throughput_prints_a_rate(capsys):
    code, out, _ = cli(capsys, "corpus", "throughput", THERMO, "--boxes", "100", "--horizon", "4")
    assert code == 0 and out.startswith(f"{THERMO}: ") and out.endswith(" boxes/s (100 boxes per batch)\n")


@pytest.mark.parametrize("argv, code, shown", [
    (["corpus/domains/nope.rwd"], 2, "nope.rwd"),
    ([THERMO, "--horizon", "0"], 2, "--horizon must be between 1 and"),
    ([THERMO, "--boxes", "0"], 2, "must be at least 1"),
])
def test_corpus_throughput_refuses_bad_input(capsys, argv, code, shown):
    got, out, err = cli(capsys, "corpus", "throughput", *argv)
    assert got == code and out == "" and shown in err


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _cli_graph() -> nx.DiGraph:
    modules = {f"planner.cli.{p.stem}": p for p in (ROOT / "planner" / "cli").glob("*.py") if p.stem != "__init__"}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        g.add_edges_from((name, m) for m in _imports(path) if m in modules and m != name)
    return g


def test_the_cli_modules_import_each_other_without_a_circle():
    """Command modules import args and render*; main imports the command modules; render*
    and args import no command module (the old planner/cli*.py were a 7-file circle)."""
    g = _cli_graph()
    assert nx.is_directed_acyclic_graph(g), list(nx.simple_cycles(g))
    groups = {f"planner.cli.{m}" for m in ("dsl", "verify", "plan", "bench", "learn")}
    commands = groups | {"planner.cli.tools"}         # `corpus`'s analysis actions, registered by learn
    assert groups <= set(g.successors("planner.cli.main")) and commands <= nx.descendants(g, "planner.cli.main")
    for shared in [n for n in g if n.split(".")[-1].startswith("render") or n.endswith(".args")]:
        assert not commands & nx.descendants(g, shared), shared


def _prints(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" or
               isinstance(n, ast.Attribute) and n.attr == "argv" for n in ast.walk(tree))


def test_only_planner_cli_prints_or_reads_argv():
    outside = [p for d in ("planner", "corpus") for p in (ROOT / d).rglob("*.py")
               if "cli" not in p.relative_to(ROOT).parts]
    assert [str(p.relative_to(ROOT)) for p in outside if _prints(p)] == []
