"""The whole journey in a real browser (issue 9), as docs/journey.md tells it: invitation → application with
attachments → legal review → decision → offer → acceptance with signatures → order → extraction → delivery →
download and opening with 7-Zip using the SMS password → check against the order → project change with
updated figures (the same running numbers) → deletion confirmed → closed; the audit chain verifies.

With ``TILGANG_SCREENSHOTS=docs/img`` the test saves the walkthrough's screenshots there.
"""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest
from django.db import transaction
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, outbox_link
from tests.browser.test_applications_browser import _with_totp, run_command, sign_in
from tests.browser.test_exchange_browser import newest_sms, seven_zip
from tests.preparation.helpers import PDF, make_people, make_registers, setup_office

RESEARCHER_PASSWORD = "en lang nok passordsetning for hele reisen"  # noqa: S105
SHOTS = os.environ.get("TILGANG_SCREENSHOTS", "")


@pytest.fixture(scope="module")
def registers(tmp_path_factory):
    return make_registers(tmp_path_factory.mktemp("journey-browser-registers") / "reg")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"journey-{name}.png"), full_page=True)


def clean(page) -> None:
    assert axe_violations(page) == []


def _download_and_open(page, package_link: str, mobile: str, into: Path) -> Path:
    page.goto(package_link)
    with page.expect_download() as download_info:
        page.locator("#download").click()
    archive = into.with_suffix(".7z")
    download_info.value.save_as(archive)
    password = newest_sms(page, mobile)
    result = subprocess.run([seven_zip(), "x", "-y", f"-p{password}", f"-o{into}", str(archive)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return into


def _persons(folder: Path) -> dict[str, tuple[str, str]]:
    with (folder / "PERSONS.csv").open(encoding="utf-8") as handle:
        return {r["LOPENR"]: (r["BEFOLKNING_KJOENN"], r["BEFOLKNING_FOEDSELSAAR"])
                for r in csv.DictReader(handle, delimiter=";")}  # fmt: skip


def test_journey_browser(new_page, make_user, settings, registers, tmp_path, transactional_db):
    from tilgang.accounts.services import invitation_create
    from tilgang.applications.models import Application
    from tilgang.audit.selectors import audit_chain_verify
    from tilgang.offers.models import Offer
    from tilgang.preparation.models import DataOrder, Delivery

    with transaction.atomic():
        setup_office(settings, registers, tmp_path / "work")
        people = make_people(make_user)
        _with_totp(people["legal"], people["officer"], people["head"])
        # The researcher of this journey is invited; the people made above keep other addresses.
        invitation_create(invited_by=people["head"], email="frida@uio.example", full_name="Frida Forsker",
                          language="en", institution=people["institution"])  # fmt: skip

    # 1. The invitation: two e-mailed links, a password, a mobile number for the SMS passwords.
    researcher = new_page("en")
    researcher.goto(outbox_link(researcher, "frida@uio.example", "/konto/invitasjon/"))
    researcher.locator("main form button[type=submit]").click()
    researcher.goto(outbox_link(researcher, "frida@uio.example", "/konto/passord/"))
    researcher.fill("#id_password", RESEARCHER_PASSWORD)
    researcher.fill("#id_password_again", RESEARCHER_PASSWORD)
    researcher.locator("main form button[type=submit]").click()
    sign_in(researcher, "frida@uio.example", RESEARCHER_PASSWORD)
    researcher.goto("/konto/profil/mobil/")
    researcher.fill("#id_mobile", "+47 912 34 567")
    researcher.locator("main form button[type=submit]").click()

    # 2. The application with attachments.
    researcher.goto("/soknader/")
    researcher.fill("#id_title", "Income over the life course")
    researcher.locator("main form button[type=submit]").click()
    researcher.fill("#id_purpose", "How income differs between birth cohorts.")
    researcher.select_option("#id_purpose_statistical", "true")
    researcher.fill("#id_project_description", "Register-based study.")
    researcher.locator("button[name=save_next]").click()
    researcher.fill("#id_period_start", "2027-01-01")
    researcher.fill("#id_period_end", "2029-12-31")
    researcher.locator("button[name=save_next]").click()
    researcher.select_option("#id_population_kind", "as_of_date")
    researcher.fill("#id_population_criteria", "Everyone resident in Norway")
    researcher.fill("#id_population_as_of", "2020-01-01")
    researcher.locator("button[name=save_next]").click()
    researcher.fill("#id_data_sources", "Population register and income 2019")
    researcher.locator("button[name=save_next]").click()
    researcher.goto(researcher.url.replace("/legal/", "/data/"))
    researcher.fill("#id_names", "BEFOLKNING_KJOENN\nBEFOLKNING_FOEDSELSAAR\nINNTEKT_WLONN: 2019")
    researcher.locator("form[action$='/variabler/'] button[type=submit]").click()
    expect(researcher.locator("main table")).to_contain_text("INNTEKT_WLONN")
    researcher.goto(researcher.url.replace("/data/", "/legal/"))
    researcher.select_option("#id_storage_location", "tsd")
    researcher.select_option("#id_gdpr_art6", "e")
    researcher.select_option("#id_dpia_route", "negative")
    researcher.fill("#id_dpia_reason", "Pseudonymised register data, low risk.")
    researcher.locator("button[name=save_next]").click()
    researcher.locator("button[name=save_next]").click()
    for name, email, role in (("Per Deltaker", people["member"].email, "project_member"),
                              ("Liv Leder", people["signatory"].email, "signatory")):  # fmt: skip
        researcher.fill("#id_full_name", name)
        researcher.fill("#id_email", email)
        if researcher.locator("#id_role").count():
            researcher.select_option("#id_role", role)
        researcher.locator("main form button[type=submit]").last.click()
    researcher.goto(researcher.url.replace("/members/", "/attachments/"))
    for kind, name in (("project_description", "protocol.pdf"), ("permit_dpo", "dpo.pdf")):
        researcher.select_option("#id_kind", kind)
        researcher.set_input_files("#id_file", {"name": name, "mimeType": "application/pdf", "buffer": PDF})
        researcher.locator("main form[enctype] button[type=submit]").click()
    researcher.goto(researcher.url.replace("/attachments/", "/check/"))
    researcher.locator("#submit-application").click()
    expect(researcher.locator("#case-state")).to_contain_text("Submitted")
    application = Application.objects.get(title="Income over the life course")
    assert application.members.filter(role="signatory").exists()

    # 3. Legal review, assignment, the decision.
    legal = new_page("en")
    sign_in(legal, people["legal"].email, staff=True)
    legal.goto(f"/soknader/{application.pk}/")
    run_command(legal, "take_legal_review")
    run_command(legal, "pass_legal_review")
    head = new_page("en")
    sign_in(head, people["head"].email, staff=True)
    head.goto(f"/soknader/{application.pk}/")
    run_command(head, "assign", {"select:#id_assign-case_officer": str(people["officer"].pk)})
    officer = new_page("en")
    sign_in(officer, people["officer"].email, staff=True)
    officer.goto(f"/soknader/{application.pk}/")
    run_command(officer, "grant_access", {"#id_grant_access-deletion_deadline": "2030-03-31"})
    expect(officer.locator("#case-state")).to_contain_text("Access granted")

    # 4. The offer; acceptance, declarations and the signature (R-CASE-4).
    officer.goto(f"/tilbud/sak/{application.pk}/")
    officer.locator("#offer-create").click()
    officer.locator("#offer-send").click()
    offer = Offer.objects.get(application=application)
    researcher.goto(f"/tilbud/{offer.pk}/")
    researcher.fill("#id_accept-invoice_address", "Universitetet i Oslo\nPostboks 1072 Blindern\n0316 Oslo")
    researcher.fill("#id_accept-order_reference", "UIO-2027-17")
    researcher.select_option("#id_accept-signatory", str(application.members.get(role="signatory").pk))
    researcher.locator("#offer-accept").click()
    researcher.check("#id_declaration-confirm")
    researcher.locator("#declaration-sign").click()
    for who in ("member", "signatory"):
        person = new_page("en")
        sign_in(person, people[who].email)
        person.goto(f"/tilbud/{offer.pk}/")
        person.check("#id_declaration-confirm")
        person.locator("#declaration-sign").click()
    signatory = person
    signatory.locator("#go-sign").click()
    signatory.check("#id_sign-confirm")
    signatory.locator("#sign-button").click()
    expect(signatory.locator("#case-state")).to_contain_text("Agreement signed")

    # 5. The case officer makes the order from the application, chooses minimisation, runs a dry run.
    officer.goto("/uttrekk/")
    shot(officer, "01-worklist")
    clean(officer)
    officer.locator(f"a[href='/uttrekk/sak/{application.pk}/']").click()
    shot(officer, "02-case-ready")
    clean(officer)
    officer.locator("#order-create").click()
    order = DataOrder.objects.get(application=application)
    officer.select_option("#id_min_INNTEKT_WLONN", "deciles")
    officer.locator("#order-save").click()
    expect(officer.locator("#population")).to_contain_text("Resident in Norway on 2020-01-01")
    shot(officer, "03-order")
    clean(officer)
    officer.locator("#dry-run-start").click()
    assert officer.locator("#job-state").get_attribute("data-status") == "succeeded"
    officer.locator("#back-to-order").click()
    expect(officer.locator("#dry-run")).to_contain_text("Persons in the population")
    shot(officer, "04-dry-run")

    # 6. The extraction as a background job; the officer reviews the guard and the codebook, and delivers.
    officer.locator("#extract-start").click()
    assert officer.locator("#job-state").get_attribute("data-status") == "succeeded"
    shot(officer, "05-job-done")
    clean(officer)
    officer.locator("#back-to-order").click()
    expect(officer.locator("#guard-passed")).to_contain_text("Passed")
    expect(officer.locator("#extraction-files")).to_contain_text("codebook.json")
    shot(officer, "06-review")
    clean(officer)
    officer.check("#disclosure-assessed")
    officer.locator("#deliver").click()
    assert Delivery.objects.filter(order=order).exists()
    assert "Delivered" in Application.objects.get(pk=application.pk).get_state_display()

    # 7. The researcher downloads the package and opens it with 7-Zip and the SMS password.
    package_link = outbox_link(researcher, "frida@uio.example", "/filsluse/pakke/")
    first = _download_and_open(researcher, package_link, "+4791234567", tmp_path / "first")
    assert (first / "MANIFEST.json").exists() and (first / "PERSONS.csv").exists()

    # 8. The check against the order, side by side with the codebook.
    researcher.goto(outbox_link(researcher, "frida@uio.example", "/uttrekk/levering/"))
    expect(researcher.locator("#order-side")).to_contain_text("INNTEKT_WLONN")
    expect(researcher.locator("#codebook-INCOME")).to_contain_text("INNTEKT_WLONN")
    shot(researcher, "07-check-against-order")
    clean(researcher)
    researcher.locator("#delivery-check").click()
    assert researcher.locator("#checked").count() == 1
    assert Application.objects.get(pk=application.pk).state == "active"

    # 9. A project change with updated figures: the change agreement, a new order, the same running numbers.
    researcher.goto(f"/soknader/{application.pk}/")
    researcher.locator("details:has(button[data-command=request_change]) summary").click()
    researcher.check("input[name='request_change-kinds'][value='updated_figures']")
    researcher.fill("#id_request_change-description", "Add the 2020 income figures.")
    researcher.locator("button[data-command=request_change]").click()
    officer.goto(f"/tilbud/sak/{application.pk}/")
    officer.locator("#offer-create").click()
    officer.locator("#offer-send").click()
    change = Offer.objects.get(application=application, kind="change")
    signatory.goto(f"/tilbud/{change.pk}/")
    signatory.locator("#go-sign").click()
    signatory.check("#id_sign-confirm")
    signatory.locator("#sign-button").click()
    officer.goto(f"/uttrekk/sak/{application.pk}/")
    officer.locator("#order-create").click()
    officer.fill("#id_years_INNTEKT_WLONN", "2019-2020")
    officer.locator("#order-save").click()
    shot(officer, "08-change-order")
    officer.locator("#extract-start").click()
    officer.locator("#back-to-order").click()
    officer.check("#disclosure-assessed")
    officer.locator("#deliver").click()
    second_link = outbox_link(researcher, "frida@uio.example", "/filsluse/pakke/")
    assert second_link != package_link
    second = _download_and_open(researcher, second_link, "+4791234567", tmp_path / "second")
    assert _persons(first) == _persons(second)  # DOMAIN R-PSEUDO-1

    # 10. Deletion confirmed with the case reference; the officer closes the case.
    researcher.goto(f"/uttrekk/sak/{application.pk}/")
    researcher.fill("#id_case_reference", application.case_number)
    researcher.check("#id_confirm")
    shot(researcher, "09-deletion")
    clean(researcher)
    researcher.locator("#deletion-confirm").click()
    assert researcher.locator("#deletion-confirmed").count() == 1
    officer.goto(f"/uttrekk/sak/{application.pk}/")
    officer.locator("#case-close").click()
    expect(officer.locator("#case-state")).to_contain_text("Closed")
    shot(officer, "10-closed")

    # The head of section sees the key figures.
    head.goto("/uttrekk/nokkeltall/")
    expect(head.locator("main")).to_contain_text("Cases by state")
    shot(head, "11-key-figures")
    clean(head)
    count, finding = audit_chain_verify()
    assert finding is None and count > 50
