"""Writes to the catalog: the loader (the only writer of data-derived fields) and staff edits.

Selections from uploaded variable lists and microdata.no scripts are read-only services in
``tilgang.catalog.selection`` and re-exported here for the apps that call them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tilgang.audit.services import audit_record
from tilgang.catalog.models import (
    CatalogLoad,
    Code,
    CodeList,
    Coverage,
    Register,
    StatisticsArea,
    Variable,
)
from tilgang.catalog.selection import (
    Selection,
    SelectionError,
    selection_from_script,
    selection_from_upload,
)
from tilgang.engine.metadata import Metadata

__all__ = [
    "CatalogError",
    "LoadResult",
    "Selection",
    "SelectionError",
    "catalog_load",
    "selection_from_script",
    "selection_from_upload",
    "variable_publication_dates_set",
    "variable_texts_update",
]

STAFF_EDITABLE_TEXTS = ("label_nb", "label_en", "definition_nb", "definition_en")


class CatalogError(Exception):
    """A refusal whose message is translated and safe to show."""


@dataclass
class LoadResult:
    register_version: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    other_changes: int = 0  # areas, registers, code lists and codes created or changed
    new_version: bool = False  # the data changed even where their description did not

    @property
    def changed(self) -> bool:
        return bool(self.new_version or self.created or self.updated or self.withdrawn or self.other_changes)


def _read_metadata(directory: Path) -> Metadata:
    path = Path(directory) / "metadata.json"
    if not path.is_file():
        raise CatalogError(_("There is no metadata.json in %(directory)s.") % {"directory": directory})
    try:
        return Metadata.load(Path(directory))
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise CatalogError(
            _("metadata.json in %(directory)s is not valid: %(error)s")
            % {"directory": directory, "error": error}
        ) from error


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso_or_none(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _apply(obj: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``; True when something differed (the caller saves)."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def search_text_for(variable: Variable) -> str:
    parts = [
        variable.name,
        variable.name.replace("_", " "),
        variable.shown_label_nb,
        variable.shown_label_en,
        variable.shown_definition_nb,
        variable.shown_definition_en,
        variable.register.code,
        variable.register.name_nb,
        variable.register.name_en,
        variable.area.code,
        variable.area.name_nb,
        variable.area.name_en,
    ]
    return " ".join(part for part in parts if part).lower()


@transaction.atomic
def catalog_load(*, actor: Any, directory: Path) -> LoadResult:
    """Load ``DIR/metadata.json`` into the catalog. Idempotent: loading the same file twice changes
    nothing and records nothing. Staff edits (``*_edited`` fields) are never touched. Variables
    that disappeared are withdrawn, not deleted."""
    metadata = _read_metadata(directory)
    version = metadata.register_version
    latest = CatalogLoad.objects.first()
    result = LoadResult(
        register_version=version, new_version=latest is None or latest.register_version != version
    )

    areas = {area.code: area for area in StatisticsArea.objects.all()}
    for position, source in enumerate(metadata.areas):
        values = {"name_nb": source.name_nb, "name_en": source.name_en, "position": position}
        area = areas.get(source.code)
        if area is None:
            areas[source.code] = StatisticsArea.objects.create(code=source.code, **values)
            result.other_changes += 1
        elif _apply(area, values):
            area.save()
            result.other_changes += 1

    registers = {register.code: register for register in Register.objects.all()}
    for source_register in metadata.registers:
        if source_register.area not in areas:
            raise CatalogError(
                _("Register %(register)s names an unknown statistics area %(area)s.")
                % {"register": source_register.code, "area": source_register.area}
            )
        values = {
            "area": areas[source_register.area],
            "name_nb": source_register.name_nb,
            "name_en": source_register.name_en,
            "source_kind": source_register.source_kind,
        }
        register = registers.get(source_register.code)
        if register is None:
            register = Register.objects.create(code=source_register.code, register_version=version, **values)
            registers[source_register.code] = register
            result.other_changes += 1
        elif _apply(register, values):
            register.register_version = version
            register.save()
            result.other_changes += 1

    codelists = {codelist.name: codelist for codelist in CodeList.objects.all()}
    for name, source_list in metadata.codelists.items():
        codelist = codelists.get(name)
        if codelist is None:
            codelist = CodeList.objects.create(name=name, source=source_list.source)
            codelists[name] = codelist
            result.other_changes += 1
        elif _apply(codelist, {"source": source_list.source}):
            codelist.save()
            result.other_changes += 1
        existing = {code.code: code for code in codelist.codes.all()}
        wanted = set()
        new_codes = []
        for position, source_code in enumerate(source_list.codes):
            wanted.add(source_code.code)
            values = {
                "label_nb": source_code.label_nb,
                "label_en": source_code.label_en,
                "valid_from": _iso(source_code.valid_from),
                "valid_to": _iso(source_code.valid_to),
                "position": position,
            }
            code = existing.get(source_code.code)
            if code is None:
                new_codes.append(Code(codelist=codelist, code=source_code.code, **values))
            elif _apply(code, values):
                code.save()
                result.other_changes += 1
        if new_codes:
            Code.objects.bulk_create(new_codes)
            result.other_changes += len(new_codes)
        gone = [code.pk for key, code in existing.items() if key not in wanted]
        if gone:
            Code.objects.filter(pk__in=gone).delete()
            result.other_changes += len(gone)

    variables = {v.name: v for v in Variable.objects.select_related("register", "area")}
    coverage: dict[int, dict[int, Coverage]] = {}
    for row in Coverage.objects.all():
        coverage.setdefault(row.variable_id, {})[row.year] = row
    seen: set[str] = set()
    for position, source_var in enumerate(metadata.variables):
        seen.add(source_var.name)
        if source_var.register not in registers or source_var.area not in areas:
            raise CatalogError(
                _("Variable %(name)s names an unknown register or statistics area.")
                % {"name": source_var.name}
            )
        if source_var.codelist and source_var.codelist not in codelists:
            raise CatalogError(
                _("Variable %(name)s names an unknown code list %(codelist)s.")
                % {"name": source_var.name, "codelist": source_var.codelist}
            )
        values = {
            "register": registers[source_var.register],
            "area": areas[source_var.area],
            "unit_type": source_var.unit_type,
            "temporality": source_var.temporality,
            "data_type": source_var.data_type,
            "codelist": codelists[source_var.codelist] if source_var.codelist else None,
            "sensitivity": source_var.sensitivity,
            "identifying": source_var.identifying,
            "price_group": source_var.price_group or source_var.area,
            "label_nb": source_var.label_nb,
            "label_en": source_var.label_en,
            "definition_nb": source_var.definition_nb,
            "definition_en": source_var.definition_en,
            "withdrawn_at": None,
        }
        variable = variables.get(source_var.name)
        created = variable is None
        if variable is None:
            variable = Variable(name=source_var.name, register_version=version, **values)
            changed = True
        else:
            changed = _apply(variable, values)
        wanted_years = {
            year: _iso(source_var.publication_dates.get(str(year))) for year in sorted(set(source_var.years))
        }
        rows = coverage.get(variable.pk, {}) if variable.pk else {}
        years_changed = set(rows) != set(wanted_years) or any(
            rows[year].published_on != published for year, published in wanted_years.items() if year in rows
        )
        moved = variable.position != position
        if moved:
            variable.position = position
            if not (created or changed or years_changed):
                result.other_changes += 1  # order only: not an update of the variable
        if changed or years_changed or moved:
            variable.register_version = version
            variable.search_text = search_text_for(variable)
            variable.save()
        if years_changed:
            for year, row in rows.items():
                if year not in wanted_years:
                    row.delete()
                elif row.published_on != wanted_years[year]:
                    row.published_on = wanted_years[year]
                    row.save(update_fields=["published_on"])
            Coverage.objects.bulk_create(
                [
                    Coverage(variable=variable, year=year, published_on=published)
                    for year, published in wanted_years.items()
                    if year not in rows
                ]
            )
        if created:
            result.created.append(variable.name)
        elif changed or years_changed:
            result.updated.append(variable.name)

    now = timezone.now()
    for name, variable in variables.items():
        if name not in seen and variable.withdrawn_at is None:
            variable.withdrawn_at = now
            variable.register_version = version
            variable.save(update_fields=["withdrawn_at", "register_version"])
            result.withdrawn.append(name)

    if not result.changed:
        return result
    if result.new_version:
        # Every variable in the catalog now describes the data of this version.
        Variable.objects.filter(withdrawn_at__isnull=True).exclude(register_version=version).update(
            register_version=version
        )
        Register.objects.exclude(register_version=version).update(register_version=version)
    load = CatalogLoad.objects.create(
        register_version=version,
        seed=metadata.seed,
        persons=metadata.persons,
        loaded_at=now,
        created=len(result.created),
        updated=len(result.updated),
        withdrawn=len(result.withdrawn),
    )
    audit_record(
        actor=actor,
        action="catalog.catalog.loaded",
        obj=load,
        payload={
            "register_version": version,
            "previous_version": latest.register_version if latest else None,
            "created": result.created,
            "updated": result.updated,
            "withdrawn": result.withdrawn,
            "other_changes": result.other_changes,
        },
    )
    return result


@transaction.atomic
def variable_texts_update(*, actor: Any, variable: Variable, texts: dict[str, str]) -> list[str]:
    """Staff edit the label and definition (bokmål, English). A text equal to the loaded one, or
    blank, clears the edit so the loaded text shows again. Returns the fields that changed."""
    variable = Variable.objects.select_for_update().select_related("register", "area").get(pk=variable.pk)
    changed = []
    for name in STAFF_EDITABLE_TEXTS:
        if name not in texts:
            continue
        text = (texts[name] or "").strip()
        edited = "" if text == getattr(variable, name) else text
        if getattr(variable, f"{name}_edited") != edited:
            setattr(variable, f"{name}_edited", edited)
            changed.append(name)
    if changed:
        variable.search_text = search_text_for(variable)
        variable.save()
        audit_record(
            actor=actor, action="catalog.variable.texts_updated", obj=variable, payload={"fields": changed}
        )
    return changed


@transaction.atomic
def variable_publication_dates_set(
    *, actor: Any, variable: Variable, dates: dict[int, date | None]
) -> list[int]:
    """Staff set the publication date of a year's statistic (DOMAIN R-DATA-2). ``None``, or the
    loaded date, clears the edit. Returns the years that changed."""
    rows = {row.year: row for row in Coverage.objects.select_for_update().filter(variable=variable)}
    unknown = sorted(set(dates) - set(rows))
    if unknown:
        raise CatalogError(
            _("%(name)s has no data for %(years)s.")
            % {"name": variable.name, "years": ", ".join(str(year) for year in unknown)}
        )
    changed = []
    for year, published in sorted(dates.items()):
        row = rows[year]
        edited = None if published == row.published_on else published
        if row.published_on_edited != edited:
            row.published_on_edited = edited
            row.save(update_fields=["published_on_edited"])
            changed.append(year)
    if changed:
        audit_record(
            actor=actor,
            action="catalog.variable.publication_dates_set",
            obj=variable,
            payload={"years": {str(year): _iso_or_none(rows[year].published_on_edited) for year in changed}},
        )
    return changed
