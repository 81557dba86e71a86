"""One call from a path (or text) to a checked `Domain`."""
from __future__ import annotations

from pathlib import Path

from dsl.model import Domain
from dsl.parser import parse_file, parse_text
from dsl.typecheck import check_program


def load_domain(path: str | Path) -> Domain:
    """Parse and type-check a .rwd file; raises a `WarrantError` subclass on any problem."""
    return check_program(parse_file(path))


def load_text(text: str, filename: str = "<string>") -> Domain:
    return check_program(parse_text(text, filename))
