"""The API drives the same journeys as the portal, with the same permission table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.applications.conftest import CONTENT, PDF
from tilgang.accounts.services import api_token_create


@pytest.fixture
def api(db):
    def for_user(user) -> Client:
        _token, raw = api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})

    return for_user


def _json(data):
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in data.items()}


def _draft(api, people, institution):
    client = api(people["applicant"])
    response = client.post(
        "/api/v1/applications/create", {"title": "Income mobility"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    app_id = response.json()["id"]
    base = f"/api/v1/applications/{app_id}"
    assert client.post(f"{base}/update", _json(CONTENT), content_type="application/json").status_code == 200
    response = client.post(
        f"{base}/variables/set", {"names": ["BEFOLKNING_KJOENN"]}, content_type="application/json"
    )
    assert response.status_code == 200
    for kind in ("project_description", "permit_dpo"):
        response = client.post(
            f"{base}/attachments/add", {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", PDF)}
        )
        assert response.status_code == 201, response.content
    for person, role in ((people["member"], "project_member"), (people["signatory"], "signatory")):
        response = client.post(
            f"{base}/members/add", {"full_name": person.full_name, "email": person.email, "role": role},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 200, response.content
    return client, base


def command(client, base, name, **data):
    return client.post(f"{base}/commands/{name}", _json(data), content_type="application/json")


def test_api_journey_to_a_decision(api, people, catalog, institution):
    client, base = _draft(api, people, institution)
    assert [f for f in client.get(f"{base}/precheck").json() if f["blocking"]] == []
    response = command(client, base, "submit")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert command(client, base, "submit").status_code == 400  # double submit
    legal, head, officer = api(people["legal"]), api(people["head"]), api(people["officer"])
    assert command(legal, base, "take_legal_review").json()["state"] == "legal_review"
    assert command(legal, base, "pass_legal_review").json()["state"] == "legal_approved"
    response = command(head, base, "assign", case_officer_id=people["officer"].pk)
    assert response.json()["case_officer_id"] == people["officer"].pk
    deadline = CONTENT["period_end"] + timedelta(days=60)
    response = command(officer, base, "grant_access", deletion_deadline=deadline)
    body = response.json()
    assert body["state"] == "access_granted" and body["decisions"][0]["kind"] == "access"
    assert len(body["decisions"][0]["conditions"]) == 8


def test_api_refusal_and_appeal(api, people, catalog, institution):
    client, base = _draft(api, people, institution)
    command(client, base, "submit")
    legal = api(people["legal"])
    command(legal, base, "take_legal_review")
    response = command(legal, base, "refuse")
    assert response.status_code == 400 and "reasons" in response.json()["detail"]
    assert command(legal, base, "refuse", reasons="No legal basis under art. 6.").json()["state"] == "refused"
    assert command(client, base, "appeal", grounds="We have consent.").json()["state"] == "appealed"
    assert command(legal, base, "uphold", reasons="The Ministry upheld it.").json()["state"] == "upheld"


def test_api_refuses_wrong_roles_with_the_reason(api, people, catalog, institution):
    client, base = _draft(api, people, institution)
    response = command(api(people["member"]), base, "submit")
    assert response.status_code == 400 and "Only the applicant" in response.json()["detail"]
    command(client, base, "submit")
    response = command(api(people["officer"]), base, "take_legal_review")
    assert response.status_code == 400 and "legal reviewer" in response.json()["detail"]


def test_api_hides_other_peoples_applications(api, people, catalog, institution):
    _client, base = _draft(api, people, institution)
    assert api(people["outsider"]).get(base).status_code == 404
    assert command(api(people["outsider"]), base, "withdraw").status_code == 404
    # Staff do not see drafts.
    assert api(people["legal"]).get(base).status_code == 404


def test_api_lifecycle_and_register_are_public(client, db):
    table = client.get("/api/v1/applications/lifecycle").json()
    assert {"state": "draft", "command": "submit", "roles": ["applicant"], "next_state": "submitted"} in table
    assert client.get("/api/v1/applications/register").json() == []


def test_api_bad_content_is_refused(api, people, catalog, institution):
    client, base = _draft(api, people, institution)
    response = client.post(f"{base}/update", {"period_end": "2026-01-01"}, content_type="application/json")
    assert response.status_code == 400 and "ends before it starts" in response.json()["detail"]
    response = client.post(f"{base}/variables/set", {"names": ["NOPE"]}, content_type="application/json")
    assert response.status_code == 400 and "NOPE" in response.json()["detail"]
    response = client.post(
        f"{base}/attachments/add", {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"MZ..")}
    )
    assert response.status_code == 400 and "Programs" in response.json()["detail"]


def test_openapi_documents_the_permission_table(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/applications/{application_id}/commands/{command}"]["post"]
    assert "| draft | submit | applicant | submitted |" in operation["description"]
