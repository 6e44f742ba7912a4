from __future__ import annotations

import pytest

from tests.preparation.helpers import make_people, make_registers, setup_office, signed_case


@pytest.fixture(scope="session")
def registers(tmp_path_factory):
    return make_registers(tmp_path_factory.mktemp("prep-registers") / "reg")


@pytest.fixture
def office(db, settings, registers, tmp_path):
    setup_office(settings, registers, tmp_path / "work")
    return registers


@pytest.fixture
def people(office, make_user):
    return make_people(make_user)


@pytest.fixture
def case(people):
    return signed_case(people)
