"""In a real browser: an organisation asks to be approved as a research institution and is approved;
the public "may my institution apply?" page; axe on the main institution pages."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD
from tilgang.accounts.models import TotpDevice
from tilgang.core.crypto import seal
from tilgang.core.demo import DEMO_TOTP_SECRET
from tilgang.institutions.models import Approval, ApprovalRequest, Institution, InstitutionKind


def _pdf(tmp_path, name: str):
    from weasyprint import HTML

    path = tmp_path / name
    HTML(string=f"<h1>{name}</h1>").write_pdf(path)
    return str(path)


def _sign_in(page, email, code=None):
    page.goto("/konto/logg-inn/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    if code:
        page.fill("#id_code", code)
        page.locator("main form button[type=submit]").click()


@pytest.fixture
def jurist(make_user):
    user = make_user("legal_reviewer", email="jurist@example.org", full_name="Jon Jurist", language="en")
    with transaction.atomic():
        TotpDevice.objects.create(
            user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
    return user


def test_organisation_from_approval_request_to_approval(
    make_user, jurist, new_page, tmp_path, transactional_db
):
    make_user(email="soker@fjordforsk.example", full_name="Solveig Søker", language="en")
    applicant = new_page("en")
    _sign_in(applicant, "soker@fjordforsk.example")
    applicant.goto("/institusjoner/godkjenning/ny/")
    assert axe_violations(applicant) == []
    # Sent without anything: the errors are shown, linked to their fields, and still accessible.
    applicant.locator("main form button[name=send]").click()
    assert applicant.locator(".ds-alert[role=alert]").count() >= 1
    assert applicant.locator("#id_name").get_attribute("aria-invalid") == "true"
    assert axe_violations(applicant) == []

    applicant.fill("#id_name", "Fjordforsk analyse AS")
    applicant.fill("#id_orgnr", "923456783")
    applicant.fill(
        "#id_research_statement", "Uavhengig forskning på arbeidsliv, utført av forskere med doktorgrad."
    )
    applicant.fill("#id_rd_person_years", "6.5")
    applicant.fill("#id_staff_count", "11")
    year = timezone.localdate().year
    applicant.fill("#id_projects-0-title", "Unge utenfor arbeidslivet")
    applicant.fill("#id_projects-0-year", str(year - 1))
    applicant.fill("#id_projects-0-funding_source", "Forskningsrådet")
    applicant.fill("#id_projects-0-amount_nok", "2400000")
    applicant.fill("#id_projects-0-published_where", "Søkelys på arbeidslivet")
    for field in ("statutes", "annual_report", "company_certificate", "research_statement_file"):
        applicant.set_input_files(f"#id_{field}", _pdf(tmp_path, f"{field}.pdf"))
    applicant.locator("main form button[name=send]").click()
    expect(applicant.locator(".ds-alert").first).to_contain_text("The request is sent")
    assert applicant.locator("#request-status").inner_text() == "Submitted"
    request_url = applicant.url

    staff = new_page("en")
    _sign_in(staff, jurist.email, code=pyotp.TOTP(DEMO_TOTP_SECRET).now())
    staff.goto("/institusjoner/godkjenning/")
    staff.get_by_role("link", name="Fjordforsk analyse AS").click()
    assert axe_violations(staff) == []
    # Approving before the checklist is complete is refused.
    staff.locator("form[action$='/godkjenn/'] button[type=submit]").click()
    expect(staff.locator(".ds-alert").first).to_contain_text("Tick every point")
    for box in staff.locator("form[action$='/sjekkliste/'] input[type=checkbox]").all():
        box.check()
    staff.locator("form[action$='/sjekkliste/'] button[type=submit]").click()
    staff.fill("#id_valid_from", "2026-01-01")
    staff.fill("#id_valid_to", "2030-12-31")
    staff.locator("form[action$='/godkjenn/'] button[type=submit]").click()
    expect(staff.locator(".ds-alert").first).to_contain_text("approved and the letter sent")
    assert staff.locator("#request-status").inner_text() == "Approved"

    institution = Institution.objects.get(orgnr="923456783")
    assert institution.kind == InstitutionKind.RESEARCH_OFFICE
    approval = Approval.objects.get(institution=institution)
    assert (approval.source, approval.valid_from, approval.valid_to) == (
        "office",
        date(2026, 1, 1),
        date(2030, 12, 31),
    )

    applicant.goto(request_url)
    assert applicant.locator("#request-status").inner_text() == "Approved"
    with applicant.expect_response(lambda r: "/brev/" in r.url) as letter:
        applicant.get_by_role("link", name="The decision letter (PDF)").click()
    assert letter.value.headers["content-type"] == "application/pdf"
    assert ApprovalRequest.objects.get().letter


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_public_check_page_is_accessible(new_page, language, transactional_db):
    with transaction.atomic():
        uio = Institution.objects.create(
            name="Universitetet i Oslo", orgnr="971035854", kind=InstitutionKind.RESEARCH_NFR
        )
        Approval.objects.create(institution=uio, source="nfr", valid_from=date(2004, 1, 1))
        Institution.objects.create(name="Universitetet i Nowhere", country="US", foreign_id="US-1")
    page = new_page(language)
    page.goto("/institusjoner/kan-vi-soke/?q=Universitetet")
    assert page.locator(".check-result").count() == 2
    expect(page.locator(".check-result", has_text="Oslo")).not_to_contain_text("R-ELIG-1")  # plain words only
    assert axe_violations(page) == []


def test_admin_pages_are_accessible(make_user, new_page, transactional_db):
    admin = make_user("administrator", email="admin@example.org", language="en")
    with transaction.atomic():
        TotpDevice.objects.create(
            user=admin, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
        uio = Institution.objects.create(
            name="Universitetet i Oslo", orgnr="971035854", kind=InstitutionKind.RESEARCH_NFR
        )
        Approval.objects.create(institution=uio, source="nfr", valid_from=date(2004, 1, 1))
    page = new_page("en")
    _sign_in(page, admin.email, code=pyotp.TOTP(DEMO_TOTP_SECRET).now())
    for url in (
        "/institusjoner/",
        f"/institusjoner/{uio.pk}/",
        "/institusjoner/lister/",
        "/institusjoner/godkjenning/",
    ):
        page.goto(url)
        assert axe_violations(page) == [], url
