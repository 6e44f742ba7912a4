"""Institutions through the API: read by everyone signed in, written by staff, requests by applicants."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from tests.institutions.conftest import pdf_bytes, project_rows, read
from tilgang.accounts.services import api_token_create
from tilgang.institutions.models import Approval, ApprovalRequest, Institution

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    _token, raw = api_token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})


def test_list_import_through_the_api_preview_then_apply(admin):
    client = api(admin)
    response = client.post(
        "/api/v1/institutions/lists/preview",
        {"source": "nfr", "list_date": "2025-01-06", "file": _file("nfr_2025.xlsx")},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"]["add"] == 6 and len(body["entries"]) == 6 and body["errors"] == []
    assert not Approval.objects.exists()
    applied = client.post(f"/api/v1/institutions/lists/{body['id']}/apply")
    assert applied.status_code == 200 and applied.json()["status"] == "applied"
    assert Approval.objects.count() == 6
    again = client.post(f"/api/v1/institutions/lists/{body['id']}/apply")
    assert again.status_code == 400 and "already been applied" in again.json()["detail"]


def test_wrong_layout_through_the_api_lists_expected_and_found_columns(admin):
    response = api(admin).post(
        "/api/v1/institutions/lists/preview",
        {"source": "nfr", "list_date": "2025-01-06", "file": _file("nfr_wrong_layout.xlsx")},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["expected_columns"][:2] == ["Organisasjonsnummer", "Navn"]
    assert body["found_columns"] == ["Org", "Institusjon", "Fylke"]


def _file(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, read(name))


def test_institution_detail_shows_approvals_and_eligibility(approved, make_user):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    client = api(make_user())
    detail = client.get(f"/api/v1/institutions/{uio.pk}").json()
    assert detail["approvals"][0]["source"] == "nfr" and detail["kind"] == "research_nfr"
    result = client.get(f"/api/v1/institutions/{uio.pk}/eligibility").json()
    assert result["may_apply"] and result["findings"][0]["rule"] == "R-ELIG-1"
    refused = client.get(f"/api/v1/institutions/{uio.pk}/eligibility?purpose_statistical=false").json()
    assert not refused["may_apply"] and refused["findings"][0]["rule"] == "R-ELIG-6"


def test_approval_request_through_the_api(applicant, jurist):
    applicant.language = "en"  # API messages follow the user's language; this test reads English
    applicant.save(update_fields=["language"])
    client = api(applicant)
    year = timezone.localdate().year
    created = client.post(
        "/api/v1/institutions/approval-requests/create",
        {"name": "Fjordforsk analyse AS", "orgnr": "923456783", "research_statement": "Forskning.",
         "rd_person_years": "6.5", "staff_count": 11, "projects": project_rows(year)},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert set(created.json()["missing_attachments"]) == {
        "statutes",
        "annual_report",
        "company_certificate",
        "research_statement",
    }
    early = client.post(f"/api/v1/institutions/approval-requests/{request_id}/submit")
    assert early.status_code == 400 and "missing" in early.json()["detail"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = client.post(
        f"/api/v1/institutions/approval-requests/{request_id}/attachments/add",
        {"kind": "statutes", "file": SimpleUploadedFile("v.pdf", b"MZ\x90\x00program")},
    )
    assert refused.status_code == 400 and "Programs" in refused.json()["detail"]
    for kind in ("statutes", "annual_report", "company_certificate", "research_statement"):
        added = client.post(
            f"/api/v1/institutions/approval-requests/{request_id}/attachments/add",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(kind))},
        )
        assert added.status_code == 201, added.content
    assert (
        client.post(f"/api/v1/institutions/approval-requests/{request_id}/submit").json()["status"]
        == "submitted"
    )
    # The applicant cannot decide; the legal reviewer can.
    assert client.post(
        f"/api/v1/institutions/approval-requests/{request_id}/approve",
        {"valid_from": "2026-01-01", "valid_to": "2030-12-31"}, content_type="application/json",
    ).status_code == 403  # fmt: skip
    staff = api(jurist)
    from tilgang.institutions.services import CHECKLIST

    staff.post(
        f"/api/v1/institutions/approval-requests/{request_id}/checklist",
        {"ticked": [code for code, _t in CHECKLIST]}, content_type="application/json",
    )  # fmt: skip
    approved = staff.post(
        f"/api/v1/institutions/approval-requests/{request_id}/approve",
        {"valid_from": "2026-01-01", "valid_to": "2030-12-31"}, content_type="application/json",
    )  # fmt: skip
    assert (
        approved.status_code == 200
        and approved.json()["status"] == "approved"
        and approved.json()["has_letter"]
    )
    assert Institution.objects.get(orgnr="923456783").kind == "research_office"


def test_others_cannot_see_a_request(applicant, make_user):
    from tilgang.institutions import services

    request = services.approval_request_create(
        actor=applicant, name="Fjordforsk analyse AS", orgnr="923456783", research_statement="x",
        rd_person_years=1, staff_count=2, projects=[],
    )  # fmt: skip
    assert api(make_user()).get(f"/api/v1/institutions/approval-requests/{request.pk}").status_code == 404
    assert api(make_user()).get("/api/v1/institutions/approval-requests").json() == []
    assert ApprovalRequest.objects.count() == 1


def test_affiliations_and_funded_projects(make_user, approved, jurist):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    researcher = make_user()
    client = api(researcher)
    created = client.post(
        "/api/v1/institutions/affiliations/create",
        {"institution_id": uio.pk, "position": "Professor", "has_research_qualifications": True},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["has_research_qualifications"]
    other = make_user()
    refused = client.post(
        "/api/v1/institutions/affiliations/create",
        {"institution_id": uio.pk, "position": "x", "user_id": other.pk}, content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400 and "own affiliation" in refused.json()["detail"]
    project = client.post(
        "/api/v1/institutions/funded-projects/create",
        {"title": "Arbeid og helse", "funding_kind": "nfr", "funder_name": "Forskningsrådet", "reference": "NFR 1",
         "valid_from": "2025-01-01", "valid_to": "2027-12-31"},
        content_type="application/json",
    )  # fmt: skip
    assert project.status_code == 201 and not project.json()["verified"]
    verified = api(jurist).post(f"/api/v1/institutions/funded-projects/{project.json()['id']}/verify")
    assert verified.status_code == 200 and verified.json()["verified"]


def test_public_bodies_sync_through_the_api(admin):
    dry = api(admin).post("/api/v1/institutions/public-bodies/sync?dry_run=true").json()
    assert len(dry["added"]) > 300 and not Institution.objects.exists()
