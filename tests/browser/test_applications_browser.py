"""In a real browser: invitation → application in steps with attachments → clean pre-check → submitted →
legal review → assignment → decision; and a refusal with an appeal. axe on the main pages."""

from __future__ import annotations

import pyotp
import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from tests.applications.conftest import PDF, catalog, complete_draft, institution, people  # noqa: F401
from tests.browser.conftest import axe_violations, outbox_link
from tests.conftest import PASSWORD
from tilgang.accounts.models import TotpDevice
from tilgang.applications.models import Application
from tilgang.core.crypto import seal
from tilgang.core.demo import DEMO_TOTP_SECRET

NEW_PASSWORD = "en lang nok passordsetning for søkeren"


def _with_totp(*users):
    with transaction.atomic():
        for user in users:
            TotpDevice.objects.create(
                user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
            )


def sign_in(page, email, password=PASSWORD, staff=False):
    page.goto("/konto/logg-inn/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    if staff:
        page.fill("#id_code", pyotp.TOTP(DEMO_TOTP_SECRET).at(timezone.now().timestamp()))
        # The next step may navigate at once; the code must have reached the server first.
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


def _no_violations(page):
    assert axe_violations(page) == []


def _save_next(page):
    page.locator("button[name=save_next]").click()


def run_command(page, command, fields=None, refused=False):
    if fields is not None:
        details = page.locator(f"details:has(button[data-command={command}])")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        expect(details).to_have_attribute("open", "")
        for selector, value in fields.items():
            if selector.startswith("select:"):
                page.select_option(selector[7:], value)
            else:
                page.fill(selector, value)
    # Wait for the command's answer, so the next step sees its effect; a refusal fails here, in its words.
    with page.expect_navigation():
        page.locator(f"button[data-command={command}]").click()
    refusals = page.locator("main .ds-alert[data-color=danger]")
    assert refused or refusals.count() == 0, f"{command} refused: {refusals.all_inner_texts()}"


@pytest.fixture
def staff(people):  # noqa: F811
    _with_totp(people["legal"], people["officer"], people["head"])
    return people


def test_applicant_from_invitation_to_decision(new_page, staff, catalog, institution, transactional_db):  # noqa: F811
    from tilgang.accounts.services import invitation_create

    with transaction.atomic():
        invitation_create(invited_by=None, email="kari@uio.example", full_name="Kari Nordmann", language="en",
                          institution=institution)  # fmt: skip
    page = new_page("en")
    page.goto(outbox_link(page, "kari@uio.example", "/konto/invitasjon/"))
    page.locator("main form button[type=submit]").click()
    page.goto(outbox_link(page, "kari@uio.example", "/konto/passord/"))
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    sign_in(page, "kari@uio.example", NEW_PASSWORD)

    page.goto("/soknader/")
    _no_violations(page)
    page.fill("#id_title", "Income mobility across cohorts")
    page.locator("main form button[type=submit]").click()
    # Step 1: project and purpose
    page.fill("#id_purpose", "How income mobility differs between birth cohorts.")
    page.select_option("#id_purpose_statistical", "true")
    page.fill("#id_project_description", "Register-based study.")
    _no_violations(page)
    _save_next(page)
    # Step 2: duration
    page.fill("#id_period_start", "2027-01-01")
    page.fill("#id_period_end", "2029-12-31")
    _save_next(page)
    # Step 3: population, with the as-of date made explicit
    page.select_option("#id_population_kind", "as_of_date")
    page.fill("#id_population_criteria", "Everyone resident in Norway")
    page.fill("#id_population_as_of", "2019-01-01")
    _save_next(page)
    # Step 4: data and variables
    page.fill("#id_data_sources", "Population register 2019–2020")
    _save_next(page)
    page.goto(page.url.replace("/legal/", "/data/"))
    page.fill("#id_names", "BEFOLKNING_KJOENN")
    page.locator("form[action$='/variabler/'] button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text("BEFOLKNING_KJOENN")
    page.goto(page.url.replace("/data/", "/legal/"))
    # Step 5: storage and legal basis
    page.select_option("#id_storage_location", "tsd")
    page.select_option("#id_gdpr_art6", "e")
    page.select_option("#id_dpia_route", "negative")
    page.fill("#id_dpia_reason", "Pseudonymised register data, low risk.")
    _save_next(page)
    _save_next(page)  # linkage: nothing to link
    # Members
    page.fill("#id_full_name", "Per Deltaker")
    page.fill("#id_email", staff["member"].email)
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("main table")).to_contain_text("Per Deltaker")
    # Attachments
    page.goto(page.url.replace("/members/", "/attachments/"))
    for kind, name in (("project_description", "protocol.pdf"), ("permit_dpo", "dpo.pdf")):
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", {"name": name, "mimeType": "application/pdf", "buffer": PDF})
        page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("main table")).to_contain_text("dpo.pdf")
    _no_violations(page)
    # The pre-check is clean, and the application is submitted.
    page.goto(page.url.replace("/attachments/", "/check/"))
    expect(page.locator("main")).to_contain_text("found nothing to fix")
    _no_violations(page)
    page.locator("#submit-application").click()
    expect(page.locator("#case-state")).to_contain_text("Submitted")
    _no_violations(page)
    application = Application.objects.get(title="Income mobility across cohorts")

    legal = new_page("en")
    sign_in(legal, staff["legal"].email, staff=True)
    legal.goto("/soknader/saksbehandling/")
    expect(legal.locator("main")).to_contain_text("Income mobility across cohorts")
    _no_violations(legal)
    legal.goto(f"/soknader/{application.pk}/")
    run_command(legal, "take_legal_review")
    run_command(legal, "pass_legal_review")
    expect(legal.locator("#case-state")).to_contain_text("waiting for a case officer")

    head = new_page("en")
    sign_in(head, staff["head"].email, staff=True)
    head.goto(f"/soknader/{application.pk}/")
    run_command(head, "assign", {"select:#id_assign-case_officer": str(staff["officer"].pk)})
    expect(head.locator("#case-state")).to_contain_text("With a case officer")

    officer = new_page("en")
    sign_in(officer, staff["officer"].email, staff=True)
    officer.goto(f"/soknader/{application.pk}/")
    _no_violations(officer)
    run_command(officer, "grant_access", {"#id_grant_access-deletion_deadline": "2030-06-30"})
    expect(officer.locator("#case-state")).to_contain_text("Access granted")

    page.goto(f"/soknader/{application.pk}/")
    expect(page.locator("main")).to_contain_text("Decision: access granted")
    assert page.locator("a[href*='/vedtak/']").count() == 1


