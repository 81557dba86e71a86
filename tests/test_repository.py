"""The repository's own text: no file holds a leftover merge-conflict marker (docs/benchmarks.md
carried one for a day after a merge)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7}( .*)?|={7}|>{7}( .*)?)$", re.M)
SKIP = {".git", ".venv", "node_modules", "__pycache__"}


def text_files():
    for p in ROOT.rglob("*"):
        if p.is_file() and p.suffix in {".py", ".md", ".toml", ".rwd", ".lark", ".json", ".txt", ".cfg"} \
                and not SKIP & set(p.relative_to(ROOT).parts):
            yield p


def test_no_file_holds_a_merge_conflict_marker():
    found = [f"{p.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
             for p in text_files() for text in [p.read_text(errors="replace")] for m in MARKER.finditer(text)]
    assert not found, f"merge-conflict markers left in: {found}"


def test_the_marker_pattern_finds_a_conflict(tmp_path):
    text = "a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> main\n"
    assert len(MARKER.findall(text)) == 3 and not MARKER.findall("a\n======== b\n<<<<<<<< c\n")
