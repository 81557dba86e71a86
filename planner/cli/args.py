"""Option parsing shared by the `warrant` commands: argparse types, option groups, and the
checks that turn an option's text into a value (or an `InputError`, exit 2) before any work."""
from __future__ import annotations

import argparse
import os
import re
from fractions import Fraction
from pathlib import Path

from dsl.errors import InputError
from dsl.exact import to_float
from dsl.load import load_domain
from dsl.model import Domain
from dsl.numbers import parse_rational
from dsl.typecheck import MAX_HORIZON

# Options whose value may be a negative number such as -7/2, which argparse takes for a flag.
VALUE_OPTIONS = {"--bound", "--gap", "--seed", "--horizon", "--time-limit", "--node-budget"}
_NEGATIVE = re.compile(r"-[\d.]")
DEFAULT_CORPUS = "corpus/goalset"     # the goal corpus of `corpus build`, `train`, `eval`, `corpus headroom`
MAX_SECONDS = 1e9        # so that every solver's millisecond timeout and every deadline stays finite


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


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


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


def add_quiet_option(p) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress display on stderr")


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


def strategy_list(args) -> list[str]:
    """`--strategies a,b` of bench and eval: the names, each one warrant knows."""
    from prover.policy.registry import names
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in names()]
    if unknown or not strategies:
        raise InputError(f"unknown strategies {unknown}; choose from {', '.join(names())}")
    return strategies


def gap(args) -> Fraction:
    """`--gap`: a non-negative rational."""
    value = parse_rational(args.gap, "--gap")
    if value < 0:
        raise InputError(f"--gap must be non-negative, got {args.gap}")
    return value


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
        if value is not None:
            _check_output(flag, value)


def _check_output(flag: str, value: str) -> None:
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
