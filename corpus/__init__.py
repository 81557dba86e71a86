"""Corpus: example domains (corpus/domains/*.rwd), goal generation and benchmark suites."""
from pathlib import Path

DOMAINS_DIR = Path(__file__).parent / "domains"


def domain_files() -> list[Path]:
    """Every shipped domain file, sorted by name."""
    return sorted(DOMAINS_DIR.glob("*.rwd"))


def known_plan(path: Path) -> str:
    """The plan a domain's header names with a `# known good plan: ...` line."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# known good plan:"):
            return line.split(":", 1)[1].strip()
    raise ValueError(f"{path.name} has no '# known good plan:' header line")
