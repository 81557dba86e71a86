"""Corpus: example domains (corpus/domains/*.rwd), goal generation and benchmark suites."""
from pathlib import Path

DOMAINS_DIR = Path(__file__).parent / "domains"


def domain_files() -> list[Path]:
    """Every shipped domain file, sorted by name."""
    return sorted(DOMAINS_DIR.glob("*.rwd"))


def known_plan(path: Path) -> str:
    """The plan a domain's header names with a `# known good plan: ...` line."""
    plan = known_plan_text(path.read_text(encoding="utf-8"))
    if plan is None:
        raise ValueError(f"{path.name} has no '# known good plan:' header line")
    return plan


def known_plan_text(source: str) -> str | None:
    """The `# known good plan: ...` of a domain's source text (None: it names none)."""
    return _header(source, "# known good plan:")


# How the known plans of domains without a `# stretched plan:` header grow (the oldest two).
STRETCH = {"drone": ("append", "thrust(1)"), "sir": ("prepend", "distance(2)")}


def stretched_plan(source: str, name: str, horizon: int) -> str | None:
    """The known good plan of a domain (its source text and name) stretched or cut to `horizon`
    steps: a `# stretched plan: append|prepend STEP` header says where steps are added (default
    STRETCH, else the plan's last step appended), and a cut keeps that side's far end. None when
    the domain names no known plan."""
    plan = known_plan_text(source)
    if plan is None:
        return None
    steps = [s.strip() for s in plan.split(";") if s.strip()]
    rule = _header(source, "# stretched plan:")
    where, step = rule.split(None, 1) if rule else STRETCH.get(name, ("append", steps[-1]))
    if len(steps) >= horizon:
        return "; ".join(steps[len(steps) - horizon:] if where == "prepend" else steps[:horizon])
    pad = [step.strip()] * (horizon - len(steps))
    return "; ".join(pad + steps if where == "prepend" else steps + pad)


def _header(source: str, prefix: str) -> str | None:
    return next((line.split(":", 1)[1].strip() for line in source.splitlines() if line.startswith(prefix)), None)
