"""In a real browser: an information-service staff member writes a standard answer in nynorsk, answers a
nynorsk inquiry with it, and registers a question received by phone (DOMAIN R-INFO-1, R-INFO-2)."""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_inquiries_browser import THURSDAY, outbox_body, sign_in
from tilgang.inquiries import services
from tilgang.inquiries.models import Channel, Inquiry, MessageKind, ReplyTemplate

NN_BODY = "Forskarar ved godkjende institusjonar kan søkje om tilgang til mikrodata i portalen."


def test_R_INFO_2_a_nynorsk_standard_answer_answers_a_nynorsk_inquiry_and_a_phone_call_is_queued(
    info, new_page, transactional_db
):
    with time_machine.travel(THURSDAY, tick=True):
        question = services.inquiry_create(
            channel=Channel.WEB,
            name="Ola Nynorsk",
            email="ola@example.org",
            topic="microdata",
            text="Hei! Eg lurer på korleis eg kan søkje om tilgang til mikrodata. Kva treng eg?",
        )
        assert question.language == "nn"
        staff = new_page("en")
        sign_in(staff, info.email)

        # The standard answer, written in nynorsk only.
        staff.get_by_role("navigation", name="Main menu").get_by_role("link", name="Standard answers").click()
        expect(staff.locator("h1")).to_have_text("Standard answers")
        assert axe_violations(staff) == []
        staff.get_by_role("link", name="New standard answer").click()
        assert axe_violations(staff) == []
        staff.fill("#id_key", "mikrodata-tilgang")
        staff.select_option("#id_topic", "microdata")
        staff.fill("#id_title_nn", "Tilgang til mikrodata")
        staff.fill("#id_body_nn", NN_BODY)
        staff.get_by_role("button", name="Create standard answer").click()
        expect(staff.locator(".ds-alert").first).to_contain_text("The standard answer was created.")
        row = staff.locator("tr[data-key='mikrodata-tilgang']")
        expect(row.locator("[data-missing]")).to_have_text(["Norsk bokmål missing", "English missing"])
        expect(row.locator("[data-language='nn']")).to_have_text("Norsk nynorsk")
        expect(staff.locator("#incomplete-alert")).to_contain_text(
            "1 standard answer lacks a language version"
        )
        assert axe_violations(staff) == []

        # Answering the nynorsk inquiry with it.
        staff.goto(f"/informasjon/ko/{question.reference}/")
        assert staff.locator("#id_mal option").all_inner_texts() == ["Tilgang til mikrodata"]
        staff.get_by_role("button", name="Use this standard answer").click()
        expect(staff.locator("#id_body")).to_have_value(NN_BODY)
        staff.locator("#id_body").fill(NN_BODY + "\n\nHelsing Ingrid")
        staff.get_by_role("button", name="Send answer").click()
        expect(staff.locator(".ds-alert").first).to_contain_text("The answer was sent.")
        reply = outbox_body(new_page("nn"), "ola@example.org", question.reference)
        assert NN_BODY in reply and "Helsing Ingrid" in reply

        # A question received by phone from a caller without e-mail.
        staff.goto("/informasjon/ko/")
        staff.get_by_role("main").get_by_role("link", name="Register a phone inquiry").first.click()
        expect(staff.locator("h1")).to_have_text("Register a phone inquiry")
        assert staff.locator("#id_received_at").input_value().startswith("2026-11-19T10:0")
        assert axe_violations(staff) == []
        staff.fill("#id_name", "Per Telefon")
        staff.fill("#id_phone", "+47 912 34 567")
        staff.select_option("#id_topic", "statistics")
        staff.fill("#id_text", "Han lurer på hvor han finner boligprisene for Bergen.")
        staff.get_by_role("button", name="Register the inquiry").click()
        expect(staff.locator(".ds-alert").first).to_contain_text("is in the queue")
        call = Inquiry.objects.get(channel=Channel.PHONE)
        expect(staff.locator("#phone-only")).to_contain_text("+47 912 34 567")
        assert axe_violations(staff) == []

        staff.goto("/informasjon/ko/")
        row = staff.locator(f"tr[data-reference='{call.reference}']")
        expect(row).to_contain_text("Per Telefon")
        expect(row).to_contain_text("Phone")
        expect(row).to_contain_text("Monday 23 November 2026, 15:00")  # two working days from the call

        # The answer is given by phone and recorded; the inquiry leaves the open queue.
        row.get_by_role("link", name=call.reference).click()
        staff.fill("#id_phone-body", "Viste han til statistikkbanken, tabell 07221.")
        staff.get_by_role("button", name="Record the answer given by phone").click()
        expect(staff.locator(".ds-alert").first).to_contain_text("recorded")
        expect(staff.locator("[data-kind='phone_reply']")).to_contain_text("tabell 07221")
        staff.goto("/informasjon/ko/")
        expect(staff.locator(f"tr[data-reference='{call.reference}']")).to_have_count(0)

    call.refresh_from_db()
    assert call.status == "answered" and call.answered_at <= call.due_at
    assert call.messages.filter(kind=MessageKind.PHONE_REPLY).count() == 1
    assert question.messages.get(kind=MessageKind.REPLY).language == "nn"
    assert ReplyTemplate.objects.get(key="mikrodata-tilgang").language == "nn"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_standard_answer_and_phone_pages_have_no_serious_accessibility_violations(
    info, new_page, language, transactional_db
):
    services.standard_answer_create(
        actor=info, key="tabell", topic="statistics", versions={"nb": ("Tall", "Tallene finner du …")}
    )
    call = services.inquiry_register_phone(
        actor=info, name="Per", phone="+47 912 34 567", topic="other", text="Hvor er tallene?"
    )
    page = new_page(language)
    sign_in(page, info.email)
    for path in [
        "/informasjon/standardsvar/",
        "/informasjon/standardsvar/ny/",
        "/informasjon/standardsvar/tabell/endre/",
        "/informasjon/telefon/",
        f"/informasjon/ko/{call.reference}/",
    ]:
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto("/informasjon/standardsvar/ny/")
    page.locator("main form button[type=submit]").click()  # the errors are accessible too
    assert axe_violations(page) == []