def test_refusal_and_appeal(new_page, staff, catalog, transactional_db):  # noqa: F811
    application = complete_draft(staff, catalog)
    from tests.applications.conftest import run
    from tilgang.applications.lifecycle import Command

    with transaction.atomic():
        run(staff["applicant"], application, Command.SUBMIT)

    legal = new_page("en")
    sign_in(legal, staff["legal"].email, staff=True)
    legal.goto(f"/soknader/{application.pk}/")
    run_command(legal, "take_legal_review")
    run_command(legal, "refuse", {"#id_refuse-reasons": ""}, refused=True)
    # Refused without reasons: one message at the top, the error once, in the open form's summary, focused.
    expect(legal.locator("main > .ds-alert").first).to_contain_text("“Refuse access” was not done")
    expect(legal.locator("details[open] .ds-alert")).to_contain_text("Reasons: This field is required.")
    expect(legal.locator("details[open] .ds-alert")).to_be_focused()
    expect(legal.locator("#id_refuse-reasons")).to_be_visible()  # the form stays open at the error
    legal.fill("#id_refuse-reasons", "There is no legal basis for the special categories.")
    run_command(legal, "refuse")
    expect(legal.locator("#case-state")).to_contain_text("Refused")

    applicant = new_page("en")
    sign_in(applicant, staff["applicant"].email)
    applicant.goto(f"/soknader/{application.pk}/")
    expect(applicant.locator("main")).to_contain_text("no legal basis for the special categories")
    _no_violations(applicant)
    run_command(applicant, "appeal", {"#id_appeal-grounds": "The art. 9 basis is in the attached permit."})
    expect(applicant.locator("#case-state")).to_contain_text("Appealed")

    legal.goto(f"/soknader/{application.pk}/")
    run_command(legal, "reverse", {"#id_reverse-reasons": "The permit covers the data."})
    expect(legal.locator("#case-state")).to_contain_text("reversed")
    applicant.goto(f"/soknader/{application.pk}/")
    expect(applicant.locator("main")).to_contain_text("Refusal reversed")


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_main_pages_are_accessible_in_every_language(language, new_page, staff, catalog, transactional_db):  # noqa: F811
    application = complete_draft(staff, catalog)
    page = new_page(language)
    page.goto("/soknader/prosjektregister/")
    _no_violations(page)
    sign_in(page, staff["applicant"].email)
    for path in ("/soknader/", f"/soknader/{application.pk}/", f"/soknader/{application.pk}/steg/data/",
                 f"/soknader/{application.pk}/steg/members/", f"/soknader/{application.pk}/steg/check/"):  # fmt: skip
        page.goto(path)
        _no_violations(page)
    # A step showing its errors.
    page.goto(f"/soknader/{application.pk}/steg/period/")
    page.fill("#id_period_start", "2030-01-01")
    page.fill("#id_period_end", "2029-01-01")
    page.locator("button[name=save]").click()
    assert page.locator(".ds-alert[data-color=danger]").count() == 1
    _no_violations(page)
    officer = new_page(language)
    sign_in(officer, staff["officer"].email, staff=True)
    officer.goto("/soknader/saksbehandling/")
    _no_violations(officer)


