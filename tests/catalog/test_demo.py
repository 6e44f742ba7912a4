"""The demo seed loads the catalog from var/registers, generating a small set there if missing."""

from __future__ import annotations

import shutil

from tilgang.catalog import demo
from tilgang.catalog.models import CatalogLoad, Variable


def test_seed_loads_existing_demo_registers_and_is_idempotent(
    db, settings, tmp_path, registers_dir, metadata
):
    settings.TILGANG_REGISTERS_DIR = tmp_path / "registers"
    shutil.copytree(registers_dir, tmp_path / "registers")
    demo.seed()
    demo.seed()
    assert Variable.objects.count() == len(metadata.variables)
    assert CatalogLoad.objects.count() == 1


def test_seed_generates_registers_when_missing(db, settings, tmp_path, monkeypatch):
    settings.TILGANG_REGISTERS_DIR = tmp_path / "registers"
    monkeypatch.setattr(demo, "DEMO_PERSONS", 200)
    demo.seed()
    assert (tmp_path / "registers" / "metadata.json").is_file()
    assert (tmp_path / "registers" / "persons").is_dir()
    assert Variable.objects.filter(name="INNTEKT_WLONN").exists()
    assert CatalogLoad.objects.get().persons == 200
