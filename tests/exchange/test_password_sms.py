"""The one-time password: SMS only, resend after re-authentication, rate limit, failing gateway."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.exchange.conftest import send_package, sms_password
from tilgang.audit.models import AuditEvent
from tilgang.exchange import services
from tilgang.exchange.models import PackageRecipient
from tilgang.notify.sms import SmsError


@pytest.fixture(autouse=True)
def _mail_to_locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _download(client, package):
    response = client.get(f"/filsluse/pakke/{package.pk}/last-ned/")
    b"".join(response.streaming_content)
    return response


def test_R_FX_3_password_is_high_entropy_and_sent_once_per_first_download(
    officer, researcher, client_for, outbox
):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    _download(client_for(researcher), package)
    _download(client_for(researcher), package)
    assert len(outbox("sms", researcher.mobile)) == 1
    password = sms_password(outbox, researcher.mobile)
    assert len(password.replace("-", "")) == 25
    other = send_package(officer, researcher, {"b.csv": b"2"})
    _download(client_for(researcher), other)
    assert sms_password(outbox, researcher.mobile) != password


def test_R_FX_3_resend_needs_reauthentication(officer, researcher, client, outbox):
    from tilgang.accounts.middleware import SESSION_MFA_OK

    package = send_package(officer, researcher, {"a.csv": b"1"})
    client.force_login(researcher)
    session = client.session
    session[SESSION_MFA_OK] = True
    session.save()  # signed in, but not recently re-authenticated
    response = client.post(f"/filsluse/pakke/{package.pk}/passord/")
    assert response.status_code == 302
    assert response["Location"] == f"/konto/bekreft/?next=/filsluse/pakke/{package.pk}/"
    assert outbox("sms") == []


def test_R_FX_3_resend_is_rate_limited_and_audited(officer, researcher, client_for, outbox):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    client = client_for(researcher)
    _download(client, package)
    client.post(f"/filsluse/pakke/{package.pk}/passord/")
    client.post(f"/filsluse/pakke/{package.pk}/passord/")
    assert len(outbox("sms", researcher.mobile)) == 3
    response = client.post(
        f"/filsluse/pakke/{package.pk}/passord/", follow=True, headers={"Accept-Language": "en"}
    )
    assert "Wait an hour" in response.content.decode()
    assert len(outbox("sms", researcher.mobile)) == 3
    assert AuditEvent.objects.filter(action="exchange.password.resent").count() == 2


def test_recipient_without_mobile_is_told_to_add_one(officer, make_user, client_for, outbox):
    nomobile = make_user(email="uten@uio.example", language="en")
    package = send_package(officer, nomobile, {"a.csv": b"1"})
    page = (
        client_for(nomobile)
        .get(f"/filsluse/pakke/{package.pk}/", headers={"Accept-Language": "en"})
        .content.decode()
    )
    assert "Add your mobile number" in page
    _download(client_for(nomobile), package)
    assert outbox("sms") == []
    with pytest.raises(services.NoMobile, match="no mobile number"):
        services.package_password_resend(actor=nomobile, package=package)
    nomobile.mobile = "+4798765432"
    nomobile.save()
    services.package_password_resend(actor=nomobile, package=package)
    assert len(outbox("sms", "+4798765432")) == 1


class BrokenGateway:
    def send(self, *, to, text):
        raise SmsError("gateway down")


def test_sms_gateway_failure_is_retried_then_sender_told(
    officer, researcher, client_for, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "tests.exchange.test_password_sms.BrokenGateway"
    package = send_package(officer, researcher, {"a.csv": b"1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = _download(client_for(researcher), package)
    assert response.status_code == 200  # the download itself goes on
    from tilgang.notify.models import SmsDelivery

    delivery = SmsDelivery.objects.get(purpose="exchange.password")
    assert delivery.attempts == 3 and delivery.status == "failed"
    row = PackageRecipient.objects.get(package=package)
    assert row.password_failed_at is not None and row.password_sent_at is None
    told = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(told) == 1 and "could not send" in told[0].body.lower()
    sent_page = (
        client_for(officer).get("/filsluse/sendt/", headers={"Accept-Language": "en"}).content.decode()
    )
    assert "SMS failed" in sent_page
    assert AuditEvent.objects.filter(action="exchange.password.failed").count() == 1
    # when the gateway is back, the recipient asks again
    settings.SMS_BACKEND = "tilgang.notify.sms.OutboxSmsBackend"
    services.package_password_resend(actor=researcher, package=package)
    row.refresh_from_db()
    assert row.password_sent_at is not None and row.password_failed_at is None


def test_password_never_logged(officer, researcher, client_for, outbox, caplog):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    with caplog.at_level("DEBUG"):
        _download(client_for(researcher), package)
    password = sms_password(outbox, researcher.mobile)
    assert password not in caplog.text
