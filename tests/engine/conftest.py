"""Shared fixture: a small synthetic register directory, generated once per test session."""

from pathlib import Path

import pytest

from tilgang.engine.synth.generate import generate

SYNTH_PERSONS = 3000
SYNTH_SEED = 7


@pytest.fixture(scope="session")
def synthetic_registers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register directory (every table of schema.TABLES plus metadata.json) for 3,000 persons."""
    out = tmp_path_factory.mktemp("registers") / "reg"
    generate(out, persons=SYNTH_PERSONS, seed=SYNTH_SEED)
    return out
