"""The goal corpus of the learned policy: goals from the corpus domains, split by domain.

A goal is (domain file, horizon, plan, bound): a random plan that looked valid in every
scenario the worst-found exploration tried, at one of several horizons (the file's own and
longer ones), with a bound at one of several tightness levels below the worst found
(`corpus.goals.generate`). Most such goals are trivial (a linear reward's interval bound is
exact, so the root closes), so each candidate goal is probed once with smear under a small
budget and the corpus keeps, per domain, the goals smear needs more than `TRIVIAL` nodes for
first, then those it leaves unknown, then trivial ones; goals the probe refutes (the bound
was above the true worst case) are dropped. The split is by domain, so test domains are
never seen in training. Deterministic for a seed.
"""
from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from fractions import Fraction
from pathlib import Path

from corpus import DOMAINS_DIR, domain_files
from corpus.goals import BenchGoal, generate
from dsl.load import load_domain
from dsl.model import plan_str
from dsl.plan import parse_plan

# Test: two nonlinear domains monolithic Z3 cannot decide, and a discrete linear one.
SPLITS = {"test": ("drone", "sir", "grid_delivery"), "validation": ("battery", "reservoir")}
EXTRA_HORIZONS = (0, 2, 4)            # added to each file's own horizon
TIGHTNESS = (Fraction(1, 5), Fraction(1, 10), Fraction(1, 20), Fraction(1, 50), Fraction(1, 100))
TRIVIAL = 4                           # smear nodes at or below which a goal is trivial
PROBE_NODES, PROBE_SECONDS = 400, 2.0
FORMAT = 1


@dataclass(frozen=True)
class GoalRecord:
    domain: str                       # file name (load_records: the path of that file)
    horizon: int
    plan: str
    bound: str
    worst_found: str
    tightness: str
    split: str                        # train | validation | test
    probe: str                        # smear's verdict under the probe budget
    probe_nodes: int


def split_of(name: str, splits: dict | None = None) -> str:
    return next((s for s, names in (splits or SPLITS).items() if name in names), "train")


def assign_splits(names: list[str], validation=None, test=None) -> dict:
    """The held-out splits for domains `names` (validation / test: the domain names asked for,
    None for the defaults of SPLITS). Refuses an empty validation or test split, and names
    that are not among the domains, saying what to pass instead."""
    from dsl.errors import InputError
    asked = {"validation": validation, "test": test}
    splits = {s: tuple(SPLITS[s] if v is None else v) for s, v in asked.items()}
    for s, v in asked.items():
        unknown = [n for n in v or () if n not in names]
        if unknown:
            raise InputError(f"--{s} {','.join(unknown)}: not among the domains being built ({', '.join(names)})")
    both = set(splits["validation"]) & set(splits["test"])
    if both:
        raise InputError(f"{', '.join(sorted(both))}: named for both the validation and the test split")
    for s, held in splits.items():
        if not any(n in held for n in names):
            raise InputError(f"the {s} split would be empty: the corpus is split by domain, and none of "
                             f"{', '.join(names)} is a {s} domain ({', '.join(held) or 'none named'}); "
                             f"name one or more with --{s} NAME[,NAME]")
    return splits


def _probe(g: BenchGoal):
    """The probe search of a goal, as a job for the executor (prover.search.executor)."""
    from prover.search.jobs import VerifyJob
    from prover.policy.spec import PolicySpec
    from prover.search.loop import Budget
    return VerifyJob.of(g.domain, g.plan, g.bound, PolicySpec("smear"), Budget(PROBE_NODES, PROBE_SECONDS), smt=False)


