"""Reads from the catalog: search with facets, areas, variables, code lists. The catalog is public."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from tilgang.catalog.models import (
    CatalogLoad,
    CodeList,
    Coverage,
    Sensitivity,
    StatisticsArea,
    Temporality,
    UnitType,
    Variable,
)

FACETS = ("area", "unit_type", "temporality", "sensitivity")
NO_SENSITIVITY = "none"  # the facet value for variables of no special category
MAX_TERMS = 10


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    ids: list[int]  # in result order; objects are loaded only for the page shown
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.ids)

    def load(self, ids: list[int]) -> list[Variable]:
        found = {variable.pk: variable for variable in _with_relations(Variable.objects.filter(pk__in=ids))}
        return [found[pk] for pk in ids if pk in found]

    def page(self, offset: int = 0, limit: int = 25) -> list[Variable]:
        return self.load(self.ids[offset : offset + limit])

    @property
    def variables(self) -> list[Variable]:
        return self.load(self.ids)


def search_terms(q: str) -> list[str]:
    return [term for term in q.lower().split() if term][:MAX_TERMS]


def variables_available() -> QuerySet[Variable]:
    return Variable.objects.filter(withdrawn_at__isnull=True)


def variable_search(
    *, q: str = "", area: str = "", unit_type: str = "", temporality: str = "", sensitivity: str = ""
) -> SearchResult:
    """Free text over name, label and definition in bokmål and English, register and area; every
    term must match. Facet counts for one facet apply all other filters (the usual faceted search)."""
    terms = search_terms(q)
    query = variables_available()
    for term in terms:
        query = query.filter(search_text__contains=term)
    rows = list(
        query.values_list(
            "pk", "name", "label_nb", "label_en", "area__code", "unit_type", "temporality", "sensitivity"
        )
    )
    chosen = {"area": area, "unit_type": unit_type, "temporality": temporality, "sensitivity": sensitivity}

    def facet_values(row) -> dict[str, str]:
        return {
            "area": row[4],
            "unit_type": row[5],
            "temporality": row[6],
            "sensitivity": row[7] or NO_SENSITIVITY,
        }

    def passes(values: dict[str, str], skip: str | None = None) -> bool:
        return all(not wanted or values[name] == wanted for name, wanted in chosen.items() if name != skip)

    labelled = {row[0]: facet_values(row) for row in rows}
    facets: dict[str, list[FacetValue]] = {}
    labels = _facet_labels()
    for facet in FACETS:
        counts = Counter(values[facet] for values in labelled.values() if passes(values, skip=facet))
        facets[facet] = [
            FacetValue(value, label, counts.get(value, 0), chosen[facet] == value)
            for value, label in labels[facet]
            if counts.get(value, 0) or chosen[facet] == value
        ]

    def score(row) -> tuple[int, int]:
        name, label = row[1].lower(), f"{row[2]} {row[3]}".lower()
        return (-sum(3 * (term in name) + 2 * (term in label) for term in terms), 0)

    matching = [row for row in rows if passes(labelled[row[0]])]
    if terms:
        matching.sort(key=score)  # stable: metadata order within equal scores
    return SearchResult(ids=[row[0] for row in matching], facets=facets)


def _with_relations(query: QuerySet[Variable]) -> QuerySet[Variable]:
    return query.select_related("register", "area", "codelist").prefetch_related(
        Prefetch("coverage", queryset=Coverage.objects.order_by("year"))
    )


def _facet_labels() -> dict[str, list[tuple[str, str]]]:
    return {
        "area": [(area.code, area.name) for area in StatisticsArea.objects.all()],
        "unit_type": [(str(value), str(label)) for value, label in UnitType.choices],
        "temporality": [(str(value), str(label)) for value, label in Temporality.choices],
        "sensitivity": [(NO_SENSITIVITY, str(Sensitivity.NONE.label))]
        + [(str(value), str(label)) for value, label in Sensitivity.choices if value],
    }


def areas_with_counts() -> QuerySet[StatisticsArea]:
    return (
        StatisticsArea.objects.annotate(
            variable_count=Count("variables", filter=Q(variables__withdrawn_at__isnull=True))
        )
        .filter(variable_count__gt=0)
        .order_by("position", "code")
    )


def area_get(code: str) -> StatisticsArea | None:
    return StatisticsArea.objects.filter(code=code).first()


def area_variables(area: StatisticsArea) -> list[Variable]:
    return list(_with_relations(variables_available().filter(area=area)))


def variable_get(name: str) -> Variable | None:
    """A variable by name, withdrawn ones included (their page says so)."""
    return _with_relations(Variable.objects.filter(name=name)).first()


def variables_by_name(names: Iterable[str]) -> dict[str, Variable]:
    return {v.name: v for v in _with_relations(Variable.objects.filter(name__in=set(names)))}


def codelist_get(name: str) -> CodeList | None:
    return CodeList.objects.filter(name=name).prefetch_related("codes").first()


def latest_load() -> CatalogLoad | None:
    return CatalogLoad.objects.first()


def years_text(years: list[int]) -> str:
    """2000–2025, or 2012, 2015, 2019: consecutive runs joined with an en dash."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
