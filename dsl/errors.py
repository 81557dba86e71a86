"""warrant's one error hierarchy.

Every failure a user can cause is a `WarrantError`; the CLI turns it into a message and an
exit code. Errors tied to a place in a source file render like a compiler's:
``file:line:col: error: message``, the source line, and a caret under the column.
"""
from __future__ import annotations

from dataclasses import dataclass


class WarrantError(Exception):
    """Base class of every error warrant reports to a user (exit code 2 unless said otherwise)."""

    exit_code = 2


class InputError(WarrantError):
    """A bad file, flag, number, plan or scenario that is not tied to a DSL source position."""


class InternalError(WarrantError):
    """Two components that must agree did not (e.g. Z3 and the interpreter). Always a bug."""

    exit_code = 4


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One located message: 1-based line and column into `source`."""

    filename: str
    line: int
    col: int
    message: str
    source_line: str = ""

    def render(self) -> str:
        head = f"{self.filename}:{self.line}:{self.col}: error: {self.message}"
        if not self.source_line:
            return head
        raw = self.source_line.expandtabs(1)
        shown = raw.lstrip()
        col = max(1, self.col - (len(raw) - len(shown)))
        if len(shown) > 100:  # show a window of a long line, keeping the caret under col
            left = max(0, col - 60)
            shown = ("..." if left else "") + shown[left:left + 100] + ("..." if left + 100 < len(shown) else "")
            col = col - left + (3 if left else 0)
        caret = " " * (col - 1) + "^"
        return f"{head}\n  {shown}\n  {caret}"


class SourceError(WarrantError):
    """One or more diagnostics located in a source text (a .rwd file or a plan string)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        assert diagnostics, "a SourceError needs at least one diagnostic"
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class DslSyntaxError(SourceError):
    """The text does not follow the grammar (or a lexical rule such as numeral length)."""


class DslTypeError(SourceError):
    """The text parses but breaks a typing or scope rule of DSL.md."""


class PlanError(SourceError):
    """A plan string that does not parse or does not fit the domain."""


def source_line(text: str, line: int) -> str:
    """The 1-based `line` of `text`, without its newline ('' when out of range)."""
    lines = text.split("\n")
    return lines[line - 1].rstrip("\r") if 1 <= line <= len(lines) else ""


def diagnostic(filename: str, text: str, line: int, col: int, message: str) -> Diagnostic:
    """A diagnostic at (line, col) of `text`, with its source line for the caret."""
    return Diagnostic(filename, line, col, message, source_line(text, line))
