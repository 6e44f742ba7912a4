"""In a real browser: the information service (DOMAIN R-INFO-1…4).

A question in nynorsk gets a nynorsk receipt and reply; an inquiry past its due time is flagged; a journal
search and an innsyn request answered within the clock; a survey reminder goes out to non-respondents."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pyotp
import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, outbox_link
from tests.conftest import PASSWORD
from tilgang.core.demo import DEMO_TOTP_SECRET
from tilgang.inquiries import services
from tilgang.inquiries.models import InnsynRequest, InnsynStatus, Inquiry, ReplyTemplate
from tilgang.inquiries.service_level import OSLO

# A Thursday: a question now is due on Monday, whose name differs in nynorsk ("måndag") and bokmål.
THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=OSLO)


def sign_in(page, email):
    page.goto("/konto/logg-inn/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", pyotp.TOTP(DEMO_TOTP_SECRET).at(timezone.now()))
    page.locator("main form button[type=submit]").click()


def outbox_body(page, recipient: str, subject_part: str) -> str:
    page.goto(f"/utboks/?til={recipient}")
    for article in page.locator(".outbox-message").all():
        if subject_part in article.locator("h2").inner_text():
            return article.locator(".message-body").inner_text()
    raise AssertionError(f"no message about {subject_part} to {recipient}")


def test_R_INFO_2_a_nynorsk_question_gets_a_nynorsk_receipt_and_reply(info, new_page, transactional_db):
    ReplyTemplate.objects.create(
        key="mikrodata",
        language="nn",
        title="Tilgang til mikrodata",
        body="Forskarar kan søkje om tilgang i portalen.",
    )
    ReplyTemplate.objects.create(
        key="mikrodata",
        language="nb",
        title="Tilgang til mikrodata (bokmål)",
        body="Forskere kan søke i portalen.",
    )
    with time_machine.travel(THURSDAY, tick=True):
        public = new_page("nn")
        public.goto("/informasjon/")
        assert axe_violations(public) == []
        public.fill("#id_name", "Ola Nynorsk")
        public.fill("#id_email", "ola@example.org")
        public.select_option("#id_topic", "microdata")
        public.fill(
            "#id_text", "Hei! Eg lurer på korleis eg kan søkje om tilgang til mikrodata. Kva treng eg?"
        )
        public.locator("main form button[type=submit]").click()
        inquiry = Inquiry.objects.get()
        assert inquiry.reference in public.locator("main").inner_text()

        receipt = outbox_body(public, "ola@example.org", inquiry.reference)
        assert "måndag" in receipt and "mandag" not in receipt  # rendered in nynorsk

        staff = new_page("en")
        sign_in(staff, info.email)
        staff.goto(f"/informasjon/ko/{inquiry.reference}/")
        expect(staff.locator("#language-guess")).to_contain_text("Norsk nynorsk")
        expect(staff.locator("#reply-language")).to_contain_text("Norsk nynorsk")
        assert axe_violations(staff) == []
        options = staff.locator("#id_mal option").all_inner_texts()
        assert options == ["Tilgang til mikrodata"]  # only the standard answers in the reply language
        staff.get_by_role("button", name="Use this standard answer").click()
        staff.locator("#id_body").fill(staff.locator("#id_body").input_value() + "\n\nHelsing Ingrid")
        staff.get_by_role("button", name="Send answer").click()
        expect(staff.locator(".ds-alert").first).to_contain_text("The answer was sent.")

        reply = outbox_body(public, "ola@example.org", inquiry.reference)  # the newest message
        assert "Forskarar kan søkje om tilgang i portalen." in reply and "Helsing Ingrid" in reply
        assert "Forskere kan søke" not in reply
    inquiry.refresh_from_db()
    assert inquiry.status == "answered"
    assert inquiry.messages.get(kind="reply").language == "nn"


def test_R_INFO_1_an_inquiry_past_its_due_time_is_flagged(info, new_page, transactional_db):
    late = services.inquiry_create(
        channel="email",
        email="kari@example.org",
        name="Kari",
        text="Hvor finner jeg lønnstallene?",
        received_at=timezone.now() - timedelta(days=8),
    )
    fresh = services.inquiry_create(channel="web", email="per@example.org", name="Per", text="Hvor er KPI?")
    from tilgang.inquiries.sweeps import flag_overdue_inquiries

    assert flag_overdue_inquiries(timezone.now()) == 1
    page = new_page("en")
    sign_in(page, info.email)
    page.goto("/informasjon/ko/")
    expect(page.locator("[role=alert]")).to_contain_text("1 inquiry is past its due time.")
    row = page.locator(f"tr[data-reference='{late.reference}']")
    assert "Overdue" in row.inner_text()
    assert "Overdue" not in page.locator(f"tr[data-reference='{fresh.reference}']").inner_text()
    assert axe_violations(page) == []
    row.get_by_role("link").click()
    expect(page.locator("[role=alert]")).to_contain_text("past its due time")


def test_R_INFO_3_journal_search_and_an_innsyn_request_answered_within_the_clock(
    info, new_page, transactional_db
):
    services.journal_record(
        actor=info,
        case_number="26/01234-1",
        doc_type="I",
        title="Søknad om tilgang til mikrodata om inntekt",
        party="Universitetet i Oslo",
        document_date=date(2026, 11, 10),
        screened=False,
        legal_reference="",
        document_file=b"Soknad (innhold)",
    )
    services.journal_record(
        actor=info,
        case_number="26/01234-2",
        doc_type="U",
        title="Vedtak til Frida Forsker",
        party="Frida Forsker",
        party_is_person=True,
        document_date=date(2026, 11, 12),
        screened=True,
        legal_reference="Offl. § 13 jf. statistikkloven § 7",
    )
    public = new_page("en")
    public.goto("/informasjon/journal/")
    assert axe_violations(public) == []
    assert "Frida" not in public.locator("#journal-table").inner_text()
    public.fill("#id_q", "inntekt")
    public.get_by_role("button", name="Search").click()
    rows = public.locator("#journal-table tbody tr")
    assert rows.count() == 1 and "26/01234-1" in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    assert axe_violations(public) == []
    public.fill("#id_email", "jo@example.org")
    public.fill("#id_name", "Jo Journalist")
    public.get_by_role("button", name="Send request").click()
    expect(public.locator("h1")).to_contain_text("Your request is received")
    innsyn = InnsynRequest.objects.get()

    staff = new_page("en")
    sign_in(staff, info.email)
    staff.goto("/informasjon/innsyn/")
    staff.get_by_role("link", name=innsyn.reference).click()
    assert axe_violations(staff) == []
    staff.get_by_role("button", name="Grant and send the document").click()
    expect(staff.locator(".ds-alert").first).to_contain_text("Access was granted")

    innsyn.refresh_from_db()
    assert innsyn.status == InnsynStatus.GRANTED and innsyn.decided_at <= innsyn.due_at
    link = outbox_link(public, "jo@example.org", "/informasjon/innsyn/dokument/")
    with public.expect_download() as download:
        public.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; document.body.appendChild(a); a.click(); }",
            link,
        )
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == b"Soknad (innhold)"


def test_R_INFO_4_a_survey_reminder_goes_out_to_non_respondents(info, new_page, transactional_db):
    survey = services.survey_create(
        actor=info,
        code="lonn-2026",
        name="Lønnsstatistikk 2026",
        what_to_report="Lønn per ansatt",
        how_to_report="Skjema i Altinn",
        deadline=timezone.localdate() - timedelta(days=2),
        contact_name="Lønnsseksjonen",
        contact_email="lonn@example.org",
        obligatory=True,
        legal_reference="statistikkloven § 10",
    )
    people = [
        services.respondent_add(
            actor=info, survey=survey, name=name, reporting_for=name, email=email, language="en"
        )
        for name, email in [("Fjordbakst AS", "fjord@example.org"), ("Nordlys AS", "nordlys@example.org")]
    ]
    services.survey_letters_send(actor=info, survey=survey)
    page = new_page("en")
    sign_in(page, info.email)
    page.goto(f"/informasjon/undersokingar/{survey.pk}/")
    assert axe_violations(page) == []
    page.locator(f"tr[data-email='{people[1].email}']").get_by_role("button", name="Mark as reported").click()
    page.get_by_role("button", name="Send reminders to non-respondents").click()
    expect(page.locator(".ds-alert").first).to_contain_text("Reminders sent: 1.")
    reminder = outbox_body(page, "fjord@example.org", "reminder")
    assert "Skjema i Altinn" in reminder and "statistikkloven § 10" in reminder
    page.goto("/utboks/?til=nordlys@example.org")
    subjects = page.locator(".outbox-message h2").all_inner_texts()
    assert not any("reminder" in subject for subject in subjects)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_information_service_pages_have_no_serious_accessibility_violations(
    info, new_page, language, transactional_db
):
    services.inquiry_create(channel="web", email="a@example.org", name="A", text="Hvor er tallene?")
    page = new_page(language)
    page.goto("/informasjon/")
    page.locator("main form button[type=submit]").click()  # the empty form shows accessible errors
    assert axe_violations(page) == []
    assert re.search(r"(required|påkrevd|obligatorisk|må fyllast|må fylles)", page.content(), re.I)
    sign_in(page, info.email)
    for path in [
        "/informasjon/ko/",
        "/informasjon/tal/",
        "/informasjon/undersokingar/",
        "/informasjon/innsyn/",
        "/informasjon/avviste/",
        "/informasjon/seksjonar/",
        "/informasjon/journal/ny/",
    ]:
        page.goto(path)
        assert axe_violations(page) == [], path
