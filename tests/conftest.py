"""Shared fixtures: the corpus domains and their known good plans (one place for every layer)."""
from __future__ import annotations

import pytest

from corpus import domain_files, known_plan
from dsl.load import load_domain


@pytest.fixture(scope="session")
def thermostat():
    return load_domain(next(p for p in domain_files() if p.stem == "thermostat"))


def corpus_cases():
    """(path, known plan text) for every shipped domain."""
    return [pytest.param(p, known_plan(p), id=p.stem) for p in domain_files()]
