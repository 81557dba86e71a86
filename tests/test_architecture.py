"""The architecture contracts of docs/architecture.md (import-linter, in pyproject.toml) hold:
the layers point one way, only the backends import solvers, only the policy imports torch, the
checker imports no search or float bound code, and no package has an import cycle."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("dsl", "prover", "planner", "corpus")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    """lint-imports on the packages under `tree`, with its pyproject.toml's contracts."""
    exe = Path(sys.executable).parent / "lint-imports"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(exe), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=600)


def test_every_architecture_contract_is_kept():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def module_cycles(packages=PACKAGES) -> list[list[str]]:
    """Every cycle of modules importing each other (imports made only for type checking aside).
    Two packages may lean on each other — the policy's training runs searches, the search runs
    policies — but no chain of module imports may come back to where it started."""
    import grimp
    import networkx as nx
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True)
    arrows = nx.DiGraph((m, n) for m in graph.modules for n in graph.find_modules_directly_imported_by(m))
    return sorted(nx.simple_cycles(arrows), key=len)


def test_no_module_imports_itself_through_others():
    cycles = module_cycles()
    assert not cycles, "\n".join(" -> ".join(c + c[:1]) for c in cycles[:20])


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.safetensors"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}  # noqa: E402,F401\n")


def test_the_contracts_catch_a_checker_importing_the_search(tmp_path):
    tree = _copy(tmp_path)
    _add_line(tree / "prover" / "check" / "checker.py", "import prover.search.loop")
    done = lint_imports(tree)
    assert done.returncode != 0 and "prover.check is not allowed to import prover.search" in done.stdout


def test_the_contracts_catch_an_import_cycle(tmp_path):
    tree = _copy(tmp_path)
    _add_line(tree / "dsl" / "ast.py", "import dsl.interp")
    done = lint_imports(tree)
    assert done.returncode != 0 and "No cycles are allowed in dsl" in done.stdout
