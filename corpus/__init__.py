"""Corpus: example domains (corpus/domains/*.rwd), goal generation and benchmark suites."""
from pathlib import Path

DOMAINS_DIR = Path(__file__).parent / "domains"


def domain_files() -> list[Path]:
    """Every shipped domain file, sorted by name."""
    return sorted(DOMAINS_DIR.glob("*.rwd"))