def test_data_step_keeps_what_is_typed(new_page, staff, catalog, transactional_db):  # noqa: F811
    """The walkthrough's lost variables: one form for the step, a bad name flagged at its field."""
    with transaction.atomic():
        application = complete_draft(staff, catalog)
    page = new_page("nb")
    sign_in(page, staff["applicant"].email)
    page.goto(f"/soknader/{application.pk}/steg/data/")
    page.fill("#id_names", "BEFOLKNING_KJOENN\nFOOBAR_X")
    _save_next(page)
    expect(page.locator("#id_names_error")).to_contain_text("FOOBAR_X")
    expect(page.locator("#id_names")).to_have_value("BEFOLKNING_KJOENN\nFOOBAR_X")
    _no_violations(page)
    page.fill("#id_names", "BEFOLKNING_KJOENN\nBEFOLKNING_FOEDSELSDATO")
    _save_next(page)
    expect(page).to_have_url(f"{page.url.split('/soknader/')[0]}/soknader/{application.pk}/steg/legal/")
    page.goto(f"/soknader/{application.pk}/steg/data/")
    expect(page.locator("main table")).to_contain_text("BEFOLKNING_FOEDSELSDATO")


def test_work_list_and_summary_for_staff(new_page, staff, catalog, transactional_db):  # noqa: F811
    from tests.applications.conftest import run
    from tilgang.applications.lifecycle import Command

    with transaction.atomic():
        application = complete_draft(staff, catalog)
        run(staff["applicant"], application, Command.SUBMIT)
        run(staff["legal"], application, Command.TAKE_LEGAL_REVIEW)
    legal = new_page("nb")
    sign_in(legal, staff["legal"].email, staff=True)
    legal.goto("/soknader/saksbehandling/")
    legal.click("#work-views a[href*='view=mine']")
    expect(legal.locator("#work-list")).to_contain_text(application.title)
    legal.fill("#work-q", "finnes ikke")
    legal.locator("#work-filter button[type=submit]").click()
    expect(legal.locator("main")).not_to_contain_text(application.title)
    _no_violations(legal)
    legal.goto(f"/soknader/{application.pk}/")
    legal.click("#read-application")
    expect(legal.locator("#application-summary")).to_contain_text("BEFOLKNING_KJOENN")
    _no_violations(legal)
