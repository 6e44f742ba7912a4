"""Attachments to an approval request in the portal (DOMAIN R-ELIG-2): a draft, uploading each required
kind on the request's page, the refusals, removing while a draft, sending, and who may download."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from tests.institutions.conftest import REQUEST_FIELDS, docx_bytes, pdf_bytes, project_rows, upload
from tests.institutions.test_api import api
from tilgang.audit.models import AuditEvent
from tilgang.institutions import services
from tilgang.institutions.models import ApprovalRequest, RequestAttachment, RequestStatus

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
REQUIRED = ("statutes", "annual_report", "company_certificate", "research_statement")


@pytest.fixture
def applicant(make_user):
    # The portal speaks the user's language; these tests read English (one reads bokmål).
    return make_user(email="soker@fjordforsk.example", full_name="Solveig Søker", language="en")


def _stored_files() -> list[Path]:
    folder = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "institutions" / "requests"
    return sorted(path for path in folder.glob("*") if path.is_file()) if folder.exists() else []


def _draft(applicant, *kinds):
    request = services.approval_request_create(
        actor=applicant,
        **{**REQUEST_FIELDS, "rd_person_years": Decimal("6.5")},
        projects=project_rows(timezone.localdate().year),
    )
    for kind in kinds:
        services.approval_request_attach(
            actor=applicant, request=request, kind=kind, upload=upload(f"{kind}.pdf")
        )
    return request


def _page(client, request) -> str:
    return client.get(f"/institusjoner/godkjenning/{request.pk}/", headers=EN).content.decode()


def _attach(client, request, slot, file, kind=None):
    data = {"slot": slot, "kind": kind or slot, "file": file}
    return client.post(f"/institusjoner/godkjenning/{request.pk}/vedlegg/", data, headers=EN)


def _portal_form(year: int) -> dict:
    return {
        "name": "Fjordforsk analyse AS", "country": "NO", "orgnr": "923456783", "foreign_id": "",
        "research_statement": "Uavhengig forskning.", "rd_person_years": "6.5", "staff_count": "11",
        "projects-TOTAL_FORMS": "1", "projects-INITIAL_FORMS": "0", "projects-MIN_NUM_FORMS": "1",
        "projects-MAX_NUM_FORMS": "30", "projects-0-title": "Unge utenfor", "projects-0-year": str(year - 1),
        "projects-0-funding_source": "Forskningsrådet", "projects-0-amount_nok": "2400000",
        "projects-0-published_where": "Tidsskrift",
    }  # fmt: skip


def test_R_ELIG_2_a_request_can_be_saved_as_a_draft_with_the_attachments_at_hand(applicant, client_for):
    client = client_for(applicant)
    data = {**_portal_form(timezone.localdate().year), "statutes": upload("vedtekter.pdf"), "draft": ""}
    response = client.post("/institusjoner/godkjenning/ny/", data, headers=EN)
    request = ApprovalRequest.objects.get()
    assert response.headers["Location"] == f"/institusjoner/godkjenning/{request.pk}/"
    assert request.status == RequestStatus.DRAFT
    assert list(request.attachments.values_list("kind", flat=True)) == ["statutes"]
    # Sending instead of saving still needs all four documents before anything is stored.
    del data["draft"]
    sent = client.post("/institusjoner/godkjenning/ny/", {**data, "send": ""}, headers=EN)
    assert sent.status_code == 200 and ApprovalRequest.objects.count() == 1


def test_R_ELIG_2_page_offers_an_upload_for_each_missing_kind_with_types_and_limit(applicant, client_for):
    request = _draft(applicant, "statutes")
    page = _page(client_for(applicant), request)
    for kind, label in (
        ("annual_report", "Last annual report"),
        ("company_certificate", "Certificate from the Register of Business Enterprises"),
        ("research_statement", "Statement of independent research"),
    ):
        assert f'<label class="ds-label" for="id_{kind}_file">{label}' in page
        # The accepted types and the limit are said before anything is chosen, and tied to the input.
        assert f'id="id_{kind}_file_help"' in page
        assert re.search(rf'<input[^>]*aria-describedby="id_{kind}_file_help"[^>]*id="id_{kind}_file"', page)
    assert 'id="id_statutes_file"' not in page  # already uploaded
    assert "PDF, Word (.docx), Excel (.xlsx) or OpenDocument text (.odt), at most 20.0\xa0MB." in page
    assert 'accept=".pdf,.docx,.xlsx,.odt"' in page
    assert 'id="id_another_kind"' in page  # any further attachment, with its kind chosen


def test_R_ELIG_2_uploaded_attachment_is_listed_with_name_kind_size_and_time(applicant, client_for, jurist):
    request = _draft(applicant)
    client = client_for(applicant)
    data = pdf_bytes("Årsmelding 2025")
    response = _attach(client, request, "annual_report", upload("arsmelding-2025.pdf", data))
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")
    attachment = RequestAttachment.objects.get(request=request)
    assert (attachment.kind, attachment.original_name, attachment.size) == (
        "annual_report",
        "arsmelding-2025.pdf",
        len(data),
    )
    page = _page(client, request)
    row = re.search(r'<table class="ds-table" id="attachment-list">.*?</table>', page, re.S).group(0)
    assert "Last annual report" in row and "arsmelding-2025.pdf" in row
    assert filesizeformat(len(data)) in row
    assert timezone.localtime(attachment.uploaded_at).strftime("%m/%d/%Y") in row
    assert AuditEvent.objects.filter(action="institutions.approval_request.attached").count() == 1
    # Another attachment with its kind chosen: the other forms stay as they were.
    _attach(client, request, "another", upload("publikasjoner.docx", docx_bytes()), kind="other")
    assert set(request.attachments.values_list("kind", flat=True)) == {"annual_report", "other"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "vedtekter.pdf",
            b"just some text pretending to be a PDF",
            "The file is not a PDF, Word, Excel or OpenDocument text file.",
        ),
        (
            "vedtekter.pdf",
            docx_bytes(),
            "The file vedtekter.pdf is a DOCX file but is named .pdf. Give it the right extension.",
        ),
        ("vedtekter.exe", b"MZ\x90\x00" * 10, "Programs and scripts cannot be uploaded."),
        ("vedtekter.pdf", b"", "The file vedtekter.pdf is empty."),
        (
            "vedtekter.pdf",
            pdf_bytes() + b"\0" * (20 * 1024 * 1024),
            "The file vedtekter.pdf is larger than 20.0\xa0MB.",
        ),
    ],
    ids=["wrong-type", "wrong-extension", "executable", "empty", "too-large"],
)
def test_R_ELIG_2_refused_upload_says_why_by_its_input_and_stores_nothing(
    applicant, client_for, name, data, message
):
    request = _draft(applicant)
    response = _attach(client_for(applicant), request, "statutes", upload(name, data))
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f'<p class="ds-validation-message" data-color="danger" id="id_statutes_file_error">{message}' in page
    )
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_statutes_file"', page)
    assert not request.attachments.exists() and _stored_files() == []
    assert not AuditEvent.objects.filter(action="institutions.approval_request.attached").exists()


def test_refused_upload_is_told_in_norwegian(make_user, client_for):
    norwegian = make_user(email="nora@fjordforsk.example", language="nb")
    request = _draft(norwegian)
    response = client_for(norwegian).post(
        f"/institusjoner/godkjenning/{request.pk}/vedlegg/",
        {"slot": "statutes", "kind": "statutes", "file": upload("vedtekter.pdf", b"")},
        headers={"Accept-Language": "nb"},
    )
    assert "Filen vedtekter.pdf er tom." in response.content.decode()


def test_upload_without_a_file_asks_for_one(applicant, client_for):
    request = _draft(applicant)
    response = client_for(applicant).post(
        f"/institusjoner/godkjenning/{request.pk}/vedlegg/",
        {"slot": "statutes", "kind": "statutes"},
        headers=EN,
    )
    assert "Choose the file to upload." in response.content.decode()
    assert not request.attachments.exists()


def test_R_ELIG_2_a_half_written_upload_never_becomes_an_attachment(applicant, client_for, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    request = _draft(applicant)
    real_save = FileSystemStorage._save

    def disk_full(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read()[:100])  # a part of the file reaches the disk, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full)
    client = client_for(applicant)
    response = _attach(client, request, "statutes", upload("vedtekter.pdf"))
    assert (
        "The file vedtekter.pdf could not be stored, so nothing was saved. Try again."
        in response.content.decode()
    )
    assert not request.attachments.exists() and _stored_files() == []
    assert "vedtekter.pdf" not in _page(client, request)

    # A failure after the file is written (here: the audit event) takes the file away too.
    monkeypatch.setattr(FileSystemStorage, "_save", real_save)

    def audit_fails(**kwargs):
        raise RuntimeError("audit chain unavailable")

    monkeypatch.setattr(services, "audit_record", audit_fails)
    with pytest.raises(RuntimeError):
        services.approval_request_attach(
            actor=applicant, request=request, kind="statutes", upload=upload("v.pdf")
        )
    assert not request.attachments.exists() and _stored_files() == []


def test_R_ELIG_2_a_request_sent_in_one_step_that_fails_leaves_no_files(applicant):
    with pytest.raises(services.InstitutionError, match="List the research projects"):
        services.approval_request_send(
            actor=applicant,
            **{**REQUEST_FIELDS, "rd_person_years": Decimal("6.5")},
            projects=[],
            attachments={kind: upload(f"{kind}.pdf") for kind in REQUIRED},
        )
    assert not ApprovalRequest.objects.exists() and _stored_files() == []


def test_R_ELIG_2_an_attachment_can_be_removed_while_the_request_is_a_draft(
    applicant, client_for, make_user, django_capture_on_commit_callbacks
):
    request = _draft(applicant, *REQUIRED)
    statutes = request.attachments.get(kind="statutes")
    stored = Path(statutes.file.path)
    assert stored.exists()
    stranger = client_for(make_user())
    assert (
        stranger.post(f"/institusjoner/godkjenning/{request.pk}/vedlegg/{statutes.pk}/fjern/").status_code
        == 404
    )
    client = client_for(applicant)
    assert "Remove" in _page(client, request)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/institusjoner/godkjenning/{request.pk}/vedlegg/{statutes.pk}/fjern/", headers=EN, follow=True
        )
    page = response.content.decode()
    assert "statutes.pdf is removed." in page
    assert not request.attachments.filter(kind="statutes").exists() and not stored.exists()
    assert 'id="id_statutes_file"' in page  # it can be uploaded again
    event = AuditEvent.objects.get(action="institutions.approval_request.detached")
    assert event.payload["kind"] == "statutes"


def test_R_ELIG_2_once_sent_attachments_are_no_longer_removed(applicant, client_for, jurist):
    request = _draft(applicant, *REQUIRED)
    services.approval_request_submit(actor=applicant, request=request)
    services.approval_request_ask_more(actor=jurist, request=request, message="Legg ved publikasjonslisten.")
    statutes = request.attachments.get(kind="statutes")
    client = client_for(applicant)
    page = _page(client, request)
    assert "/fjern/" not in page  # no remove buttons, but uploads are offered
    assert 'id="id_another_file"' in page
    response = client.post(
        f"/institusjoner/godkjenning/{request.pk}/vedlegg/{statutes.pk}/fjern/", headers=EN, follow=True
    )
    assert "Attachments can only be removed while the request is a draft." in response.content.decode()
    assert request.attachments.filter(pk=statutes.pk).exists() and Path(statutes.file.path).exists()


def test_R_ELIG_2_sending_is_refused_while_a_required_attachment_is_missing(
    applicant, client_for, admin, mailoutbox, django_capture_on_commit_callbacks
):
    request = _draft(applicant, "statutes", "annual_report")
    client = client_for(applicant)
    response = client.post(f"/institusjoner/godkjenning/{request.pk}/send/", headers=EN, follow=True)
    page = response.content.decode()
    assert (
        "The request is not sent. These attachments are missing: Certificate from the Register of Business "
        "Enterprises; Statement of independent research with the last three years&#x27; projects." in page
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.DRAFT and mailoutbox == []
    _attach(client, request, "company_certificate", upload("firmaattest.pdf"))
    _attach(client, request, "research_statement", upload("redegjorelse.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/institusjoner/godkjenning/{request.pk}/send/", headers=EN, follow=True)
    assert "The request is sent." in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED and [m.to for m in mailoutbox] == [[admin.email]]
    page = _page(client, request)
    assert 'id="request-submit"' not in page and 'id="id_another_file"' not in page  # no longer editable


def test_only_the_applicant_uploads_and_sends(applicant, client_for, jurist):
    request = _draft(applicant, *REQUIRED)
    staff = client_for(jurist)
    assert 'id="id_another_file"' not in _page(staff, request)
    assert _attach(staff, request, "another", upload("x.pdf"), kind="other").status_code == 404
    assert staff.post(f"/institusjoner/godkjenning/{request.pk}/send/").status_code == 404
    assert request.attachments.count() == 4
    assert ApprovalRequest.objects.get(pk=request.pk).status == RequestStatus.DRAFT


def test_R_ELIG_2_assessors_and_the_applicant_download_attachments_as_the_api_allows(
    applicant, client_for, jurist, admin, make_user
):
    request = _draft(applicant, *REQUIRED)
    services.approval_request_submit(actor=applicant, request=request)
    attachment = request.attachments.get(kind="statutes")
    expected = Path(attachment.file.path).read_bytes()
    for user in (applicant, jurist, admin):
        page = _page(client_for(user), request)
        assert f'href="/institusjoner/godkjenning/vedlegg/{attachment.pk}/"' in page
        response = client_for(user).get(f"/institusjoner/godkjenning/vedlegg/{attachment.pk}/")
        assert response.status_code == 200 and b"".join(response.streaming_content) == expected
        assert response["Content-Type"] == "application/pdf"
        assert 'attachment; filename="statutes.pdf"' in response["Content-Disposition"]
        through_api = api(user).get(
            f"/api/v1/institutions/approval-requests/{request.pk}/attachments/{attachment.pk}"
        )
        assert through_api.status_code == 200 and b"".join(through_api.streaming_content) == expected
    # A case officer is staff but does not handle these requests; neither does another applicant.
    for user in (make_user("case_officer"), make_user()):
        assert client_for(user).get(f"/institusjoner/godkjenning/vedlegg/{attachment.pk}/").status_code == 404
        assert (
            api(user)
            .get(f"/api/v1/institutions/approval-requests/{request.pk}/attachments/{attachment.pk}")
            .status_code
            == 404
        )


def test_removing_through_the_api_follows_the_same_rules(applicant, make_user):
    request = _draft(applicant, "statutes", "other")
    other = request.attachments.get(kind="other")
    url = f"/api/v1/institutions/approval-requests/{request.pk}/attachments/{other.pk}/remove"
    assert api(make_user()).post(url).status_code == 404
    assert api(applicant).post(url).status_code == 204
    assert list(request.attachments.values_list("kind", flat=True)) == ["statutes"]
    again = api(applicant).post(url)
    assert again.status_code == 400 and "not on this request" in again.json()["detail"]
    listed = api(applicant).get(f"/api/v1/institutions/approval-requests/{request.pk}").json()
    assert listed["attachments"][0]["uploaded_at"]


def test_R_ELIG_2_figures_and_projects_can_be_changed_when_more_is_asked_for(
    applicant, client_for, jurist, mailoutbox, django_capture_on_commit_callbacks
):
    request = _draft(applicant, *REQUIRED)
    services.approval_request_submit(actor=applicant, request=request)
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_request_ask_more(actor=jurist, request=request, message="Ta med 2025-prosjektene.")
    assert f"/institusjoner/godkjenning/{request.pk}/\n" in mailoutbox[-1].body  # the request's page
    client = client_for(applicant)
    form = client.get(f"/institusjoner/godkjenning/{request.pk}/utfyll/", headers=EN).content.decode()
    assert 'value="Unge utenfor"' in form  # the projects so far, to change or add to
    year = timezone.localdate().year
    response = client.post(
        f"/institusjoner/godkjenning/{request.pk}/utfyll/",
        {"research_statement": "Uavhengig forskning.", "rd_person_years": "7.0", "staff_count": "12",
         "projects-TOTAL_FORMS": "2", "projects-INITIAL_FORMS": "1", "projects-MIN_NUM_FORMS": "1",
         "projects-MAX_NUM_FORMS": "30",
         "projects-0-title": "Unge utenfor", "projects-0-year": str(year - 1), "projects-0-funding_source": "Forskningsrådet",
         "projects-0-amount_nok": "2400000", "projects-0-published_where": "Tidsskrift",
         "projects-1-title": "Eldre i arbeid", "projects-1-year": str(year), "projects-1-funding_source": "NAV",
         "projects-1-amount_nok": "900000", "projects-1-published_where": "Rapport", "submit": ""},
        headers=EN,
    )  # fmt: skip
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED and request.staff_count == 12
    assert sorted(request.projects.values_list("title", flat=True)) == ["Eldre i arbeid", "Unge utenfor"]
