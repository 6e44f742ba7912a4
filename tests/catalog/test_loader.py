"""The loader: the catalog mirrors metadata.json, loading is idempotent, staff edits survive reloads."""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import call_command

from tilgang.audit.models import AuditEvent
from tilgang.catalog.models import CatalogLoad, Code, CodeList, Coverage, Register, StatisticsArea, Variable
from tilgang.catalog.services import (
    CatalogError,
    catalog_load,
    variable_publication_dates_set,
    variable_texts_update,
)


def test_catalog_matches_metadata(catalog, metadata):
    assert set(StatisticsArea.objects.values_list("code", flat=True)) == {a.code for a in metadata.areas}
    assert set(Register.objects.values_list("code", flat=True)) == {r.code for r in metadata.registers}
    assert Variable.objects.count() == len(metadata.variables)
    assert len(metadata.variables) >= 60 and len({v.area for v in metadata.variables}) >= 8
    for source in metadata.variables:
        variable = Variable.objects.select_related("register", "area", "codelist").get(name=source.name)
        assert variable.register.code == source.register
        assert variable.area.code == source.area
        assert (variable.unit_type, variable.temporality, variable.data_type) == (
            source.unit_type,
            source.temporality,
            source.data_type,
        )
        assert (variable.codelist.name if variable.codelist else None) == source.codelist
        assert (variable.sensitivity, variable.identifying) == (source.sensitivity, source.identifying)
        assert variable.label_nb == source.label_nb and variable.definition_en == source.definition_en
        assert variable.year_list() == sorted(source.years)
        for row in variable.coverage.all():
            assert row.published_on.isoformat() == source.publication_dates[str(row.year)]
        assert variable.register_version == metadata.register_version
    for name, source_list in metadata.codelists.items():
        codes = list(CodeList.objects.get(name=name).codes.values_list("code", "label_nb", "label_en"))
        assert codes == [(c.code, c.label_nb, c.label_en) for c in source_list.codes]


def test_first_load_records_version_and_an_audit_event(catalog, metadata):
    load = CatalogLoad.objects.get()
    assert load.register_version == metadata.register_version
    assert load.created == len(metadata.variables)
    event = AuditEvent.objects.get(action="catalog.catalog.loaded")
    assert event.payload["register_version"] == metadata.register_version
    assert len(event.payload["created"]) == len(metadata.variables)


def test_loading_twice_changes_nothing(catalog, registers_dir):
    before = (
        Variable.objects.count(),
        Coverage.objects.count(),
        Code.objects.count(),
        AuditEvent.objects.count(),
    )
    result = catalog_load(actor=None, directory=registers_dir)
    assert not result.changed
    assert (
        Variable.objects.count(),
        Coverage.objects.count(),
        Code.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    assert CatalogLoad.objects.count() == 1


def _changed_copy(registers_dir, tmp_path, change):
    target = tmp_path / "changed"
    target.mkdir()
    data = json.loads((registers_dir / "metadata.json").read_text(encoding="utf-8"))
    change(data)
    (target / "metadata.json").write_text(json.dumps(data), encoding="utf-8")
    return target


def test_reload_updates_withdraws_and_records_the_new_version(catalog, registers_dir, tmp_path):
    def change(data):
        data["register_version"] = "synth-test-v2"
        first = data["variables"][0]
        first["label_en"] = "A new label"
        first["years"] = first["years"][:-1]
        data["variables"] = [first] + data["variables"][2:]

    metadata = json.loads((registers_dir / "metadata.json").read_text(encoding="utf-8"))
    first_name, second_name = metadata["variables"][0]["name"], metadata["variables"][1]["name"]
    result = catalog_load(actor=None, directory=_changed_copy(registers_dir, tmp_path, change))
    assert result.updated == [first_name]
    assert result.withdrawn == [second_name]
    first = Variable.objects.get(name=first_name)
    assert first.label_en == "A new label" and first.register_version == "synth-test-v2"
    assert first.year_list() == metadata["variables"][0]["years"][:-1]
    assert Variable.objects.get(name=second_name).withdrawn_at is not None
    assert CatalogLoad.objects.first().register_version == "synth-test-v2"
    event = AuditEvent.objects.filter(action="catalog.catalog.loaded").last()
    assert event.payload["withdrawn"] == [second_name]


def test_staff_edits_survive_a_reload(catalog, registers_dir, tmp_path, catalog_editor):
    variable = Variable.objects.get(name="INNTEKT_WLONN")
    variable_texts_update(actor=catalog_editor, variable=variable, texts={"label_en": "Wages (edited)"})
    year = variable.year_list()[-1]
    from datetime import date

    variable_publication_dates_set(actor=catalog_editor, variable=variable, dates={year: date(2030, 1, 1)})

    def change(data):
        data["register_version"] = "synth-test-v3"
        for item in data["variables"]:
            if item["name"] == "INNTEKT_WLONN":
                item["label_en"] = "Wage income, new wording"
                item["publication_dates"][str(year)] = "2029-06-01"

    catalog_load(actor=None, directory=_changed_copy(registers_dir, tmp_path, change))
    variable.refresh_from_db()
    assert variable.label_en == "Wage income, new wording"  # the loaded text is updated …
    assert variable.shown_label_en == "Wages (edited)"  # … and the staff edit still shows
    row = variable.coverage.get(year=year)
    assert row.published_on == date(2029, 6, 1)
    assert row.publication_date == date(2030, 1, 1)


def test_missing_or_broken_metadata_is_refused_and_nothing_is_loaded(db, tmp_path, registers_dir):
    with pytest.raises(CatalogError, match="no metadata.json"):
        catalog_load(actor=None, directory=tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    data = json.loads((registers_dir / "metadata.json").read_text(encoding="utf-8"))
    data["variables"][-1]["codelist"] = "no_such_list"
    (broken / "metadata.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CatalogError, match="unknown code list"):
        catalog_load(actor=None, directory=broken)
    assert not Variable.objects.exists() and not StatisticsArea.objects.exists()


def test_management_command_loads_and_is_idempotent(db, registers_dir, tmp_path, capsys):
    call_command("catalog_load", "--registers", str(registers_dir))
    assert "variables added" in capsys.readouterr().out
    call_command("catalog_load", "--registers", str(registers_dir))
    assert "already matches" in capsys.readouterr().out
    copy = tmp_path / "copy"
    shutil.copytree(registers_dir, copy)
    call_command("catalog_load", "--registers", str(copy))
    assert CatalogLoad.objects.count() == 1


def test_new_register_version_with_the_same_description_is_recorded(catalog, registers_dir, tmp_path):
    def change(data):
        data["register_version"] = "synth-new-data"

    result = catalog_load(actor=None, directory=_changed_copy(registers_dir, tmp_path, change))
    assert result.changed and result.new_version and not result.updated
    assert CatalogLoad.objects.first().register_version == "synth-new-data"
    assert set(Variable.objects.values_list("register_version", flat=True)) == {"synth-new-data"}
    assert set(Register.objects.values_list("register_version", flat=True)) == {"synth-new-data"}
    event = AuditEvent.objects.filter(action="catalog.catalog.loaded").last()
    assert event.payload["previous_version"] != "synth-new-data"
    assert not catalog_load(actor=None, directory=tmp_path / "changed").changed
