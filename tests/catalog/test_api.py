"""The catalog through the API: public reads and selections, staff edits with audit events."""

from __future__ import annotations

import pytest

from tilgang.accounts.services import api_token_create
from tilgang.audit.models import AuditEvent
from tilgang.catalog.models import Variable

BASE = "/api/v1/catalog"


@pytest.fixture
def token_for(make_user):
    def make(*roles):
        _token, raw = api_token_create(user=make_user(*roles, language="en"), name="test")
        return {"Authorization": f"Bearer {raw}"}

    return make


def test_areas_and_variables_are_public(client, catalog, metadata):
    areas = client.get(f"{BASE}/areas").json()
    assert {a["code"] for a in areas} == {a.code for a in metadata.areas}
    page = client.get(f"{BASE}/variables", {"area": "INNT", "limit": 2}).json()
    assert page["total"] == sum(1 for v in metadata.variables if v.area == "INNT")
    assert len(page["items"]) == 2
    found = client.get(f"{BASE}/variables", {"q": "lønnsinntekt"}).json()
    assert "INNTEKT_WLONN" in [item["name"] for item in found["items"]]


def test_one_variable_with_coverage(client, catalog, metadata):
    data = client.get(f"{BASE}/variables/INNTEKT_WLONN").json()
    source = metadata.variable("INNTEKT_WLONN")
    assert data["years"] == sorted(source.years)
    assert data["coverage"][0]["publication_date"] == source.publication_dates[str(min(source.years))]
    assert data["deliverable"] is True and data["source_kind"] == "administrative"
    assert client.get(f"{BASE}/variables/NOPE").status_code == 404


def test_health_register_variable_is_not_deliverable(client, catalog, metadata):
    name = next(v.name for v in metadata.variables if v.register == "NPR")
    assert client.get(f"{BASE}/variables/{name}").json()["deliverable"] is False


def test_code_list(client, catalog, metadata):
    data = client.get(f"{BASE}/codelists/sex").json()
    assert [c["code"] for c in data["codes"]] == [c.code for c in metadata.codelists["sex"].codes]
    assert client.get(f"{BASE}/codelists/nope").status_code == 404


def test_selection_from_script_and_upload(client, catalog):
    ok = client.post(
        f"{BASE}/selections/from-script",
        {"text": "require no.ssb.fdb:1 as db\nimport db/INNTEKT_WLONN 2020-12-31 as w\n"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["variables"][0]["name"] == "INNTEKT_WLONN"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        f"{BASE}/selections/from-upload",
        {"file": SimpleUploadedFile("l.csv", b"Select (x);Variable\nx;NOPE\n")},
        headers={"Accept-Language": "en"},
    )
    assert bad.status_code == 422
    assert bad.json()["problems"] == [{"line": 2, "message": "Row 2: NOPE is not a variable in the catalog."}]


def test_staff_edit_texts_and_dates_through_the_api(client, catalog, token_for):
    headers = token_for("case_officer")
    response = client.post(
        f"{BASE}/variables/INNTEKT_WLONN/texts/update",
        {"definition_en": "Edited through the API."},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["definition_en"] == "Edited through the API."
    year = Variable.objects.get(name="INNTEKT_WLONN").year_list()[0]
    response = client.post(
        f"{BASE}/variables/INNTEKT_WLONN/publication-dates/set",
        {"dates": {str(year): "2040-01-01"}},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["coverage"][0]["publication_date"] == "2040-01-01"
    assert response.json()["coverage"][0]["embargoed"] is True
    assert AuditEvent.objects.filter(action__startswith="catalog.variable.").count() == 2


def test_unknown_year_is_refused_and_nothing_changes(client, catalog, token_for):
    response = client.post(
        f"{BASE}/variables/INNTEKT_WLONN/publication-dates/set",
        {"dates": {"1850": "2040-01-01"}},
        content_type="application/json",
        headers=token_for("administrator"),
    )
    assert response.status_code == 400 and "1850" in response.json()["detail"]
    assert not AuditEvent.objects.filter(action__startswith="catalog.variable.").exists()


@pytest.mark.parametrize("roles", [(), ("applicant",), ("legal_reviewer",), ("information_service",)])
def test_others_cannot_edit_through_the_api(client, catalog, token_for, roles):
    response = client.post(
        f"{BASE}/variables/INNTEKT_WLONN/texts/update",
        {"label_en": "x"},
        content_type="application/json",
        headers=token_for(*roles),
    )
    assert response.status_code == 403
    anonymous = client.post(
        f"{BASE}/variables/INNTEKT_WLONN/texts/update", {"label_en": "x"}, content_type="application/json"
    )
    assert anonymous.status_code == 401
    assert not Variable.objects.get(name="INNTEKT_WLONN").is_edited
