"""In a real browser: choosing a standard answer never wipes out what staff have typed (DOMAIN R-INFO-2)."""

from __future__ import annotations

import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_inquiries_browser import THURSDAY, sign_in
from tilgang.inquiries import services
from tilgang.inquiries.models import Channel

BODY = "Forskarar ved godkjende institusjonar kan søkje om tilgang i portalen."


def test_R_INFO_2_the_typed_answer_is_kept_when_a_standard_answer_is_used(info, new_page, transactional_db):
    with time_machine.travel(THURSDAY, tick=True):
        question = services.inquiry_create(
            channel=Channel.WEB, name="Ola Nynorsk", email="ola@example.org", topic="microdata",
            text="Hei! Eg lurer på korleis eg kan søkje om tilgang til mikrodata. Kva treng eg?",
        )  # fmt: skip
        services.standard_answer_create(
            actor=info, key="tal", topic="statistics", versions={"nn": ("Statistikkbanken", "Sjå statistikkbanken.")}
        )  # fmt: skip
        services.standard_answer_create(
            actor=info, key="mikrodata", topic="microdata", versions={"nn": ("Tilgang til mikrodata", BODY)}
        )  # fmt: skip
        staff = new_page("en")
        sign_in(staff, info.email)
        staff.goto(f"/informasjon/ko/{question.reference}/")
        # The answer on the inquiry's topic is chosen first.
        expect(staff.locator("#id_mal option:checked")).to_have_text("Tilgang til mikrodata")
        staff.fill("#id_body", "Hei Ola,")
        staff.get_by_role("button", name="Use this standard answer").click()
        expect(staff.locator("#id_body")).to_have_value("Hei Ola,")
        expect(staff.locator("#template-question")).to_contain_text("Replace it with “Tilgang til mikrodata”")
        assert axe_violations(staff) == []
        staff.get_by_role("button", name="Add it after my text").click()
        expect(staff.locator("#id_body")).to_have_value("Hei Ola,\n\n" + BODY)
        assert not question.messages.filter(kind="reply").exists()
