"""Download window (DOMAIN R-CASE-6) and retention (DOMAIN R-FX-5) with a travelling clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.exchange.conftest import send_package
from tilgang.audit.models import AuditEvent
from tilgang.exchange import services
from tilgang.exchange.models import Package, PackageFile
from tilgang.exchange.sweeps import SWEEPS


@pytest.fixture(autouse=True)
def _mail_to_locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_R_CASE_6_downloadable_for_14_days_from_notification(officer, researcher, client_for):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        package = send_package(officer, researcher, {"a.csv": b"1,2\n"})
    assert package.available_until == start + timedelta(days=14)
    with time_machine.travel(start + timedelta(days=13, hours=23), tick=False):
        assert client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/").status_code == 200
    with time_machine.travel(start + timedelta(days=14, seconds=1), tick=False):
        response = client_for(researcher).get(
            f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Accept-Language": "en"}
        )
        assert response.status_code == 410
        assert "download window of this package closed" in response.content.decode()
        page = (
            client_for(researcher)
            .get(f"/filsluse/pakke/{package.pk}/", headers={"Accept-Language": "en"})
            .content.decode()
        )
        assert "Expired" in page and 'id="download"' not in page and "Ask the sender to reopen it" in page


def test_R_CASE_6_window_is_configurable_per_package(officer, researcher):
    package = send_package(officer, researcher, {"a.csv": b"1"}, download_days=3)
    assert package.available_until - package.sent_at == timedelta(days=3)


def test_R_CASE_6_recipient_asks_and_sender_reopens(
    officer, researcher, client_for, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        package = send_package(officer, researcher, {"a.csv": b"1"})
    later = start + timedelta(days=20)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(researcher).post(f"/filsluse/pakke/{package.pk}/be-om-gjenapning/")
        assert response.status_code == 302
        assert any(m.to == [officer.email] and "reopen" in m.subject.lower() for m in mail.outbox)
        with pytest.raises(services.ExchangeError, match="already asked"):
            services.package_reopen_request(actor=researcher, package=package)
        with django_capture_on_commit_callbacks(execute=True):
            client_for(officer).post(f"/filsluse/pakke/{package.pk}/gjenapne/", {"days": 5})
        package.refresh_from_db()
        assert package.available_until == later + timedelta(days=5)
        assert client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/").status_code == 200
    assert {"exchange.package.reopen_requested", "exchange.package.reopened"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_only_sender_or_case_staff_can_reopen(officer, researcher, make_user):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    with pytest.raises(services.NotYours):
        services.package_reopen(actor=researcher, package=package)
    other_officer = make_user("case_officer")
    services.package_reopen(actor=other_officer, package=package, days=2)


def _stored(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()]


def test_R_FX_5_no_file_survives_six_months(officer, researcher, settings, client_for):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = send_package(officer, researcher, {"a.csv": b"1,2\n" * 100, "b.csv": b"3\n"})
    with time_machine.travel(start + timedelta(days=40), tick=False):
        second = send_package(officer, researcher, {"c.csv": b"4\n"})
        draft = services.package_create(
            sender=officer,
            recipients=[researcher.email],
            subject="never sent",
            case_reference="9",
            files=[("d.csv", __import__("io").BytesIO(b"5\n"))],
        )
    assert len(_stored(settings)) == 6  # 4 files + 2 archives
    with time_machine.travel(start + timedelta(days=150), tick=False):
        assert sum(sweep(timezone.now()) for sweep in SWEEPS) == 0
    six_months = services.add_months(start, 6)
    with time_machine.travel(six_months + timedelta(seconds=1), tick=False):
        acted = sum(sweep(timezone.now()) for sweep in SWEEPS)
        assert acted == 3  # the first package's two files and its archive
        assert sum(sweep(timezone.now()) for sweep in SWEEPS) == 0  # idempotent
        response = client_for(researcher).get(
            f"/filsluse/pakke/{first.pk}/last-ned/", headers={"Accept-Language": "en"}
        )
        assert response.status_code == 410 and "were deleted" in response.content.decode()
    with time_machine.travel(
        services.add_months(start + timedelta(days=40), 6) + timedelta(seconds=1), tick=False
    ):
        for sweep in SWEEPS:
            sweep(timezone.now())
    assert _stored(settings) == []
    # metadata and audit events stay
    assert PackageFile.objects.filter(package=first).count() == 2
    assert all(f.deleted_at for f in PackageFile.objects.filter(package__in=[first, second]))
    assert Package.objects.get(pk=first.pk).archive_deleted_at is not None
    assert Package.objects.get(pk=first.pk).password_wrapped == ""
    assert AuditEvent.objects.filter(action="exchange.file.deleted").count() == 4
    assert AuditEvent.objects.filter(action="exchange.archive.deleted").count() == 2
    assert not Package.objects.filter(pk=draft.pk).exists()


def test_R_FX_5_archive_never_outlives_its_oldest_file(officer, researcher):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        package = services.package_create(
            sender=officer,
            recipients=[researcher.email],
            subject="x",
            case_reference="1",
            files=[("a.csv", __import__("io").BytesIO(b"1"))],
        )
    with time_machine.travel(start + timedelta(days=30), tick=False):
        package = services.package_send(actor=officer, package=package)
    assert package.archive_delete_due_at == services.add_months(start, 6)
    with time_machine.travel(start + timedelta(days=179), tick=False):
        reopened = services.package_reopen(actor=officer, package=package, days=30)
    assert reopened.available_until <= package.archive_delete_due_at
