"""An expired approval on an open application: the selector warns, the sweep e-mails administrators."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tilgang.institutions.models import Approval, InstitutionKind
from tilgang.institutions.selectors import approval_warnings
from tilgang.institutions.sweeps import approvals_expiring

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")


def test_R_ELIG_1_expired_approval_is_a_danger_warning(approved):
    old = approved(
        source="office", start=date(2020, 1, 1), end=date(2025, 12, 31), name="Institutt", orgnr="970141669"
    )
    [warning] = approval_warnings(old, date(2026, 2, 1))
    assert (warning.code, warning.level, warning.until) == ("expired", "danger", date(2025, 12, 31))
    assert "expired on 2025-12-31" in warning.message


def test_approval_ending_within_30_days_warns_and_a_later_one_does_not(approved):
    soon = approved(
        source="office", start=date(2020, 1, 1), end=date(2026, 2, 20), name="Institutt", orgnr="970141669"
    )
    [warning] = approval_warnings(soon, date(2026, 2, 1))
    assert (warning.code, warning.level) == ("expiring", "warning")
    assert approval_warnings(soon, date(2026, 1, 1)) == []


def test_unapproved_and_ceased_institutions_warn_and_public_bodies_do_not(institution_factory):
    assert (
        approval_warnings(institution_factory(name="Firma", orgnr="975318648"), date(2026, 1, 1))[0].code
        == "not_approved"
    )
    body = institution_factory(
        name="Bergen kommune", kind=InstitutionKind.PUBLIC_BODY, public_body_category="a", region_code="4601"
    )
    assert approval_warnings(body, date(2026, 1, 1)) == []
    body.ceased_on = date(2025, 1, 1)
    assert approval_warnings(body, date(2026, 1, 1))[0].code == "ceased"
    assert approval_warnings(None, date(2026, 1, 1)) == []


def test_sweep_emails_administrators_once_about_approvals_ending_within_30_days(
    approved, admin, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("case_officer")
    ending = approved(
        source="office",
        start=date(2021, 1, 1),
        end=date(2026, 3, 15),
        name="Senter for analyse",
        orgnr="987654325",
    )
    approved(
        source="office", start=date(2021, 1, 1), end=date(2026, 9, 1), name="Langt unna", orgnr="975318648"
    )
    now = datetime(2026, 3, 1, 8, 0, tzinfo=OSLO)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert approvals_expiring(now) == 1
        assert approvals_expiring(now + timedelta(hours=1)) == 0
    assert [m.to for m in mailoutbox] == [[admin.email]]
    assert (
        "Senter for analyse" in mailoutbox[0].subject and f"/institusjoner/{ending.pk}/" in mailoutbox[0].body
    )
    assert Approval.objects.get(institution=ending).expiry_notice_sent_at is not None


def test_sweep_skips_an_approval_already_followed_by_a_renewal(approved, admin, mailoutbox):
    renewed = approved(
        source="office", start=date(2021, 1, 1), end=date(2026, 3, 15), name="Fornyet", orgnr="987654325"
    )
    Approval.objects.create(
        institution=renewed, source="office", valid_from=date(2026, 3, 16), valid_to=date(2031, 3, 15)
    )
    assert approvals_expiring(datetime(2026, 3, 1, 8, 0, tzinfo=OSLO)) == 0
