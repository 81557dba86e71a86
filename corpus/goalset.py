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
import random
from dataclasses import asdict, dataclass
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
    domain: str                       # file name inside corpus/domains (or a path)
    horizon: int
    plan: str
    bound: str
    worst_found: str
    tightness: str
    split: str                        # train | validation | test
    probe: str                        # smear's verdict under the probe budget
    probe_nodes: int


def split_of(name: str) -> str:
    return next((s for s, names in SPLITS.items() if name in names), "train")


def _probe(g: BenchGoal) -> tuple[str, int]:
    from prover.search import Budget
    from prover.verify import verify_search
    r = verify_search(g.domain, g.plan, g.bound, "smear", Budget(PROBE_NODES, PROBE_SECONDS), smt=False)
    return r.verdict, r.nodes


def domain_goals(path: Path, per_domain: int, seed: int, progress=None) -> list[GoalRecord]:
    """Up to `per_domain` goals of one domain file, hardest-first as the module explains."""
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
    for g, h in cands:
        verdict, nodes = _probe(g)
        if progress:
            progress()
        if verdict == "refuted":
            continue
        kind = "hard" if verdict == "unknown" else ("trivial" if nodes <= TRIVIAL else "medium")
        kept[kind].append(GoalRecord(path.name, h, plan_str(g.plan), str(g.bound), str(g.worst_found),
                                     str(g.tightness), split_of(path.stem), verdict, nodes))
    return (kept["medium"] + kept["hard"] + kept["trivial"])[:per_domain]


def build(out: Path, seed: int = 0, per_domain: int = 12, files=None, progress=None) -> dict:
    """Write `goals.jsonl` and `manifest.json` into `out`; returns the manifest."""
    files = list(files or domain_files())
    out.mkdir(parents=True, exist_ok=True)
    records: list[GoalRecord] = []
    for path in files:
        records += domain_goals(Path(path), per_domain, seed, progress)
    with (out / "goals.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(asdict(r)) + "\n")
    counts = {s: sum(r.split == s for r in records) for s in ("train", "validation", "test")}
    manifest = {"format": FORMAT, "seed": seed, "per_domain": per_domain, "goals": len(records),
                "splits": {s: sorted({r.domain for r in records if r.split == s}) for s in counts},
                "counts": counts, "tightness": [str(t) for t in TIGHTNESS],
                "extra_horizons": list(EXTRA_HORIZONS), "probe": {"strategy": "smear", "nodes": PROBE_NODES,
                                                                   "seconds": PROBE_SECONDS, "trivial": TRIVIAL}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def probes_per_domain(per_domain: int) -> int:
    """How many probe searches `domain_goals` runs per domain (for progress bars)."""
    return max(1, per_domain // 2) * len(EXTRA_HORIZONS)


def load_records(corpus_dir: Path, split: str | None = None) -> list[GoalRecord]:
    from dsl.errors import InputError
    path = Path(corpus_dir) / "goals.jsonl"
    if not path.is_file():
        raise InputError(f"{path} not found: build the corpus first with `warrant corpus build --out {corpus_dir}`")
    records = [GoalRecord(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in records if split is None or r.split == split]


_DOMAINS: dict = {}


def to_goal(r: GoalRecord) -> BenchGoal:
    """The BenchGoal of a record (domains are loaded once per file and horizon)."""
    key = (r.domain, r.horizon)
    if key not in _DOMAINS:
        path = Path(r.domain) if Path(r.domain).is_file() else DOMAINS_DIR / r.domain
        _DOMAINS[key] = load_domain(path).with_horizon(r.horizon)
    d = _DOMAINS[key]
    return BenchGoal(d, parse_plan(r.plan, d), Fraction(r.bound), Fraction(r.worst_found), Fraction(r.tightness))
