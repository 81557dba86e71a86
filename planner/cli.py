"""The `warrant` command line: argv handling, dispatch and error reporting.

The CLI modules of `planner/` (this one and the `cli_*.py` modules that register
subcommands) are the only code that reads argv or prints. Exit codes (DESIGN.md): 0 proved /
ok; 1 refuted, invalid or rejected; 3 unknown; 2 usage or input error. Every `WarrantError`
becomes a message on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import traceback
from fractions import Fraction
from pathlib import Path

from rich.console import Console

from dsl.errors import InputError, InternalError, WarrantError
from dsl.exact import to_float
from dsl.load import load_domain
from dsl.typecheck import MAX_HORIZON
from dsl.model import Domain

# Options whose value may be a negative number such as -7/2, which argparse takes for a flag.
VALUE_OPTIONS = {"--bound", "--gap", "--seed", "--horizon", "--time-limit", "--node-budget"}
_NEGATIVE = re.compile(r"-[\d.]")


def join_negative_values(argv: list[str]) -> list[str]:
    """Rewrite `--bound -7/2` as `--bound=-7/2` so argparse reads the number as a value."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] in VALUE_OPTIONS and i + 1 < len(argv) and _NEGATIVE.match(argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def seconds(text: str) -> float:
    """An argparse type for --time-limit: a positive, finite number of seconds (`2`, `0.5`, `1/2`)."""
    try:
        value = to_float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"at most {MAX_SECONDS:.0e} seconds (about 30 years), got {text!r}")
    return value


MAX_SECONDS = 1e9        # so that every solver's millisecond timeout and every deadline stays finite


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("warrant")
    except PackageNotFoundError:
        return "(not installed)"


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    """The argument parser and the handler of each subcommand. Abbreviated options are not
    accepted: `--bou -7/2` would otherwise read -7/2 as a flag, and a verifier should not guess."""
    from planner import cli_bench, cli_dsl, cli_learn, cli_plan, cli_verify
    parser = argparse.ArgumentParser(prog="warrant", description="Plans with proven worst-case rewards.",
                                     allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"warrant {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=functools.partial(argparse.ArgumentParser, allow_abbrev=False))
    handlers: dict = {}
    for module in (cli_dsl, cli_verify, cli_plan, cli_bench, cli_learn):
        handlers.update(module.register(sub))
    return parser, handlers


def main(argv: list[str] | None = None) -> int:
    argv = join_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser, handlers = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:        # usage errors (argparse printed them), --help
        return int(exc.code or 0)
    # emoji=False: rich would otherwise turn text such as ':100:' in a quoted source line into 💯.
    out = Console(highlight=False, soft_wrap=True, emoji=False)
    if not out.is_terminal:          # logs and pipes get wide tables instead of wrapped plans
        out = Console(highlight=False, soft_wrap=True, width=200, emoji=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
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


# Output files by option; checked before any work starts, so a long run never ends in an
# error about where to write its result. (`corpus build --out` is a directory it creates;
# `train --out` a checkpoint stem whose directory it creates.)
OUTPUT_OPTIONS = ("cert", "plot", "output", "csv", "report", "save_counterexample")


def check_outputs(args) -> None:
    names = [n for n in OUTPUT_OPTIONS if not (n == "cert" and args.command == "check-cert")]   # its input
    names += ["out"] if args.command == "eval" else []
    for name in names:
        value = getattr(args, name, None)
        flag = "-o/--output" if name == "output" else f"--{name.replace('_', '-')}"
        if value is None:
            continue
        if not value.strip():
            raise InputError(f"{flag}: empty file name")
        path = Path(value)
        if path.is_dir():
            raise InputError(f"{flag} {value}: is a directory; give a file name")
        parent = path.parent
        if not parent.is_dir():
            raise InputError(f"{flag} {value}: directory {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise InputError(f"{flag} {value}: directory {parent} is not writable")


def load_for(args) -> Domain:
    """The domain named by `args.file`, with `--horizon` applied when given."""
    return with_horizon(load_domain(args.file), getattr(args, "horizon", None))


def with_horizon(domain: Domain, horizon: int | None) -> Domain:
    """`domain` with `--horizon` applied (None: the file's own), range-checked."""
    if horizon is None:
        return domain
    if not 1 <= horizon <= MAX_HORIZON:
        raise InputError(f"--horizon must be between 1 and {MAX_HORIZON}, got {horizon}")
    return domain.with_horizon(horizon)


def add_policy_options(p) -> None:
    """`--checkpoint` / `--device` of the network strategies, for commands that search."""
    from prover.policy.registry import names
    users = " or ".join(names(network_only=True))
    p.add_argument("--checkpoint", help=f"policy checkpoint stem for --strategy {users} (default: the shipped one)")
    p.add_argument("--device", default="auto", help=f"auto|cpu|cuda, for --strategy {users}")


def policy_spec(args, strategy: str | None = None):
    """The `PolicySpec` of `--strategy` (or `strategy`), `--checkpoint` and `--device`, with the
    learned network loaded now (a missing checkpoint is reported before any search starts);
    --checkpoint is refused for the strategies that have no network."""
    from prover.policy.registry import names, strategy as strategy_of
    from prover.policy.spec import PolicySpec
    name = strategy or args.strategy
    if not strategy_of(name).network:
        if getattr(args, "checkpoint", None):
            users = " or ".join(names(network_only=True))
            raise InputError(f"--checkpoint is only used by --strategy {users} (got --strategy {name})")
        return PolicySpec(name)
    from prover.policy import checkpoint
    spec = PolicySpec(name, args.checkpoint, checkpoint.resolve_device(args.device))
    spec.load()
    return spec


def add_executor_options(p, workers: bool = True) -> None:
    """`--executor local|ray`, `--ray-address` (and `--workers`) of the commands that fan out."""
    p.add_argument("--executor", default="local", choices=["local", "ray"],
                   help="local process pool (default) or a Ray cluster (pip install -e '.[ray]')")
    p.add_argument("--ray-address", default=None,
                   help="Ray cluster to join (auto, or HOST:PORT; default: start a local instance)")
    if workers:
        p.add_argument("--workers", type=positive, default=1, help="jobs run at once (default 1)")


def executor_for(args, workers: int | None = None):
    """The executor these arguments ask for (close it when done)."""
    from prover.search.executor import make_executor
    return make_executor(args.executor, args.workers if workers is None else workers, args.ray_address)


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def print_json(out: Console, obj: dict) -> None:
    out.file.write(json.dumps(obj, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
