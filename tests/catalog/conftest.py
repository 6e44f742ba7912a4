"""A small register directory generated once per session with the engine's generator, so the
catalog tests run against real metadata; and a catalog loaded from it for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tilgang.engine.metadata import Metadata

PERSONS = 500


@pytest.fixture(scope="session")
def registers_dir(tmp_path_factory) -> Path:
    from tilgang.engine.synth.generate import generate

    directory = tmp_path_factory.mktemp("registers") / "small"
    generate(directory, persons=PERSONS, seed=1)
    return directory


@pytest.fixture(scope="session")
def metadata(registers_dir) -> Metadata:
    return Metadata.load(registers_dir)


@pytest.fixture
def catalog(db, registers_dir):
    from tilgang.catalog.services import catalog_load

    return catalog_load(actor=None, directory=registers_dir)


@pytest.fixture
def catalog_editor(make_user):
    return make_user("case_officer", language="en")


def first_variable(metadata: Metadata, **conditions) -> str:
    """The name of the first variable whose metadata match ``conditions`` (field=value)."""
    for variable in metadata.variables:
        if all(getattr(variable, key) == value for key, value in conditions.items()):
            return variable.name
    raise LookupError(conditions)
