"""Snapshot what the CLI says on every corpus domain, to compare two versions of warrant.

A restructure must not change behaviour: this script runs `plan-and-verify`, `check-cert`,
`verify` (per strategy, on the selected plan) and `bench` on every shipped domain with node
budgets as the binding limits and generous wall-clock limits, so the runs are deterministic,
drops every timing field, and writes one JSON snapshot. Comparing two snapshots (taken from
two checkouts, each with its own `warrant` executable) shows every verdict, bound, node count
or certificate that differs.

    python tests/compare_runs.py snapshot --warrant OLD/.venv/bin/warrant --out old.json
    python tests/compare_runs.py snapshot --warrant .venv/bin/warrant --out new.json
    python tests/compare_runs.py diff old.json new.json      # exit 1 when they differ

Not a test file (pytest does not collect it): a full snapshot takes minutes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = sorted((ROOT / "corpus" / "domains").glob("*.rwd"))
STRATEGIES = ("heuristic", "smear", "largest-first")
TIME_LIMIT = "100000"  # never binding: the node budgets below are
SECONDS = re.compile(r"\d+(?:\.\d+)?(?: ?s\b)")   # "21.2s", "0.5 s" in notes and stop details
TIMING_KEYS = {"time_s", "wall_s", "elapsed_s", "seconds", "time", "times", "cpu_s"}


def strip_timings(value):
    """The value with every timing field removed (they differ between any two runs)."""
    if isinstance(value, dict):
        return {k: strip_timings(v) for k, v in value.items()
                if k not in TIMING_KEYS and not k.endswith("_s")}
    if isinstance(value, list):
        return [strip_timings(v) for v in value]
    return value


def run(warrant: str, args: list[str]) -> dict:
    """One CLI call: its exit code and its parsed JSON (or its raw output when not JSON)."""
    done = subprocess.run([warrant, *args], capture_output=True, text=True, timeout=3600)
    try:
        out = json.loads(done.stdout)
    except json.JSONDecodeError:
        out = done.stdout.strip()
    return {"rc": done.returncode, "out": strip_timings(out)}


def certificate(path: Path):
    return strip_timings(json.loads(path.read_text())) if path.exists() else None


def snapshot_domain(warrant: str, domain: Path, tmp: Path) -> dict:
    cert = tmp / f"{domain.stem}.cert.json"
    result: dict = {}
    result["plan-and-verify"] = run(warrant, [
        "plan-and-verify", str(domain), "--json", "--quiet", "--workers", "1", "--rounds", "3",
        "--node-budget", "400", "--time-limit", TIME_LIMIT, "--cert", str(cert)])
    result["plan-and-verify-cert"] = certificate(cert)
    result["check-cert"] = run(warrant, ["check-cert", str(domain), str(cert), "--json"])
    selected = result["plan-and-verify"]["out"]
    plan = (selected.get("selected") or {}).get("plan") if isinstance(selected, dict) else None
    if plan:
        for strategy in STRATEGIES:
            vcert = tmp / f"{domain.stem}.{strategy}.cert.json"
            result[f"verify-{strategy}"] = run(warrant, [
                "verify", str(domain), "--plan", "; ".join(plan), "--tightest", "--json", "--quiet",
                "--strategy", strategy, "--node-budget", "300", "--time-limit", TIME_LIMIT,
                "--cert", str(vcert)])
            result[f"verify-{strategy}-cert"] = certificate(vcert)
    result["bench"] = run(warrant, [
        "bench", str(domain), "--goals", "2", "--strategies", "smear,heuristic", "--json",
        "--quiet", "--node-budget", "300", "--time-limit", TIME_LIMIT])
    return result


def snapshot(warrant: str, out: Path, only: list[str]) -> None:
    snap = {}
    with tempfile.TemporaryDirectory() as tmp:
        for domain in DOMAINS:
            if only and domain.stem not in only:
                continue
            print(f"snapshot {domain.stem}", file=sys.stderr, flush=True)
            snap[domain.stem] = snapshot_domain(warrant, domain, Path(tmp))
            out.write_text(json.dumps(snap, indent=1, sort_keys=True))     # partial results survive


def differences(old, new, path="") -> list[str]:
    """Every path where the two snapshots differ, with both values (shortened)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            found += differences(old.get(key), new.get(key), f"{path}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        found = []
        for i, (a, b) in enumerate(zip(old, new)):
            found += differences(a, b, f"{path}[{i}]")
        return found
    if isinstance(old, str) and isinstance(new, str):
        old, new = SECONDS.sub("<t>s", old), SECONDS.sub("<t>s", new)
    if old != new:
        return [f"{path}: {json.dumps(old)[:200]} != {json.dumps(new)[:200]}"]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("--warrant", default=str(ROOT / ".venv" / "bin" / "warrant"))
    snap.add_argument("--out", type=Path, required=True)
    snap.add_argument("--only", nargs="*", default=[], help="domain stems (default: all)")
    diff = sub.add_parser("diff")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args.warrant, args.out, args.only)
        return 0
    found = differences(json.loads(args.old.read_text()), json.loads(args.new.read_text()))
    for line in found:
        print(line)
    print(f"{len(found)} difference(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
