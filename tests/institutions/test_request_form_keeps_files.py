"""A refused new-request form keeps the files already chosen (a browser cannot send them again)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.institutions.conftest import upload
from tilgang.institutions.models import ApprovalRequest, RequestStatus, StagedAttachment
from tilgang.institutions.sweeps import staged_attachments_expire

pytestmark = pytest.mark.django_db
FILES = {
    "statutes": "vedtekter.pdf",
    "annual_report": "arsmelding.pdf",
    "company_certificate": "firmaattest.pdf",
    "research_statement_file": "redegjorelse.pdf",
}


def _fields(orgnr: str) -> dict:
    year = timezone.localdate().year
    return {
        "name": "Fjordforsk analyse AS", "country": "NO", "orgnr": orgnr, "foreign_id": "",
        "research_statement": "Uavhengig forskning.", "rd_person_years": "6.5", "staff_count": "11",
        "projects-TOTAL_FORMS": "1", "projects-INITIAL_FORMS": "0", "projects-MIN_NUM_FORMS": "1", "projects-MAX_NUM_FORMS": "30",
        "projects-0-title": "Unge utenfor", "projects-0-year": str(year - 1), "projects-0-funding_source": "Forskningsrådet",
        "projects-0-amount_nok": "2400000", "projects-0-published_where": "Tidsskrift",
    }  # fmt: skip


def _english(user):
    user.language = "en"
    user.save(update_fields=["language"])


def test_R_ELIG_2_files_survive_an_invalid_organisation_number_and_are_sent_with_the_request(
    applicant, client_for
):
    _english(applicant)
    client = client_for(applicant)
    files = {field: upload(name) for field, name in FILES.items()}
    response = client.post("/institusjoner/godkjenning/ny/", {**_fields("123"), **files})
    page = response.content.decode()
    assert response.status_code == 200 and not ApprovalRequest.objects.exists()
    assert "The 4 files you chose are kept: you do not need to attach them again." in page
    for name in FILES.values():
        assert f"Already attached: {name}" in page
    kept = {row.kind: row.pk for row in StagedAttachment.objects.filter(owner=applicant)}
    assert len(kept) == 4
    hidden = {f"kept_{field}": str(kept[kind]) for field, kind in (
        ("statutes", "statutes"), ("annual_report", "annual_report"),
        ("company_certificate", "company_certificate"), ("research_statement_file", "research_statement"),
    )}  # fmt: skip
    for name, value in hidden.items():
        assert f'name="{name}" value="{value}"' in page

    # Corrected, sent again without choosing any file: the kept ones go with the request.
    response = client.post("/institusjoner/godkjenning/ny/", {**_fields("923 456 783"), **hidden})
    request = ApprovalRequest.objects.get()
    assert response.headers["Location"] == f"/institusjoner/godkjenning/{request.pk}/"
    assert request.status == RequestStatus.SUBMITTED
    assert sorted(request.attachments.values_list("original_name", flat=True)) == sorted(FILES.values())
    assert not StagedAttachment.objects.exists()


def test_a_file_kept_for_someone_else_cannot_be_claimed(applicant, make_user, client_for):
    other = make_user(email="annen@example.org", language="en")
    client_for(other).post("/institusjoner/godkjenning/ny/", {**_fields("123"), "statutes": upload("x.pdf")})
    theirs = StagedAttachment.objects.get(owner=other)
    _english(applicant)
    response = client_for(applicant).post(
        "/institusjoner/godkjenning/ny/", {**_fields("923456783"), "kept_statutes": str(theirs.pk)}
    )
    assert response.status_code == 200 and not ApprovalRequest.objects.exists()
    assert "x.pdf" not in response.content.decode()
    assert "This field is required." in response.content.decode()


def test_kept_files_of_a_form_never_sent_are_removed_after_a_day(applicant, client_for):
    client_for(applicant).post(
        "/institusjoner/godkjenning/ny/", {**_fields("123"), "statutes": upload("v.pdf")}
    )
    staged = StagedAttachment.objects.get()
    storage, name = staged.file.storage, staged.file.name
    assert storage.exists(name)
    assert staged_attachments_expire(timezone.now() + timedelta(hours=23)) == 0
    assert staged_attachments_expire(timezone.now() + timedelta(hours=25)) == 1
    assert not StagedAttachment.objects.exists() and not storage.exists(name)
