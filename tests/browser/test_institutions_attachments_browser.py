"""In a real browser: the applicant saves an approval request as a draft (DOMAIN R-ELIG-2), is refused
sending while the research statement is missing, uploads it on the request's page, and sends; axe on
every step."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_institutions_browser import _pdf, _sign_in
from tilgang.institutions.models import ApprovalRequest, RequestStatus


def test_applicant_uploads_the_research_statement_and_sends(make_user, new_page, tmp_path, transactional_db):
    from django.utils import timezone

    make_user(email="soker@fjordforsk.example", full_name="Solveig Søker", language="en")
    page = new_page("en")
    _sign_in(page, "soker@fjordforsk.example")
    page.goto("/institusjoner/godkjenning/ny/")
    page.fill("#id_name", "Fjordforsk analyse AS")
    page.fill("#id_orgnr", "923456783")
    page.fill(
        "#id_research_statement", "Uavhengig forskning på arbeidsliv, utført av forskere med doktorgrad."
    )
    page.fill("#id_rd_person_years", "6.5")
    page.fill("#id_staff_count", "11")
    page.fill("#id_projects-0-title", "Unge utenfor arbeidslivet")
    page.fill("#id_projects-0-year", str(timezone.localdate().year - 1))
    page.fill("#id_projects-0-funding_source", "Forskningsrådet")
    page.fill("#id_projects-0-amount_nok", "2400000")
    page.fill("#id_projects-0-published_where", "Søkelys på arbeidslivet")
    for field in ("statutes", "annual_report", "company_certificate"):
        page.set_input_files(f"#id_{field}", _pdf(tmp_path, f"{field}.pdf"))
    page.locator("main form button[name=draft]").click()
    expect(page.locator(".ds-alert").first).to_contain_text("saved as a draft")
    expect(page.locator("#request-status")).to_have_text("Draft")
    expect(page.locator("#attachment-list tbody tr")).to_have_count(3)
    # Only the missing kind is offered, with the accepted types and the limit said up front.
    expect(page.locator("#id_research_statement_file_help")).to_contain_text("PDF, Word (.docx)")
    expect(page.locator("#id_research_statement_file_help")).to_contain_text("20.0")
    assert page.locator("#id_statutes_file").count() == 0
    assert axe_violations(page) == []

    # Sending now is refused, and says what is missing.
    page.locator("#request-submit").click()
    expect(page.locator(".ds-alert[data-color=danger]").first).to_contain_text(
        "These attachments are missing: Statement of independent research"
    )
    expect(page.locator("#request-status")).to_have_text("Draft")

    # A file that is not a document is refused by its input, and nothing is listed.
    fake = tmp_path / "redegjorelse.pdf"
    fake.write_bytes(b"just text, not a PDF")
    page.set_input_files("#id_research_statement_file", str(fake))
    page.locator("form:has(#id_research_statement_file) button[type=submit]").click()
    expect(page.locator("#id_research_statement_file_error")).to_contain_text("is not a PDF, Word, Excel")
    expect(page.locator("#id_research_statement_file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#attachment-list tbody tr")).to_have_count(3)
    assert axe_violations(page) == []

    # The real research statement: listed with its name, kind and size.
    page.set_input_files("#id_research_statement_file", _pdf(tmp_path, "redegjorelse.pdf"))
    page.locator("form:has(#id_research_statement_file) button[type=submit]").click()
    row = page.locator("#attachment-list tbody tr", has_text="redegjorelse.pdf")
    expect(row).to_contain_text("Statement of independent research")
    expect(row).to_contain_text("KB")
    expect(page.locator("#attachment-list tbody tr")).to_have_count(4)
    assert page.locator("#id_research_statement_file").count() == 0
    assert axe_violations(page) == []

    # The figures and projects can still be changed before sending.
    page.get_by_role("link", name="Change the figures and projects").click()
    expect(page.locator("#id_projects-0-title")).to_have_value("Unge utenfor arbeidslivet")
    assert axe_violations(page) == []
    page.go_back()

    page.locator("#request-submit").click()
    expect(page.locator(".ds-alert").first).to_contain_text("The request is sent")
    expect(page.locator("#request-status")).to_have_text("Submitted")
    assert page.locator("#request-submit").count() == 0
    assert axe_violations(page) == []
    request = ApprovalRequest.objects.get()
    assert request.status == RequestStatus.SUBMITTED
    assert sorted(request.attachments.values_list("original_name", flat=True)) == [
        "annual_report.pdf", "company_certificate.pdf", "redegjorelse.pdf", "statutes.pdf",
    ]  # fmt: skip
