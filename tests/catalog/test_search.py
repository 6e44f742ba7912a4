"""Search in both languages and the facets."""

from __future__ import annotations

from django.urls import reverse

from tilgang.catalog.models import Variable
from tilgang.catalog.selectors import variable_search, years_text


def test_search_in_bokmaal_and_english_finds_the_same_variable(catalog):
    assert "INNTEKT_WLONN" in [v.name for v in variable_search(q="lønnsinntekt").variables]
    assert "INNTEKT_WLONN" in [v.name for v in variable_search(q="wage income").variables]


def test_every_word_must_match(catalog):
    names = {v.name for v in variable_search(q="income wage").variables}
    assert "INNTEKT_WLONN" in names
    assert "INNTEKT_SKATT" not in names
    assert variable_search(q="income zyxwvut").total == 0


def test_search_by_variable_name_ranks_it_first(catalog):
    result = variable_search(q="inntekt_wlonn")
    assert result.variables[0].name == "INNTEKT_WLONN"


def test_search_ignores_case_and_norwegian_letters_work(catalog):
    upper = {v.name for v in variable_search(q="FØDELAND").variables}
    lower = {v.name for v in variable_search(q="fødeland").variables}
    assert upper == lower and "BEFOLKNING_FODELAND" in lower


def test_facet_filters_and_counts(catalog, metadata):
    everything = variable_search()
    assert everything.total == len(metadata.variables)
    areas = {value.value: value.count for value in everything.facets["area"]}
    assert areas["TRYGD"] == sum(1 for v in metadata.variables if v.area == "TRYGD")
    only_trygd = variable_search(area="TRYGD")
    assert {v.area.code for v in only_trygd.variables} == {"TRYGD"}
    # the area facet still shows the other areas' counts (it ignores its own filter) …
    assert {value.value: value.count for value in only_trygd.facets["area"]} == areas
    # … while the other facets count within the area
    units = {value.value: value.count for value in only_trygd.facets["unit_type"]}
    assert sum(units.values()) == only_trygd.total


def test_sensitivity_facet_with_none_value(catalog, metadata):
    health = variable_search(sensitivity="health")
    assert health.total == sum(1 for v in metadata.variables if v.sensitivity == "health")
    none = variable_search(sensitivity="none")
    assert none.total == sum(1 for v in metadata.variables if not v.sensitivity)
    crime = variable_search(sensitivity="crime", temporality="EVENT", unit_type="PERSON")
    assert crime.total == sum(
        1
        for v in metadata.variables
        if v.sensitivity == "crime" and v.temporality == "EVENT" and v.unit_type == "PERSON"
    )


def test_withdrawn_variables_are_not_found(catalog):
    Variable.objects.filter(name="INNTEKT_WLONN").update(withdrawn_at="2026-01-01T00:00Z")
    assert "INNTEKT_WLONN" not in [v.name for v in variable_search(q="wage").variables]


def test_staff_edits_are_searchable(catalog, catalog_editor):
    from tilgang.catalog.services import variable_texts_update

    variable_texts_update(
        actor=catalog_editor,
        variable=Variable.objects.get(name="INNTEKT_SKATT"),
        texts={"label_en": "Taxes paid zebra"},
    )
    assert [v.name for v in variable_search(q="zebra").variables] == ["INNTEKT_SKATT"]


def test_search_page_with_facets(client, catalog):
    response = client.get(
        reverse("catalog:index"),
        {"q": "income", "temporality": "ACCUMULATED"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "INNTEKT_WLONN" in body
    assert "Accumulated per year" in body
    assert "FDTRYGD_AAP_BELOP" not in body


def test_years_text():
    assert years_text([2000, 2001, 2002, 2005, 2007, 2008]) == "2000–2002, 2005, 2007–2008"
    assert years_text([]) == ""
