"""From the approved application to the engine's order, without retyping.

The application's population definition maps onto the engine's population kinds, and each selected
variable with its years onto a variable request shaped by its temporality (read from the registers'
``metadata.json``, the same file the catalog was loaded from). The case officer then only chooses the
minimisation of each variable (DOMAIN R-DATA-6) and, for a project change, the years.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tilgang.applications.models import Application, PopulationKind
from tilgang.engine.errors import EngineError
from tilgang.engine.metadata import Metadata
from tilgang.engine.order import Order, parse_order


class OrderBuildError(Exception):
    """The application cannot be turned into an order; the message is translated and safe to show."""


def registers_dir() -> Path:
    """``TILGANG_REGISTERS_DIR``; by default the demo registers under ``VAR_DIR``."""
    return Path(settings.TILGANG_REGISTERS_DIR)


def work_dir() -> Path:
    return Path(settings.TILGANG_PREPARATION_DIR)


def office_key() -> str:
    """The engine's office key (``TILGANG_SEAL_KEY``): the setting when given, otherwise derived from the
    master key with its own purpose, as ``tilgang.core.crypto`` derives its keys. The key never leaves
    the process: it seals each project's randomness (R-PSEUDO-5)."""
    explicit = settings.TILGANG_SEAL_KEY
    if explicit:
        return str(explicit)
    digest = hashlib.sha256(f"tilgang:engine-seal-key:{settings.MASTER_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def metadata() -> Metadata:
    try:
        return Metadata.load(registers_dir())
    except (OSError, ValueError, KeyError) as error:
        raise OrderBuildError(
            _(
                "The registers cannot be read from %(dir)s. Ask an administrator to check TILGANG_REGISTERS_DIR."
            )
            % {"dir": registers_dir()}
        ) from error


def project_id(application: Application) -> str:
    """The engine's project ID: the case number, so every delivery of the case shares it."""
    return "P" + re.sub(r"[^A-Za-z0-9]", "-", application.case_number)


# Minimisation presets: key → (label, data types it fits, builder(reference date) → engine dict).
MINIMISATIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "": (gettext_lazy("None (as in the register)"), ("STRING", "LONG", "DOUBLE", "DATE")),
    "year": (gettext_lazy("Year only"), ("DATE",)),
    "month": (gettext_lazy("Year and month"), ("DATE",)),
    "age": (gettext_lazy("Age in whole years"), ("DATE",)),
    "age_group_5": (gettext_lazy("Age in 5-year groups"), ("DATE",)),
    "age_group_10": (gettext_lazy("Age in 10-year groups"), ("DATE",)),
    "deciles": (gettext_lazy("Deciles (10 groups)"), ("LONG", "DOUBLE")),
    "quintiles": (gettext_lazy("Quintiles (5 groups)"), ("LONG", "DOUBLE")),
    "education_level": (gettext_lazy("Education level (first digit)"), ("STRING",)),
    "county": (gettext_lazy("County instead of municipality"), ("STRING",)),
}
_CODELIST_ONLY = {"education_level": ("nus2000",), "county": ("municipalities",)}


def minimisation_choices(variable) -> list[tuple[str, str]]:
    """The presets that fit an engine variable (by data type, and code list where it matters)."""
    choices = []
    for key, (label, types) in MINIMISATIONS.items():
        if variable.data_type not in types:
            continue
        if key in _CODELIST_ONLY and variable.codelist not in _CODELIST_ONLY[key]:
            continue
        choices.append((key, str(label)))
    return choices


def minimise_spec(key: str, reference: date) -> dict[str, Any] | None:
    if not key:
        return None
    if key in ("year", "month", "education_level", "county"):
        return {"method": key}
    if key == "age":
        return {"method": "age", "reference_date": reference.isoformat()}
    if key.startswith("age_group_"):
        return {
            "method": "age_group",
            "width": int(key.rsplit("_", 1)[1]),
            "reference_date": reference.isoformat(),
        }
    if key in ("deciles", "quintiles"):
        return {"method": "quantile_groups", "groups": 10 if key == "deciles" else 5}
    raise OrderBuildError(_("Unknown minimisation “%(key)s”.") % {"key": key})


