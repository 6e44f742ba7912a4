"""In a real browser: a decided case → the officer builds and sends the offer → the applicant accepts, the
members sign their declarations, the signatory signs → delivery → invoice basis. And an offer that expires.
axe on the offer pages, in every language."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from playwright.sync_api import expect

from tests.applications.conftest import catalog, complete_draft, institution, people, run  # noqa: F401
from tests.browser.conftest import axe_violations
from tests.browser.test_applications_browser import _with_totp, sign_in
from tests.offers.conftest import TARIFF, granted, sent_offer
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import Application
from tilgang.offers import services, sweeps
from tilgang.offers.models import InvoiceBasis, Offer


@pytest.fixture
def staff(people):  # noqa: F811
    _with_totp(people["officer"], people["head"])
    return people


@pytest.fixture
def tariff(transactional_db):
    with transaction.atomic():
        return services.tariff_create(actor=None, **TARIFF)


def _clean(page):
    assert axe_violations(page) == []


def test_offer_acceptance_signatures_and_invoice_basis(new_page, staff, catalog, tariff):  # noqa: F811
    with transaction.atomic():
        application = granted(staff, catalog)

    officer = new_page("en")
    sign_in(officer, staff["officer"].email, staff=True)
    officer.goto(f"/tilbud/sak/{application.pk}/")
    _clean(officer)
    officer.locator("#offer-create").click()
    offer = Offer.objects.get(application=application)
    expect(officer.locator("#offer-lines")).to_contain_text(
        "Coordination, clarification, offer and agreement"
    )
    _clean(officer)
    line = offer.lines.first()
    officer.fill(f"#id_line{line.pk}-quantity", "8")
    officer.locator(f"form[action$='/linjer/{line.pk}/'] button[type=submit]").click()
    assert "NOK\u00a031,562.50" in officer.locator("#offer-total").inner_text()  # (25 250) × 1.25
    officer.select_option("#id_add-item", "other_hours")
    officer.fill("#id_add-quantity", "-1")
    officer.fill("#id_add-reason", "Extra checks of the population")
    officer.locator("#line-add").click()
    expect(officer.locator("main")).to_contain_text("cannot be negative")
    _clean(officer)  # a form showing its errors
    officer.fill("#id_add-quantity", "1,5")
    officer.locator("#line-add").click()
    assert "NOK\u00a033,906.25" in officer.locator("#offer-total").inner_text()  # (27 125) × 1.25
    officer.locator("#offer-send").click()
    expect(officer.locator("#offer-status")).to_contain_text("Sent, waiting for acceptance")

    applicant = new_page("en")
    sign_in(applicant, staff["applicant"].email)
    applicant.goto("/tilbud/")
    _clean(applicant)
    applicant.goto(f"/tilbud/{offer.pk}/")
    _clean(applicant)
    applicant.fill("#id_accept-invoice_address", "Universitetet i Oslo\nPostboks 1072 Blindern\n0316 Oslo")
    applicant.fill("#id_accept-order_reference", "UIO-2027-17")
    applicant.select_option("#id_accept-signatory", str(application.members.get(role="signatory").pk))
    applicant.locator("#offer-accept").click()
    # Accepted: the state and the next step are shown, not the form again.
    expect(applicant.locator("#offer-status")).to_contain_text("Accepted, waiting for signatures")
    expect(applicant.locator("#offer-next-step")).to_contain_text("The offer was accepted on")
    expect(applicant.locator("#id_accept-invoice_address")).to_be_hidden()  # folded away
    _clean(applicant)
    applicant.check("#id_declaration-confirm")
    applicant.locator("#declaration-sign").click()
    expect(applicant.locator("main")).to_contain_text("You signed the non-disclosure declaration")

    member = new_page("en")
    sign_in(member, staff["member"].email)
    member.goto(f"/tilbud/{offer.pk}/")
    member.check("#id_declaration-confirm")
    member.locator("#declaration-sign").click()

    signatory = new_page("en")
    sign_in(signatory, staff["signatory"].email)
    signatory.goto(f"/tilbud/{offer.pk}/")
    signatory.check("#id_declaration-confirm")
    signatory.locator("#declaration-sign").click()
    signatory.locator("#go-sign").click()
    offer.refresh_from_db()
    assert offer.agreement_sha256 in signatory.locator("main").inner_text()
    _clean(signatory)
    signatory.check("#id_sign-confirm")
    signatory.locator("#sign-button").click()
    expect(signatory.locator("#offer-status")).to_contain_text("Accepted and signed")
    expect(signatory.locator("#case-state")).to_contain_text("Agreement signed")

    with transaction.atomic():  # the delivery step (issue 6) calls the invoice basis service
        run(staff["officer"], application, Command.START_PREPARATION)
        run(staff["officer"], application, Command.DELIVER)
        invoice = services.invoice_basis_create(
            actor=None, application=Application.objects.get(pk=application.pk)
        )
    officer.goto("/tilbud/fakturagrunnlag/")
    assert invoice.number in officer.locator("#invoice-table").inner_text()
    expect(officer.locator("#invoice-table")).to_contain_text("UIO-2027-17")
    _clean(officer)
    assert InvoiceBasis.objects.get().total == offer.total


def test_an_offer_expires(new_page, staff, catalog, tariff):  # noqa: F811
    with transaction.atomic():
        offer = sent_offer(staff, granted(staff, catalog))
    with time_machine.travel(offer.due_at + timedelta(hours=1)):
        assert sweeps.offers_expired(offer.due_at + timedelta(hours=1)) == 1
        applicant = new_page("en")
        sign_in(applicant, staff["applicant"].email)
        applicant.goto(f"/tilbud/{offer.pk}/")
        expect(applicant.locator("#offer-expired")).to_contain_text("has lapsed")
        expect(applicant.locator("#case-state")).to_contain_text("Offer expired")
        assert applicant.locator("#offer-accept").count() == 0
        _clean(applicant)
    assert Application.objects.get(pk=offer.application_id).state == State.OFFER_EXPIRED


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_offer_pages_are_accessible_in_every_language(language, new_page, staff, catalog, tariff):  # noqa: F811
    for who in ("applicant", "officer"):
        staff[who].language = language
        staff[who].save(update_fields=["language"])
    with transaction.atomic():
        offer = sent_offer(staff, granted(staff, catalog))
    page = new_page(language)
    sign_in(page, staff["applicant"].email)
    page.goto(f"/tilbud/{offer.pk}/")
    assert page.locator("html").get_attribute("lang") == language
    _clean(page)
    page.goto(f"/tilbud/sak/{offer.application_id}/")
    _clean(page)
    admin = new_page(language)
    sign_in(admin, staff["officer"].email, staff=True)
    admin.goto(f"/tilbud/{offer.pk}/")
    _clean(admin)
