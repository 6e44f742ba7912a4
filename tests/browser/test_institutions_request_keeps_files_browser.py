"""In a real browser: a new-request form refused for an invalid organisation number keeps the four chosen
files (DOMAIN R-ELIG-2); the applicant corrects the number and sends without choosing them again."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_institutions_browser import _pdf, _sign_in
from tilgang.institutions.models import ApprovalRequest, RequestStatus

FILES = ("statutes", "annual_report", "company_certificate", "research_statement_file")


def test_files_are_kept_after_a_refused_form(make_user, new_page, tmp_path, transactional_db):
    from django.utils import timezone

    make_user(email="soker@fjordforsk.example", full_name="Solveig Søker", language="nb")
    page = new_page("nb")
    _sign_in(page, "soker@fjordforsk.example")
    # The menu leads nowhere yet: no request made.
    assert page.locator("nav a[href='/institusjoner/godkjenning/']").count() == 0
    page.goto("/institusjoner/godkjenning/ny/")
    page.fill("#id_name", "Fjordforsk analyse AS")
    page.fill("#id_orgnr", "123")
    page.fill("#id_research_statement", "Uavhengig forskning utført av forskere med doktorgrad.")
    page.fill("#id_rd_person_years", "6.5")
    page.fill("#id_staff_count", "11")
    page.fill("#id_projects-0-title", "Unge utenfor arbeidslivet")
    page.fill("#id_projects-0-year", str(timezone.localdate().year - 1))
    page.fill("#id_projects-0-funding_source", "Forskningsrådet")
    page.fill("#id_projects-0-amount_nok", "2400000")
    page.fill("#id_projects-0-published_where", "Søkelys på arbeidslivet")
    for field in FILES:
        page.set_input_files(f"#id_{field}", _pdf(tmp_path, f"{field}.pdf"))
    page.locator("main form button[name=send]").click()
    expect(page.locator("#id_orgnr_error")).to_be_visible()
    for field in FILES:
        expect(page.locator(f"#id_{field}_help")).to_contain_text(f"{field}.pdf")
    assert axe_violations(page) == []

    page.fill("#id_orgnr", "923456783")
    page.locator("main form button[name=send]").click()
    expect(page.locator("#request-status")).to_be_visible()
    request = ApprovalRequest.objects.get()
    assert request.status == RequestStatus.SUBMITTED and request.attachments.count() == 4
    # Now the menu has the way back to the request.
    page.locator("nav a[href='/institusjoner/godkjenning/']").first.click()
    expect(page.locator("main")).to_contain_text("Fjordforsk analyse AS")
