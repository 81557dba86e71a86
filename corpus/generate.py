"""`warrant corpus generate`: a goal set of procedurally generated domains (corpus.families).

For a seed, each family makes `domains_per_family` domains with random coefficients, ranges,
horizons and action sets. Each domain must parse and type-check (`dsl.load`), its candidate
plans must be valid in the nominal scenario by the reference interpreter (and look valid in
every scenario the worst-found exploration tries: `corpus.goals.generate`), and each candidate
goal (plan, bound at a tightness below the worst found) is probed once by the best hand rule
(`heuristic`) under a budget. A goal is kept when the probe needs at least `min_nodes` nodes
or `min_seconds` seconds (a goal left unknown needed at least what the probe spent); refuted
goals are dropped. So the set holds only goals where branching matters.

The split is by family *and* by domain: whole families (`test_families`) are held out for
testing, and the domains of the other families go to train, validation or test by a seeded
draw, so a domain's goals are always in one split. The hand-written corpus domains are never
in a generated set (they stay the held-out test of `warrant corpus build`'s goal set).

The output reuses the goal-set format (corpus.goalset: `goals.jsonl` of `GoalRecord`s and
`manifest.json` naming each domain file with its sha256) plus the domain files themselves in
`domains/`, so `warrant train --corpus DIR` and `warrant eval --corpus DIR` read it as they read
a built goal set. Everything is seeded; only the time criterion (and a probe's time limit)
depends on the machine — with `min_seconds` None and a probe time limit that is never reached,
the output is identical for a seed.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

from corpus.families import FAMILIES
from dsl.errors import InputError, WarrantError
from dsl.model import plan_str

TIGHTNESS = (Fraction(1, 20), Fraction(1, 50), Fraction(1, 100), Fraction(1, 200))
FORMAT = 1


@dataclass(frozen=True)
class GenerateConfig:
    seed: int = 0
    domains_per_family: int = 4          # domains made per family
    candidates: int = 8                  # candidate goals probed per domain
    goals_per_domain: int = 4            # kept goals per domain, at most
    families: tuple = tuple(FAMILIES)    # which families (corpus.families.FAMILIES)
    test_families: tuple = ("inventory",)  # families held out whole for the test split
    validation_share: float = 0.2        # of the other families' domains
    test_share: float = 0.2              # of the other families' domains
    min_nodes: int = 50                  # keep goals the probe needs at least this many nodes for
    min_seconds: float | None = 1.0      # ... or at least this many seconds (None: nodes only)
    probe_strategy: str = "heuristic"    # the best hand rule
    probe_nodes: int = 2000
    probe_seconds: float = 10.0
    horizon_factor: int = 1              # goals at this multiple of each domain's horizon


@dataclass(frozen=True)
class Generated:
    name: str                            # domain name and file stem: <family>_<k>
    family: str
    split: str
    source: str


def check_config(cfg: GenerateConfig) -> None:
    """Refuse settings that cannot make a goal set, saying which option to change."""
    if not cfg.families:
        raise InputError("--families: name at least one family")
    unknown = [f for f in (*cfg.families, *cfg.test_families) if f not in FAMILIES]
    if unknown:
        raise InputError(f"unknown famil{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                         f"choose from {', '.join(FAMILIES)}")
    for name in ("domains_per_family", "candidates", "goals_per_domain", "probe_nodes", "horizon_factor"):
        if getattr(cfg, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} must be at least 1")
    if not (cfg.validation_share >= 0 and cfg.test_share >= 0 and cfg.validation_share + cfg.test_share < 1):
        raise InputError("--validation-share and --test-share must be >= 0 and sum to less than 1")
    if cfg.probe_seconds <= 0:
        raise InputError("--probe-seconds must be positive")


def split_of(family: str, k: int, cfg: GenerateConfig) -> str:
    """The split of domain k of `family`: held-out families are test; of the others' domains, a
    seeded shuffle puts the first shares into validation and test (rounded), the rest in train."""
    if family in cfg.test_families:
        return "test"
    n = cfg.domains_per_family
    place = random.Random(f"{cfg.seed}:split:{family}").sample(range(n), n).index(k)
    n_val, n_test = int(n * cfg.validation_share + 0.5), int(n * cfg.test_share + 0.5)
    return "validation" if place < n_val else ("test" if place < n_val + n_test else "train")


def make_domains(cfg: GenerateConfig) -> tuple[list[Generated], int]:
    """The generated domains that parse and type-check, and how many did not (dropped)."""
    from dsl.load import load_text
    out, rejected = [], 0
    for family in cfg.families:
        for k in range(cfg.domains_per_family):
            name = f"{family}_{k:03d}"
            source = FAMILIES[family](random.Random(f"{cfg.seed}:{family}:{k}"), name)
            try:
                load_text(source, f"{name}.rwd")
            except WarrantError:
                rejected += 1
                continue
            out.append(Generated(name, family, split_of(family, k, cfg), source))
    return out, rejected


def candidate_goals(gen: Generated, cfg: GenerateConfig) -> list:
    """Candidate goals (corpus.goals.BenchGoal) of one domain: plans valid nominally, bounds at
    each tightness level below the worst found."""
    from corpus.goals import generate
    from dsl.load import load_text
    domain = load_text(gen.source, f"{gen.name}.rwd")
    domain = domain.with_horizon(domain.horizon * cfg.horizon_factor)
    rng = random.Random(f"{cfg.seed}:goals:{gen.name}")
    goals = generate(domain, cfg.candidates * len(TIGHTNESS), rng.randrange(1 << 30), TIGHTNESS)
    rng.shuffle(goals)
    return goals[: cfg.candidates]


def keep(verdict: str, nodes: int, seconds: float, cfg: GenerateConfig) -> bool:
    """Whether a probed goal is hard enough for the set (refuted goals never are)."""
    if verdict == "refuted":
        return False
    slow = cfg.min_seconds is not None and seconds >= cfg.min_seconds
    return nodes >= cfg.min_nodes or slow


def _probe_job(goal, cfg: GenerateConfig):
    from prover.policy.spec import PolicySpec
    from prover.search.jobs import VerifyJob
    from prover.search.loop import Budget
    return VerifyJob.of(goal.domain, goal.plan, goal.bound, PolicySpec(cfg.probe_strategy),
                        Budget(cfg.probe_nodes, cfg.probe_seconds))


def run_probe(job):
    """One probe (an executor job): the VerifyResult, or None where warrant refuses the goal as
    input (its message is the user's to read on a domain of their own; a generated candidate
    is dropped, and one such goal must not end a run of hundreds)."""
    from dsl.errors import WarrantError
    from prover.search.jobs import run_verify
    try:
        return run_verify(job)
    except WarrantError:
        return None


def probe_all(domains: list[Generated], cfg: GenerateConfig, progress=None, executor=None) -> list[dict]:
    """Every candidate goal of every domain, probed (one executor job each, all at once);
    the goal-set records of those `keep` accepts, at most `goals_per_domain` per domain."""
    from prover.search.executor import InProcess
    cands = [(gen, g) for gen in domains for g in candidate_goals(gen, cfg)]
    results = (executor or InProcess()).map(run_probe, [_probe_job(g, cfg) for _, g in cands])
    kept: dict = {}
    for n, ((gen, g), r) in enumerate(zip(cands, results), 1):
        if progress:
            progress(n, len(cands))
        if r is None or not keep(r.verdict, r.nodes, r.time_s, cfg) \
                or len(kept.get(gen.name, ())) >= cfg.goals_per_domain:
            continue
        kept.setdefault(gen.name, []).append(
            {"domain": f"{gen.name}.rwd", "horizon": g.domain.horizon, "plan": plan_str(g.plan),
             "bound": str(g.bound), "worst_found": str(g.worst_found), "tightness": str(g.tightness),
             "split": gen.split, "probe": r.verdict, "probe_nodes": r.nodes})
    return [rec for gen in domains for rec in kept.get(gen.name, ())]


def generate_set(out: Path, cfg: GenerateConfig = GenerateConfig(), progress=None, executor=None) -> dict:
    """Write the generated goal set into `out` (domains/, goals.jsonl, manifest.json); returns
    the manifest. `progress(done, total)` is called once per probe."""
    check_config(cfg)
    domains, rejected = make_domains(cfg)
    records = probe_all(domains, cfg, progress, executor)
    if not records:
        raise InputError(f"no generated goal met the hardness filter (>= {cfg.min_nodes} nodes or >= "
                         f"{cfg.min_seconds} s of {cfg.probe_strategy}); generate more domains or candidates, "
                         f"or lower --min-nodes")
    out = Path(out)
    (out / "domains").mkdir(parents=True, exist_ok=True)
    used = {r["domain"] for r in records}
    for gen in domains:
        if f"{gen.name}.rwd" in used:
            (out / "domains" / f"{gen.name}.rwd").write_text(gen.source, encoding="utf-8")
    with (out / "goals.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    manifest = _manifest(out, cfg, domains, records, rejected)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _manifest(out: Path, cfg: GenerateConfig, domains: list[Generated], records: list[dict], rejected: int) -> dict:
    from corpus.goalset import domain_sources
    splits = ("train", "validation", "test")
    used = sorted({r["domain"] for r in records})
    sources = domain_sources([out / "domains" / name for name in used], out)
    family = {f"{g.name}.rwd": g.family for g in domains}
    for name, entry in sources.items():
        entry["family"] = family[name]
    return {"format": FORMAT, "generated": asdict(cfg), "goals": len(records),
            "splits": {s: sorted({r["domain"] for r in records if r["split"] == s}) for s in splits},
            "families": {s: sorted({family[r["domain"]] for r in records if r["split"] == s}) for s in splits},
            "counts": {s: sum(r["split"] == s for r in records) for s in splits},
            "domains_made": len(domains), "domains_rejected": rejected,
            "tightness": [str(t) for t in TIGHTNESS], "domains": sources}