def minimise_key(spec: dict[str, Any] | None) -> str:
    """The preset a stored engine minimisation came from (for the form)."""
    if not spec:
        return ""
    method = spec.get("method")
    if method == "age_group":
        return f"age_group_{spec.get('width')}"
    if method == "quantile_groups":
        return "deciles" if spec.get("groups") == 10 else "quintiles"
    return str(method)


def _number(value: object) -> str:
    number = float(value)  # type: ignore[arg-type]
    return formats.number_format(
        int(number) if number.is_integer() else number, use_l10n=True, force_grouping=True
    )


def minimisation_text(spec: dict[str, Any] | None) -> str:
    """The minimisation of a stored order's variable in words, in the active language; every method of the
    engine (``tilgang.engine.order.Minimise``) is covered, the presets with the labels of the order form."""
    from tilgang.engine.minimise import band_labels

    if not spec:
        return str(MINIMISATIONS[""][0])
    method = spec.get("method")
    groups = spec.get("groups")
    if method == "quantile_groups" and groups not in (5, 10):
        return ngettext(
            "Quantile groups (%(n)s group)", "Quantile groups (%(n)s groups)", int(groups or 0)
        ) % {"n": groups}
    if method == "age_group" and spec.get("breaks"):
        bounds = ", ".join(label for _lo, label in band_labels(tuple(float(b) for b in spec["breaks"])))
        return _("Age groups: %(bands)s") % {"bands": bounds}
    key = minimise_key(spec)
    if key in MINIMISATIONS:
        return str(MINIMISATIONS[key][0])
    if method == "age_group":
        return _("Age in %(width)s-year groups") % {"width": spec.get("width")}
    if method == "intervals":
        bands = ", ".join(
            label for _lo, label in band_labels(tuple(float(b) for b in spec.get("breaks") or ()))
        )
        return _("Intervals: %(bands)s") % {"bands": bands}
    if method == "small_municipality":
        return _("Municipalities with fewer than %(n)s persons in the extract grouped by county") % {
            "n": _number(spec.get("threshold") or 0)
        }
    if method == "top_bottom":
        parts = []
        if spec.get("bottom") is not None:
            parts.append(_("bottom-coded at %(value)s") % {"value": _number(spec["bottom"])})
        if spec.get("top") is not None:
            parts.append(_("top-coded at %(value)s") % {"value": _number(spec["top"])})
        text = ", ".join(parts)
        return text[:1].upper() + text[1:]
    return str(method)


def population_spec(application: Application) -> tuple[dict[str, Any], date]:
    """The engine's population and the reference date used for ages."""
    kind = application.population_kind
    if kind == PopulationKind.AS_OF_DATE and application.population_as_of:
        day = application.population_as_of
        return {"kind": "resident_at", "date": day.isoformat()}, day
    if kind == PopulationKind.PERIOD and application.population_from and application.population_to:
        return (
            {"kind": "resident_during", "start": application.population_from.isoformat(),
             "end": application.population_to.isoformat()},
            application.population_to,
        )  # fmt: skip
    if (
        kind == PopulationKind.COHORTS
        and application.population_cohort_from
        and application.population_cohort_to
    ):
        return (
            {"kind": "birth_cohorts", "from_year": application.population_cohort_from,
             "to_year": application.population_cohort_to},
            date(application.population_cohort_to, 12, 31),
        )  # fmt: skip
    if kind == PopulationKind.PROJECT_LIST:
        raise OrderBuildError(
            _("The population is a list supplied by the project. Ask the project to send the list through the "
              "file exchange; lists are not yet read into orders in the portal, use the command line.")
        )  # fmt: skip
    raise OrderBuildError(
        _("The application does not define the population precisely enough to make an order.")
    )


def _years_of(wanted: list[int], engine_variable) -> list[int]:
    return sorted(wanted) if wanted else sorted(engine_variable.years)


