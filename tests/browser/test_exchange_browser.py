"""The file exchange in a real browser: an invited user receives a package, downloads it, gets the
password by SMS and the real 7-Zip opens it; a user sends a package to staff with a case reference;
an expired package refuses download; the main pages pass axe."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pyotp
import time_machine
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, outbox_link
from tests.conftest import PASSWORD
from tests.exchange.conftest import send_package, seven_zip
from tilgang.accounts.models import TotpDevice
from tilgang.accounts.services import invitation_create
from tilgang.core.crypto import seal
from tilgang.core.demo import DEMO_TOTP_SECRET

NEW_PASSWORD = "en lang og god passordsetning for testen"
CSV = "lopenr,alder,kommune\n1,34,0301\n2,51,4601\n"


def _officer(make_user):
    user = make_user(
        "case_officer", email="saksbehandler@tilgang.example", full_name="Siri Saksbehandler", language="en"
    )
    with transaction.atomic():
        TotpDevice.objects.create(
            user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
    return user


def sign_in(page, email, password=PASSWORD, staff=False, next_url=""):
    page.goto(f"/konto/logg-inn/{'?next=' + next_url if next_url else ''}")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    if staff:
        page.fill("#id_code", pyotp.TOTP(DEMO_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").click()


def newest_sms(page, mobile: str) -> str:
    page.goto(f"/utboks/?til={mobile.replace('+', '%2B')}")
    body = page.locator(".outbox-message[data-channel=sms] .message-body").first.inner_text()
    return re.search(r"\b(?:[a-z2-9]{5}-){4}[a-z2-9]{5}\b", body).group(0)


def test_invited_user_receives_downloads_and_opens_package(
    make_user, new_page, tmp_path, settings, transactional_db
):
    settings.EXCHANGE_SPOOL_DIR = str(tmp_path / "spool")
    officer = _officer(make_user)
    invitation_create(
        invited_by=officer, email="ny.forsker@uio.example", full_name="Nora Forsker", language="en"
    )

    person = new_page("en")
    person.goto(outbox_link(person, "ny.forsker@uio.example", "/konto/invitasjon/"))
    person.locator("main form button[type=submit]").click()
    person.goto(outbox_link(person, "ny.forsker@uio.example", "/konto/passord/"))
    person.fill("#id_password", NEW_PASSWORD)
    person.fill("#id_password_again", NEW_PASSWORD)
    person.locator("main form button[type=submit]").click()
    sign_in(person, "ny.forsker@uio.example", NEW_PASSWORD)
    person.goto("/konto/profil/mobil/")
    person.fill("#id_mobile", "+47 912 34 567")
    person.locator("main form button[type=submit]").click()

    # the case officer sends a package through the portal
    staff = new_page("en")
    sign_in(staff, officer.email, staff=True)
    staff.goto("/filsluse/ny/")
    assert axe_violations(staff) == []
    staff.fill("#id_recipients", "ny.forsker@uio.example")
    staff.fill("#id_case_reference", "24/01234")
    staff.fill("#id_subject", "Delivery for project 24/01234")
    staff.set_input_files(
        "#id_files", files=[{"name": "persons.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    staff.locator("main form button[type=submit]").click()
    expect(staff.locator(".ds-alert").first).to_contain_text("The package was sent")

    # the e-mail "New package is waiting" links to the package, without the password
    link = outbox_link(person, "ny.forsker@uio.example", "/filsluse/pakke/")
    email_body = person.locator(".outbox-message .message-body").first.inner_text()
    expect(person.locator(".outbox-message .subject").first).to_contain_text("New package is waiting")
    person.goto(link)
    assert axe_violations(person) == []
    expect(person.locator("#files")).to_contain_text("persons.csv")
    with person.expect_download() as download_info:
        person.locator("#download").click()
    archive = tmp_path / "package.7z"
    download_info.value.save_as(archive)

    password = newest_sms(person, "+4791234567")
    assert password not in email_body
    result = subprocess.run(
        [seven_zip(), "x", "-y", f"-p{password}", f"-o{tmp_path / 'out'}", str(archive)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "out" / "persons.csv").read_text() == CSV
    person.goto(link)
    expect(person.locator("#password-sent")).to_contain_text("The password was sent by SMS")
    person.goto("/filsluse/")
    expect(person.locator("#packages")).to_contain_text("Delivery for project 24/01234")
    assert axe_violations(person) == []


def test_user_sends_package_with_case_reference_to_staff(
    make_user, new_page, tmp_path, settings, transactional_db
):
    settings.EXCHANGE_SPOOL_DIR = str(tmp_path / "spool")
    officer = _officer(make_user)
    make_user(email="forsker@uio.example", full_name="Frida Forsker", language="en", mobile="+4791234567")
    page = new_page("en")
    sign_in(page, "forsker@uio.example")
    page.goto("/filsluse/ny/")
    page.locator("main form button[type=submit]").click()  # empty: errors must be accessible too
    assert axe_violations(page) == []
    page.fill("#id_recipients", officer.email)
    page.fill("#id_case_reference", "24/04321")
    page.fill("#id_subject", "Third-party data for 24/04321")
    page.set_input_files(
        "#id_files", files=[{"name": "nav.csv", "mimeType": "text/csv", "buffer": b"id;ytelse\n1;2\n"}]
    )
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-alert").first).to_contain_text("The package was sent")
    page.goto("/filsluse/sendt/")
    expect(page.locator("#packages")).to_contain_text("Third-party data for 24/04321")
    assert axe_violations(page) == []

    staff = new_page("en")
    sign_in(staff, officer.email, staff=True)
    staff.goto("/filsluse/sak/?reference=24/04321")
    expect(staff.locator("#packages")).to_contain_text("Third-party data for 24/04321")
    assert axe_violations(staff) == []
    staff.goto("/filsluse/")
    expect(staff.locator("#packages")).to_contain_text("Third-party data for 24/04321")


def test_expired_package_refuses_download(make_user, new_page, tmp_path, settings, transactional_db):
    settings.EXCHANGE_SPOOL_DIR = str(tmp_path / "spool")
    officer = _officer(make_user)
    researcher = make_user(
        email="forsker@uio.example", full_name="Frida Forsker", language="en", mobile="+4791234567"
    )
    package = send_package(officer, researcher, {"a.csv": b"1,2\n"})
    page = new_page("en")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        sign_in(page, researcher.email)
        page.goto(f"/filsluse/pakke/{package.pk}/")
        expect(page.locator("#download-problem")).to_contain_text("closed")
        assert page.locator("#download").count() == 0
        assert axe_violations(page) == []
        response = page.goto(f"/filsluse/pakke/{package.pk}/last-ned/")
        assert response.status == 410
        expect(page.locator("#refusal")).to_contain_text("closed")
        page.goto(f"/filsluse/pakke/{package.pk}/")
        page.locator("#reopen-request").click()
        expect(page.locator(".ds-alert").first).to_contain_text("asked to reopen")
