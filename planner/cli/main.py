"""`warrant`'s dispatcher: the argparse tree of the command modules, and exceptions to exit codes.

The modules of `planner/cli/` are the only code that reads argv or prints. Exit codes
(DESIGN.md): 0 proved / ok; 1 refuted, invalid or rejected; 3 unknown; 2 usage or input
error; 4 internal error. Every `WarrantError` becomes a message on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import traceback

from rich.console import Console

from dsl.errors import InternalError, WarrantError
from planner.cli import bench, dsl, learn, plan, verify
from planner.cli.args import check_outputs, join_negative_values

# Each adds its subcommands to the parser and returns their handlers, in the order `warrant --help`
# lists them (compile, a DSL command, after check-cert).
REGISTRARS = (dsl.register, verify.register, dsl.register_compile, plan.register, bench.register, learn.register)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("warrant")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    """The argument parser and the handler of each subcommand. Abbreviated options are not
    accepted: `--bou -7/2` would otherwise read -7/2 as a flag, and a verifier should not guess."""
    parser = argparse.ArgumentParser(prog="warrant", description="Plans with proven worst-case rewards.",
                                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"warrant {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=functools.partial(argparse.ArgumentParser, allow_abbrev=False))
    handlers: dict = {}
    for register in REGISTRARS:
        handlers.update(register(sub))
    return parser, handlers


def _consoles() -> tuple[Console, Console]:
    """Standard output and standard error. emoji=False: rich would otherwise turn text such as
    ':100:' in a quoted source line into 💯."""
    out = Console(highlight=False, soft_wrap=True, emoji=False)
    if not out.is_terminal:          # logs and pipes get wide tables instead of wrapped plans
        out = Console(highlight=False, soft_wrap=True, width=200, emoji=False)
    return out, Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def main(argv: list[str] | None = None) -> int:
    # The program prints and reads exact rationals of any length (long nonlinear runs reach
    # 10^5 digits), so it lifts Python's cap on int <-> str conversion for its process; the
    # library never does (dsl.exact.rational_text writes any length without it).
    sys.set_int_max_str_digits(0)
    argv = join_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser, handlers = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:        # usage errors (argparse printed them), --help
        return int(exc.code or 0)
    out, err = _consoles()
    try:
        check_outputs(args)
        return handlers[args.command](args, out)
    except InternalError as exc:
        return internal_error(err, str(exc))
    except WarrantError as exc:
        err.print(str(exc), markup=False)
        return exc.exit_code
    except OSError as exc:          # a file that could not be written after all (disk full, ...)
        err.print(f"{exc.filename or ''}: {exc.strerror or exc}", markup=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    except Exception as exc:        # noqa: BLE001 - any other exception is a bug: exit 4, never 1
        return internal_error(err, f"{type(exc).__name__}: {exc}")


INTERNAL_ERROR_EXIT = InternalError.exit_code


def internal_error(err: Console, message: str) -> int:
    """Report a bug in warrant: one line and a hint (the traceback with WARRANT_DEBUG=1), exit 4.
    Exit 1 means *refuted*: a crash must never read as a verdict."""
    if os.environ.get("WARRANT_DEBUG"):
        err.print(traceback.format_exc().rstrip(), markup=False)
    one_line = " ".join(message.split()) or "(no message)"
    err.print(f"internal error: {one_line} — this is a bug in warrant; rerun with WARRANT_DEBUG=1 "
              f"for the traceback", markup=False)
    return INTERNAL_ERROR_EXIT