def domain_goals(path: Path, per_domain: int, seed: int, progress=None, splits: dict | None = None,
                 executor=None) -> list[GoalRecord]:
    """Up to `per_domain` goals of one domain file, hardest-first as the module explains; the
    probes are jobs of `executor` (default: one after another in this process)."""
    from prover.search.executor import InProcess
    from prover.search.jobs import run_verify
    base = load_domain(path)
    rng = random.Random(f"{seed}:{path.stem}")
    cands: list[tuple[BenchGoal, int]] = []
    per_h = max(1, per_domain // 2)          # plans × tightness levels per horizon, before probing
    for extra in EXTRA_HORIZONS:
        d = base.with_horizon(base.horizon + extra)
        gs = generate(d, per_h * len(TIGHTNESS), rng.randrange(1 << 30))
        rng.shuffle(gs)
        cands += [(g, d.horizon) for g in gs[: per_h]]
    kept = {"medium": [], "hard": [], "trivial": []}
    probes = (executor or InProcess()).map(run_verify, [_probe(g) for g, _ in cands])
    for (g, h), r in zip(cands, probes):
        verdict, nodes = r.verdict, r.nodes
        if progress:
            progress()
        if verdict == "refuted":
            continue
        kind = "hard" if verdict == "unknown" else ("trivial" if nodes <= TRIVIAL else "medium")
        kept[kind].append(GoalRecord(path.name, h, plan_str(g.plan), str(g.bound), str(g.worst_found),
                                     str(g.tightness), split_of(path.stem, splits), verdict, nodes))
    return (kept["medium"] + kept["hard"] + kept["trivial"])[:per_domain]


def build(out: Path, seed: int = 0, per_domain: int = 12, files=None, progress=None,
          splits: dict | None = None, executor=None) -> dict:
    """Write `goals.jsonl` and `manifest.json` into `out`; returns the manifest. `splits`: the
    held-out domains by split (default SPLITS). A domain that yields no goal is refused before
    anything is written: a corpus silently without it would train or test on less than asked.
    The probe searches run on `executor` (prover.search.executor)."""
    from dsl.errors import InputError
    files = list(files or domain_files())
    domains = domain_sources(files, out)
    records: list[GoalRecord] = []
    for path in files:
        got = domain_goals(Path(path), per_domain, seed, progress, splits, executor)
        if not got:
            raise InputError(f"{path}: no goals: every random plan looked invalid or every probe refuted its "
                             f"bound; give the domain plans that are robustly valid (check it with `warrant "
                             f"plan-and-verify {path}`), try another --seed, or leave the file out")
        records += got
    out.mkdir(parents=True, exist_ok=True)
    with (out / "goals.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(asdict(r)) + "\n")
    counts = {s: sum(r.split == s for r in records) for s in ("train", "validation", "test")}
    manifest = {"format": FORMAT, "seed": seed, "per_domain": per_domain, "goals": len(records),
                "splits": {s: sorted({r.domain for r in records if r.split == s}) for s in counts},
                "counts": counts, "tightness": [str(t) for t in TIGHTNESS],
                "extra_horizons": list(EXTRA_HORIZONS), "probe": {"strategy": "smear", "nodes": PROBE_NODES,
                                                                   "seconds": PROBE_SECONDS, "trivial": TRIVIAL},
                "domains": domains}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def probes_per_domain(per_domain: int) -> int:
    """How many probe searches `domain_goals` runs per domain (for progress bars)."""
    return max(1, per_domain // 2) * len(EXTRA_HORIZONS)


def domain_sources(files, out: Path) -> dict:
    """The manifest's `domains`: file name → its path relative to the corpus directory and the
    sha256 of its source, so the goals are always read against the file they were made from."""
    from dsl.errors import InputError
    out_abs = Path(out).resolve()
    domains: dict = {}
    for path in files:
        path = Path(path)
        entry = {"path": os.path.relpath(path.resolve(), out_abs), "sha256": load_domain(path).sha256}
        if domains.get(path.name, entry)["sha256"] != entry["sha256"]:
            raise InputError(f"two different domain files are named {path.name}: goals name their domain "
                             f"by file name, so rename one")
        domains[path.name] = entry
    return domains


def load_records(corpus_dir: Path, split: str | None = None) -> list[GoalRecord]:
    """The corpus's goals (of one split), each naming the path of its domain file; an unreadable
    line or a domain file that changed since the corpus was built is an InputError."""
    from dsl.errors import InputError
    path = Path(corpus_dir) / "goals.jsonl"
    if not path.is_file():
        raise InputError(f"{path} not found: build the corpus first with `warrant corpus build --out {corpus_dir}`")
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = GoalRecord(**json.loads(line))
            Fraction(r.bound), Fraction(r.worst_found), Fraction(r.tightness), int(r.horizon)
        except (json.JSONDecodeError, TypeError, ValueError, ZeroDivisionError) as exc:
            raise InputError(f"{path}:{n}: not a goal record ({exc})") from None
        records.append(r)
    sources = _sources(Path(corpus_dir))
    return [_located(r, sources, Path(corpus_dir)) for r in records if split is None or r.split == split]


def _sources(corpus_dir: Path) -> dict | None:
    """The manifest's `domains` (None for a corpus built before it was recorded)."""
    from dsl.errors import InputError
    manifest = corpus_dir / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{manifest}: unreadable ({exc})") from None
    domains = data.get("domains") if isinstance(data, dict) else None
    return domains if isinstance(domains, dict) else None


def _stamp(path) -> tuple:
    """What changes when a file does (its caches below are keyed by it, so an edited domain file
    is read again within one process)."""
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=256)
def _sha256(path: str, stamp: tuple) -> str:
    return load_domain(Path(path)).sha256


@lru_cache(maxsize=64)
def _domain(path: str, horizon: int, stamp: tuple):
    return load_domain(Path(path)).with_horizon(horizon)


def _located(r: GoalRecord, sources: dict | None, corpus_dir: Path) -> GoalRecord:
    """`r` naming its domain file's path: the manifest's (checked against its sha256), or for a
    corpus without one, the shipped domains directory (never the working directory)."""
    from dsl.errors import InputError
    name = Path(r.domain).name
    entry = (sources or {}).get(name)
    path = (corpus_dir / entry["path"]) if entry else DOMAINS_DIR / name
    if not path.is_file():
        raise InputError(f"{corpus_dir}: the goals of {name} were made from {path}, which is not there")
    if entry and _sha256(str(path.resolve()), _stamp(path)) != entry["sha256"]:
        raise InputError(f"{path} changed since the corpus in {corpus_dir} was built from it (sha256 differs): "
                         f"rebuild the corpus with `warrant corpus build --out {corpus_dir}`")
    return replace(r, domain=str(path))


def to_goal(r: GoalRecord) -> BenchGoal:
    """The BenchGoal of a record (domains are loaded once per file version and horizon)."""
    d = _domain(str(r.domain), r.horizon, _stamp(r.domain))
    return BenchGoal(d, parse_plan(r.plan, d), Fraction(r.bound), Fraction(r.worst_found), Fraction(r.tightness))
