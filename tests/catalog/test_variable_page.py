"""The variable page: definition, code list with validity, years, embargo, sensitivity, source kind."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

import time_machine
from django.urls import reverse

from tests.catalog.conftest import first_variable
from tilgang.catalog.models import Code

EN = {"Accept-Language": "en"}


def _page(client, name):
    response = client.get(reverse("catalog:variable", args=[name]), headers=EN)
    assert response.status_code == 200
    return response.content.decode()


def test_variable_page_shows_definition_code_list_and_years(client, catalog, metadata):
    source = metadata.variable("BEFOLKNING_FODELAND")
    body = _page(client, "BEFOLKNING_FODELAND")
    assert escape(source.label_en) in body and escape(source.definition_en) in body
    codes = metadata.codelists[source.codelist].codes
    assert escape(codes[0].label_en) in body
    assert "Always" in body  # validity of codes without dates
    assert f"{min(source.years)}–{max(source.years)}" in body
    assert "Fixed" in body and "Person" in body


def test_code_validity_is_shown(client, catalog):
    code = Code.objects.filter(codelist__name="municipalities").first()
    code.valid_from, code.valid_to = date(2020, 1, 1), date(2023, 12, 31)
    code.save()
    response = client.get(reverse("catalog:codelist", args=["municipalities"]), headers=EN)
    assert response.status_code == 200
    assert "to" in response.content.decode() and "2023" in response.content.decode()


def test_R_DATA_2_unpublished_year_is_marked_with_its_publication_date(client, catalog, metadata):
    source = metadata.variable("INNTEKT_WLONN")
    last = max(source.years)
    published = date.fromisoformat(source.publication_dates[str(last)])
    with time_machine.travel(published - timedelta(days=10)):
        body = _page(client, "INNTEKT_WLONN")
        assert "Embargo until" in body
        assert published.strftime("%Y") in body
    with time_machine.travel(published + timedelta(days=1)):
        assert "Embargo until" not in _page(client, "INNTEKT_WLONN")


def test_R_DATA_1_health_register_variable_is_shown_but_never_deliverable(client, catalog, metadata):
    register = next(r.code for r in metadata.registers if r.source_kind == "health_register")
    name = first_variable(metadata, register=register)
    body = _page(client, name)
    assert "Never delivered" in body and "helsedata.no" in body


def test_R_DATA_5_survey_variable_is_marked(client, catalog, metadata):
    register = next(r.code for r in metadata.registers if r.source_kind == "survey")
    body = _page(client, first_variable(metadata, register=register))
    assert "office's own survey" in body


def test_R_DATA_3_sensitivity_and_especially_identifying_are_shown(client, catalog, metadata):
    body = _page(client, first_variable(metadata, sensitivity="crime"))
    assert "Crime" in body
    body = _page(client, first_variable(metadata, identifying="exact_date"))
    assert "Exact date" in body and "must justify" in body


def test_price_group_fdtrygd_table_and_area(client, catalog, metadata):
    name = next(v.name for v in metadata.variables if v.price_group.startswith("FDTRYGD:"))
    table = metadata.variable(name).price_group.split(":", 1)[1]
    assert f"FD-Trygd table {table}" in _page(client, name)
    assert "fixed price per statistics area" in _page(client, "INNTEKT_WLONN")


def test_unknown_variable_is_404(client, catalog):
    assert client.get(reverse("catalog:variable", args=["NO_SUCH_VARIABLE"])).status_code == 404


def test_catalog_is_public_and_in_the_menu(client, catalog):
    response = client.get(reverse("core:home"), headers=EN)
    assert reverse("catalog:index") in response.content.decode()
    assert "Variable catalog" in response.content.decode()


def test_bokmaal_readers_get_the_bokmaal_texts(client, catalog, metadata):
    source = metadata.variable("INNTEKT_WLONN")
    response = client.get(
        reverse("catalog:variable", args=["INNTEKT_WLONN"]), headers={"Accept-Language": "nb"}
    )
    body = response.content.decode()
    assert escape(source.label_nb) in body and escape(source.definition_nb) in body
    assert escape(source.definition_en) not in body
