"""A corpus reads its goals against the domain files they were made from: by the path and
sha256 its manifest records, whatever the working directory, and an edited domain file or a
corrupted goals file is a clean input error (exit 2), never a silent re-interpretation."""
from __future__ import annotations

import shutil

import pytest

from corpus import domain_files
from corpus import goalset
from dsl.errors import InputError
from planner.cli import main

GRID = next(p for p in domain_files() if p.stem == "grid_delivery")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "mine").mkdir()
    domain = root / "mine" / GRID.name
    shutil.copy(GRID, domain)
    goalset.build(root / "set", seed=1, per_domain=1, files=[domain])
    return root / "set", domain


def test_goals_resolve_to_the_recorded_file_not_one_of_the_same_name_in_the_cwd(corpus, tmp_path, monkeypatch):
    out, domain = corpus
    other = tmp_path / GRID.name
    other.write_text(GRID.read_text().replace("domain grid_delivery", "domain other", 1))
    monkeypatch.chdir(tmp_path)
    (r,) = goalset.load_records(out)
    assert goalset.Path(r.domain).resolve() == domain.resolve()


def test_a_domain_edited_after_the_build_is_refused(corpus, capsys):
    """Also within one process that already read the file: the checks and loaded domains are
    cached by the file's version, not its path (a module-level dict kept the first answer)."""
    out, domain = corpus
    text = domain.read_text()
    (r,) = goalset.load_records(out)
    assert goalset.to_goal(r).domain.name == "grid_delivery"
    try:
        domain.write_text(text + "\n# edited\n")
        with pytest.raises(InputError, match="changed since the corpus"):
            goalset.load_records(out)
        code = main(["eval", "--corpus", str(out), "--split", "test", "--strategies", "smear",
                     "--node-budget", "20", "--time-limit", "1"])
        _, err = capsys.readouterr()
        assert code == 2 and "rebuild the corpus" in err and "Traceback" not in err
    finally:
        domain.write_text(text)
    (r,) = goalset.load_records(out)                     # the file as it was built: accepted again
    domain.write_text(text.replace("domain grid_delivery", "domain grid_renamed", 1) + " ")
    try:
        assert goalset.to_goal(r).domain.name == "grid_renamed"     # the edited file, read again
    finally:
        domain.write_text(text)


@pytest.mark.parametrize("line", ['{"bad json', '{"a": 1}', None])
def test_a_corrupted_goals_file_names_the_line(corpus, tmp_path, line):
    out, _ = corpus
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    goals = bad / "goals.jsonl"
    if line is None:     # a record whose bound is not a rational
        line = goals.read_text().splitlines()[0].replace('"bound": "', '"bound": "abc', 1)
    goals.write_text(goals.read_text() + line + "\n")
    n = len(goals.read_text().splitlines())
    with pytest.raises(InputError, match=f"goals.jsonl:{n}: not a goal record"):
        goalset.load_records(bad)