def variable_spec(
    name: str, years: list[int], engine_variable, *, minimise: dict[str, Any] | None, exact_dates: bool
) -> dict[str, Any]:
    request: dict[str, Any] = {"name": name}
    temporality = engine_variable.temporality
    chosen = _years_of(years, engine_variable)
    if temporality == "ACCUMULATED" or (temporality == "STATUS" and "year" in engine_variable.time_columns):
        request["years"] = chosen
    elif temporality == "STATUS":
        # A status on 1 January of each year chosen.
        request["dates"] = [date(year, 1, 1).isoformat() for year in chosen]
    elif temporality == "EVENT":
        request["period"] = {
            "start": date(min(chosen), 1, 1).isoformat(),
            "end": date(max(chosen), 12, 31).isoformat(),
        }
    if minimise:
        request["minimise"] = minimise
    if exact_dates:
        request["exact_dates"] = True
    return request


def build_order(
    application: Application,
    *,
    choices: dict[str, str] | None = None,
    years: dict[str, list[int]] | None = None,
    meta: Metadata | None = None,
) -> Order:
    """The engine's order for the case's approved selection; ``choices`` are the minimisation presets per
    variable (default: dates reduced to the year unless exact dates were justified), ``years`` overrides
    the selected years (a project change with updated figures)."""
    meta = meta or metadata()
    population, reference = population_spec(application)
    choices, years = choices or {}, years or {}
    selected = list(application.variables.select_related("variable"))
    if not selected:
        raise OrderBuildError(_("The application has no variables to order."))
    requests, unit_types, quasi = [], {"PERSON"}, []
    for item in selected:
        name = item.variable.name
        try:
            engine_variable = meta.variable(name)
        except KeyError:
            raise OrderBuildError(
                _("Variable %(name)s is not in the registers (version %(version)s).")
                % {"name": name, "version": meta.register_version}
            ) from None
        # DOMAIN R-DATA-6: exact dates only where the application justified them.
        exact = bool(item.justification.strip()) and engine_variable.data_type == "DATE"
        default = "year" if engine_variable.data_type == "DATE" and not exact else ""
        key = choices.get(name, default)
        allowed = {k for k, _label in minimisation_choices(engine_variable)}
        if key not in allowed:
            raise OrderBuildError(
                _("Minimisation “%(key)s” does not fit %(name)s.") % {"key": key, "name": name}
            )
        wanted = years.get(name, list(item.years or []))
        outside = sorted(set(wanted) - set(engine_variable.years))
        if outside:
            raise OrderBuildError(
                _("%(name)s has no data for %(years)s.")
                % {"name": name, "years": ", ".join(str(y) for y in outside)}
            )
        requests.append(
            variable_spec(
                name, wanted, engine_variable, minimise=minimise_spec(key, reference), exact_dates=exact
            )
        )
        unit_types.add(engine_variable.unit_type)
        if engine_variable.unit_type == "PERSON" and engine_variable.temporality in ("FIXED", "STATUS"):
            quasi.append(name)
    data = {
        "project": {"id": project_id(application), "title": application.title[:200]},
        "population": population,
        "variables": requests,
        "pseudonymise": {
            "unit_types": [u for u in ("PERSON", "JOB", "ESTABLISHMENT", "ENTERPRISE") if u in unit_types]
        },
        "output": {"formats": ["parquet", "csv"]},
        # The disclosure report of the dry run: the person's fixed and status variables combined, k = 5.
        "disclosure": {"quasi_identifiers": quasi, "k": 5},
    }
    try:
        return parse_order(data)
    except EngineError as error:
        raise OrderBuildError(str(error)) from error


def with_imports(spec: dict[str, Any], imports: list[dict[str, Any]], exports: list[str]) -> Order:
    """The stored order with the third-party files that arrived (linked at the office) and the owners who
    get the linkage key (distributed linkage, R-PSEUDO-2)."""
    data = dict(spec)
    linkage: dict[str, Any] = {}
    if imports:
        linkage["import"] = imports
    if exports:
        linkage["export"] = [{"owner": owner} for owner in exports]
    if linkage:
        data["linkage"] = linkage
    return parse_order(data)
