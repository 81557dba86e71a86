"""One call from a path (or text) to a checked `Domain`."""
from __future__ import annotations

from pathlib import Path

from dsl.model import Domain
from dsl.parser import parse_file, parse_text
from dsl.declarations import check_program


def load_domain(path: str | Path, horizon: int | None = None) -> Domain:
    """Parse and type-check a .rwd file; raises a `WarrantError` subclass on any problem.
    `horizon` overrides the file's horizon and is checked like a declared one."""
    return check_program(parse_file(path), horizon)


def load_text(text: str, filename: str = "<string>", horizon: int | None = None) -> Domain:
    return check_program(parse_text(text, filename), horizon)
