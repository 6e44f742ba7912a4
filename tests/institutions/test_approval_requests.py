"""Approval by the office (DOMAIN R-ELIG-2): request, attachments, checklist, more, approve, refuse, letter."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.institutions.conftest import REQUEST_FIELDS, docx_bytes, project_rows, upload
from tilgang.audit.models import AuditEvent
from tilgang.institutions import services
from tilgang.institutions.eligibility import eligibility
from tilgang.institutions.models import ApprovalRequest, InstitutionKind, RequestStatus

pytestmark = pytest.mark.django_db
ATTACHMENTS = {
    "statutes": "vedtekter.pdf",
    "annual_report": "arsmelding.pdf",
    "company_certificate": "firmaattest.pdf",
    "research_statement": "redegjorelse.pdf",
}


def _draft(applicant, **overrides):
    fields = {
        **REQUEST_FIELDS,
        "rd_person_years": Decimal("6.5"),
        "projects": project_rows(timezone.localdate().year),
    }
    fields.update(overrides)
    return services.approval_request_create(actor=applicant, **fields)


def _submitted(applicant):
    request = _draft(applicant)
    for kind, name in ATTACHMENTS.items():
        services.approval_request_attach(actor=applicant, request=request, kind=kind, upload=upload(name))
    return services.approval_request_submit(actor=applicant, request=request)


def _pdf_text(field) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (apt-get install poppler-utils)"
    with field.open("rb") as handle:
        result = subprocess.run(["pdftotext", "-", "-"], input=handle.read(), capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


def test_R_ELIG_2_request_with_missing_attachments_cannot_be_submitted(applicant):
    request = _draft(applicant)
    services.approval_request_attach(
        actor=applicant, request=request, kind="statutes", upload=upload("vedtekter.pdf")
    )
    with pytest.raises(services.InstitutionError) as caught:
        services.approval_request_submit(actor=applicant, request=request)
    message = str(caught.value)
    assert "Last annual report" in message and "Register of Business Enterprises" in message
    assert "Statutes" not in message
    assert ApprovalRequest.objects.get(pk=request.pk).status == RequestStatus.DRAFT


def test_R_ELIG_2_submitted_request_notifies_assessors(
    applicant, admin, jurist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _submitted(applicant)
    assert request.status == RequestStatus.SUBMITTED
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@example.org", "jurist@example.org"]
    assert f"/institusjoner/godkjenning/{request.pk}/" in mailoutbox[0].body
    assert "Fjordforsk analyse AS" in mailoutbox[0].subject


def test_R_ELIG_2_full_flow_ask_more_complete_approve_letter(
    applicant, jurist, mailoutbox, django_capture_on_commit_callbacks
):
    request = _submitted(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_request_ask_more(
            actor=jurist, request=request, message="Legg ved publikasjonslisten."
        )
    mail = mailoutbox[-1]
    assert mail.to == [applicant.email] and "Legg ved publikasjonslisten." in mail.body
    assert "mer" in mail.subject.lower() or "more" in mail.subject.lower()
    request.refresh_from_db()
    services.approval_request_attach(
        actor=applicant, request=request, kind="other", upload=upload("publikasjoner.docx", docx_bytes())
    )
    services.approval_request_submit(actor=applicant, request=request)

    with pytest.raises(services.InstitutionError, match="Tick every point"):
        services.approval_request_approve(
            actor=jurist, request=request, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31)
        )
    services.approval_request_checklist(
        actor=jurist, request=request, ticked=[c for c, _t in services.CHECKLIST]
    )
    with django_capture_on_commit_callbacks(execute=True):
        approval = services.approval_request_approve(
            actor=jurist, request=request, valid_from=date(2026, 1, 1), valid_to=date(2030, 12, 31)
        )
    request.refresh_from_db()
    institution = request.institution
    assert request.status == RequestStatus.APPROVED and institution.kind == InstitutionKind.RESEARCH_OFFICE
    assert (approval.source, approval.request_id) == ("office", request.pk)
    assert eligibility(institution=institution, on=date(2026, 6, 1), purpose_statistical=True).may_apply
    # The letter is rendered in the applicant's language (bokmål: Norwegian dates; the sentences follow
    # once the catalogue has them).
    assert request.letter_language == "nb"
    text = _pdf_text(request.letter)
    assert "Fjordforsk analyse AS" in text and "923456783" in text
    assert "1. januar 2026" in text and "31. desember 2030" in text
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "institutions.approval_request.created", "institutions.approval_request.attached",
        "institutions.approval_request.submitted", "institutions.approval_request.more_info_requested",
        "institutions.approval_request.assessed", "institutions.approval_request.approved",
        "institutions.approval.created",
    } <= actions  # fmt: skip
    assert f"/institusjoner/godkjenning/{request.pk}/" in mailoutbox[-1].body


def test_R_ELIG_2_refusal_letter_in_english_carries_the_reasons(make_user, jurist):
    english = make_user(email="post@nordlysdata.example", full_name="Nora Nordlys", language="en")
    request = _submitted(english)
    services.approval_request_checklist(actor=jurist, request=request, ticked=["statutes"])
    with pytest.raises(services.InstitutionError, match="reasons"):
        services.approval_request_refuse(actor=jurist, request=request, reasons="  ")
    services.approval_request_refuse(
        actor=jurist, request=request, reasons="No independent research is documented."
    )
    request.refresh_from_db()
    text = _pdf_text(request.letter)
    assert "Decision: approval as a research institution is refused" in text
    assert "No independent research is documented." in text
    assert "Ministry of Finance" in text and "(not met)" in text
    assert request.institution.kind == InstitutionKind.OTHER
    assert not eligibility(
        institution=request.institution, on=timezone.localdate(), purpose_statistical=True
    ).may_apply


def test_only_assessors_decide_and_only_the_applicant_changes(applicant, make_user):
    request = _submitted(applicant)
    officer = make_user("case_officer")
    with pytest.raises(services.InstitutionError, match="administrator or a legal reviewer"):
        services.approval_request_ask_more(actor=officer, request=request, message="x")
    stranger = make_user()
    with pytest.raises(services.InstitutionError, match="Only the person"):
        services.approval_request_attach(
            actor=stranger, request=request, kind="other", upload=upload("x.pdf")
        )


def test_an_already_approved_institution_or_an_open_request_is_refused(applicant, approved, make_user):
    approved(source="nfr", name="Universitetet i Oslo", orgnr="971035854")
    with pytest.raises(services.InstitutionError, match="already approved"):
        _draft(applicant, name="UiO", orgnr="971035854")
    _draft(applicant)
    with pytest.raises(services.InstitutionError, match="already open"):
        _draft(make_user())


def test_projects_must_be_from_the_last_three_years(applicant):
    old = project_rows(timezone.localdate().year - 10)
    with pytest.raises(Exception, match="last three years"):
        _draft(applicant, projects=old)
    assert not ApprovalRequest.objects.exists()


def test_portal_request_sends_everything_at_once_and_refuses_an_executable(applicant, client_for):
    applicant.language = "en"  # the portal speaks the user's language; this test reads English
    applicant.save(update_fields=["language"])
    client = client_for(applicant)
    year = timezone.localdate().year
    data = {
        "name": "Fjordforsk analyse AS", "country": "NO", "orgnr": "923 456 783", "foreign_id": "",
        "research_statement": "Uavhengig forskning.", "rd_person_years": "6.5", "staff_count": "11",
        "projects-TOTAL_FORMS": "2", "projects-INITIAL_FORMS": "0", "projects-MIN_NUM_FORMS": "1", "projects-MAX_NUM_FORMS": "30",
        "projects-0-title": "Unge utenfor", "projects-0-year": str(year - 1), "projects-0-funding_source": "Forskningsrådet",
        "projects-0-amount_nok": "2400000", "projects-0-published_where": "Tidsskrift",
    }  # fmt: skip
    bad = {**data, "statutes": upload("vedtekter.pdf", b"MZ\x90\x00" * 10), "annual_report": upload("a.pdf"),
           "company_certificate": upload("f.pdf"), "research_statement_file": upload("r.pdf")}  # fmt: skip
    response = client.post("/institusjoner/godkjenning/ny/", bad, headers={"Accept-Language": "en"})
    assert (
        response.status_code == 200
        and "Programs and scripts cannot be uploaded." in response.content.decode()
    )
    assert not ApprovalRequest.objects.exists()
    good = {**data, "statutes": upload("v.pdf"), "annual_report": upload("a.pdf"),
            "company_certificate": upload("f.pdf"), "research_statement_file": upload("r.pdf")}  # fmt: skip
    response = client.post("/institusjoner/godkjenning/ny/", good)
    request = ApprovalRequest.objects.get()
    assert response.headers["Location"] == f"/institusjoner/godkjenning/{request.pk}/"
    assert request.status == RequestStatus.SUBMITTED and request.attachments.count() == 4
    assert request.institution.orgnr == "923456783"


def test_applicants_see_only_their_own_requests_and_attachments(applicant, make_user, client_for, jurist):
    request = _submitted(applicant)
    attachment = request.attachments.first()
    other = client_for(make_user())
    assert other.get(f"/institusjoner/godkjenning/{request.pk}/").status_code == 404
    assert other.get(f"/institusjoner/godkjenning/vedlegg/{attachment.pk}/").status_code == 404
    own = client_for(applicant).get(f"/institusjoner/godkjenning/vedlegg/{attachment.pk}/")
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert client_for(jurist).get(f"/institusjoner/godkjenning/{request.pk}/").status_code == 200


def test_R_ELIG_2_office_approval_can_be_renewed_in_its_last_90_days(applicant, approved):
    today = timezone.localdate()
    from datetime import timedelta

    ending = approved(source="office", start=today - timedelta(days=1000), end=today + timedelta(days=60),
                      name="Fjordforsk analyse AS", orgnr="923456783")  # fmt: skip
    request = _draft(applicant)
    assert request.institution_id == ending.pk
    far = approved(source="office", start=today - timedelta(days=10), end=today + timedelta(days=400),
                   name="Annet institutt", orgnr="975318648")  # fmt: skip
    with pytest.raises(services.InstitutionError, match="already approved"):
        _draft(applicant, name=far.name, orgnr=far.orgnr)
