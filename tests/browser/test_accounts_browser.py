"""In a real browser: invitation → password → sign-in, forgotten password, staff TOTP, language, axe."""

from __future__ import annotations

import re

import pyotp
import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, outbox_link
from tests.conftest import PASSWORD
from tilgang.accounts.models import TotpDevice
from tilgang.core.crypto import seal
from tilgang.core.demo import DEMO_TOTP_SECRET

NEW_PASSWORD = "min nye passordsetning er lang nok"


@pytest.fixture
def admin(make_user):
    user = make_user("administrator", email="admin@example.org", full_name="Ada Admin", language="en")
    with transaction.atomic():
        TotpDevice.objects.create(
            user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
    return user


def _totp_code(offset: int = 0) -> str:
    return pyotp.TOTP(DEMO_TOTP_SECRET).at(timezone.now().timestamp() + offset)


def sign_in(page, email, password=PASSWORD, code=None):
    page.goto("/konto/logg-inn/")
    page.fill("#id_email", email)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    if code is not None:
        page.fill("#id_code", code)
        page.locator("main form button[type=submit]").click()


def test_invitation_to_password_to_sign_in(admin, new_page, transactional_db):
    staff = new_page("en")
    sign_in(staff, admin.email, code=_totp_code())
    staff.goto("/konto/inviter/")
    staff.fill("#id_full_name", "Kari Nordmann")
    staff.fill("#id_email", "kari@example.org")
    staff.select_option("#id_language", "en")
    staff.locator("main form button[type=submit]").click()
    expect(staff.locator(".ds-alert")).to_contain_text("invitation was sent")

    person = new_page("en")
    person.goto(outbox_link(person, "kari@example.org", "/konto/invitasjon/"))
    person.locator("main form button[type=submit]").click()
    expect(person.locator("h1")).to_contain_text("Check your e-mail")

    person.goto(outbox_link(person, "kari@example.org", "/konto/passord/"))
    person.fill("#id_password", "too short")
    person.fill("#id_password_again", "too short")
    person.locator("main form button[type=submit]").click()
    expect(person.locator("#id_password_error")).to_contain_text("at least 15 characters")
    person.fill("#id_password", NEW_PASSWORD)
    person.fill("#id_password_again", NEW_PASSWORD)
    person.locator("main form button[type=submit]").click()
    sign_in(person, "kari@example.org", NEW_PASSWORD)
    expect(person.locator("h1")).to_contain_text("Welcome, Kari Nordmann")


def test_forgotten_password(make_user, page, transactional_db):
    make_user(email="glemsk@example.org", full_name="Glemsk Person", language="nb")
    page.goto("/konto/passord/glemt/")
    page.fill("#id_email", "glemsk@example.org")
    page.locator("main form button[type=submit]").click()
    page.goto(outbox_link(page, "glemsk@example.org", "/konto/passord/"))
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    sign_in(page, "glemsk@example.org", NEW_PASSWORD)
    assert page.locator("h1").inner_text().startswith(("Velkommen", "Welcome"))


def test_staff_sign_in_needs_the_right_totp_code(admin, new_page, transactional_db):
    page = new_page("en")
    sign_in(page, admin.email, code="000000")
    expect(page.locator("#id_code_error")).to_contain_text("wrong")
    page.fill("#id_code", _totp_code())
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Welcome, Ada Admin")


def test_too_many_attempts_are_throttled(make_user, new_page, settings, transactional_db):
    settings.LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    make_user(email="throttled@example.org")
    page = new_page("en")
    for _ in range(2):
        sign_in(page, "throttled@example.org", "wrong password, wrong password")
    sign_in(page, "throttled@example.org")
    expect(page.locator(".ds-alert")).to_contain_text("Too many failed sign-ins")


def test_language_switch(page, transactional_db):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "nb"
    page.get_by_role("button", name="Norsk nynorsk").click()
    assert page.locator("html").get_attribute("lang") == "nn"
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Access to microdata"


def test_expired_link_says_so(make_user, page, transactional_db):
    make_user(email="sen@example.org")
    page.goto("/konto/passord/glemt/")
    page.fill("#id_email", "sen@example.org")
    page.locator("main form button[type=submit]").click()
    link = outbox_link(page, "sen@example.org", "/konto/passord/")
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        page.goto(link)
        assert page.locator("[role=alert]").is_visible()


MAIN_PAGES_PUBLIC = ["/", "/konto/logg-inn/", "/konto/passord/glemt/", "/tilgjengelighet/", "/utboks/"]
MAIN_PAGES_STAFF = [
    "/konto/profil/",
    "/konto/inviter/",
    "/revisjon/",
    "/institusjoner/",
    "/institusjoner/ny/",
]


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_main_pages_have_no_serious_accessibility_violations(admin, new_page, language, transactional_db):
    page = new_page(language)
    for path in MAIN_PAGES_PUBLIC:
        page.goto(path)
        assert axe_violations(page) == [], path
    sign_in(page, admin.email, code=_totp_code())
    for path in MAIN_PAGES_STAFF:
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto("/konto/inviter/")
    page.locator("main form button[type=submit]").click()  # empty form: errors must be accessible too
    assert axe_violations(page) == []
    assert re.search(r"(required|påkrevd|obligatorisk|må fyllast|må fylles)", page.content(), re.I)
