"""Office to user: package, e-mail without secret, download, SMS password, 7-Zip opens it."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail

from tests.exchange.conftest import extract, send_package, seven_zip, sms_password
from tilgang.audit.models import AuditEvent
from tilgang.exchange import services
from tilgang.exchange.models import Package

FILES = {"persons.csv": b"lopenr,alder\n1,34\n2,51\n" * 500, "income.parquet": bytes(range(256)) * 4000}


@pytest.fixture(autouse=True)
def _mail_to_locmem(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def test_R_FX_2_recipient_gets_new_package_email_in_own_language_without_secret(
    officer, researcher, outbox, django_capture_on_commit_callbacks
):
    researcher.language = "en"
    researcher.save()
    with django_capture_on_commit_callbacks(execute=True):
        package = send_package(officer, researcher, FILES)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [researcher.email]
    assert message.subject == "New package is waiting"
    assert f"https://tilgang.example/filsluse/pakke/{package.pk}/" in message.body
    password = services.key_wrapper().unwrap(Package.objects.get(pk=package.pk).password_wrapped).decode()
    assert password not in message.body
    assert outbox("sms") == []  # the password goes only when the recipient downloads


def test_R_FX_3_download_sends_password_by_sms_and_7zip_opens_archive(
    officer, researcher, client_for, outbox, tmp_path
):
    package = send_package(officer, researcher, FILES)
    response = client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-7z-compressed"
    archive = tmp_path / "download.7z"
    archive.write_bytes(b"".join(response.streaming_content))
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == package.archive_sha256
    password = sms_password(outbox, researcher.mobile)
    result = extract(archive, password, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    for name, data in FILES.items():
        assert (tmp_path / "out" / name).read_bytes() == data
    # file names are hidden without the password (encrypted headers)
    import subprocess

    listing = subprocess.run([seven_zip(), "l", "-pwrong", str(archive)], capture_output=True, text=True)
    assert listing.returncode != 0 and "persons.csv" not in listing.stdout
    # the password is never in the portal, the e-mail or the audit trail
    page = client_for(researcher).get(f"/filsluse/pakke/{package.pk}/", headers={"Accept-Language": "en"})
    assert password not in page.content.decode()
    assert not AuditEvent.objects.filter(payload__icontains=password).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"exchange.package.sent", "exchange.package.downloaded", "exchange.password.sent"} <= actions


def test_sha256_of_every_file_is_shown_to_the_recipient(officer, researcher, client_for):
    package = send_package(officer, researcher, FILES)
    page = client_for(researcher).get(f"/filsluse/pakke/{package.pk}/").content.decode()
    for data in FILES.values():
        assert hashlib.sha256(data).hexdigest() in page


def test_zip_option_opens_with_7zip(officer, researcher, client_for, outbox, tmp_path):
    package = send_package(officer, researcher, FILES, encrypt_format="zip")
    response = client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/")
    archive = tmp_path / "download.zip"
    archive.write_bytes(b"".join(response.streaming_content))
    assert extract(archive, sms_password(outbox, researcher.mobile), tmp_path / "out").returncode == 0
    assert (tmp_path / "out" / "persons.csv").read_bytes() == FILES["persons.csv"]


def test_receipt_on_request(officer, researcher, client_for, django_capture_on_commit_callbacks):
    package = send_package(officer, researcher, FILES, receipt_requested=True)
    with django_capture_on_commit_callbacks(execute=True):
        b"".join(client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/").streaming_content)
    receipts = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(receipts) == 1 and "Frida Forsker downloaded" in receipts[0].body
    assert AuditEvent.objects.filter(action="exchange.package.receipt_sent").count() == 1
    with django_capture_on_commit_callbacks(execute=True):  # a second download sends no second receipt
        b"".join(client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/").streaming_content)
    assert len([m for m in mail.outbox if m.to == [officer.email]]) == 1


def test_no_receipt_unless_asked(officer, researcher, client_for, django_capture_on_commit_callbacks):
    package = send_package(officer, researcher, FILES)
    with django_capture_on_commit_callbacks(execute=True):
        b"".join(client_for(researcher).get(f"/filsluse/pakke/{package.pk}/last-ned/").streaming_content)
    assert [m for m in mail.outbox if m.to == [officer.email]] == []


def test_inbox_and_sent_box(officer, researcher, client_for):
    package = send_package(officer, researcher, FILES, subject="Leveranse nummer en")
    inbox = client_for(researcher).get("/filsluse/").content.decode()
    assert "Leveranse nummer en" in inbox
    sent = client_for(officer).get("/filsluse/sendt/").content.decode()
    assert "Leveranse nummer en" in sent
    assert "Leveranse nummer en" not in client_for(officer).get("/filsluse/").content.decode()
    assert package.recipients.get().notified_at is not None


def test_R_FX_4_user_sends_package_with_case_reference_to_staff(officer, researcher, client_for, outbox):
    client = client_for(researcher)
    response = client.post(
        "/filsluse/ny/",
        {
            "recipients": officer.email,
            "case_reference": "24/01234",
            "subject": "Third-party data for 24/01234",
            "note": "",
            "archive_format": "7z",
            "download_days": 14,
            "files": [_upload("register.csv", b"id;value\n1;2\n")],
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    package = Package.objects.get(sender=researcher)
    assert package.direction == Package.Direction.TO_OFFICE and package.is_sent
    assert package.files.get().name == "register.csv"
    case_page = client_for(officer).get("/filsluse/sak/", {"reference": "24/01234"}).content.decode()
    assert "Third-party data for 24/01234" in case_page


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_third_party_intake_reads_plaintext_through_the_service(officer, researcher):
    # DOMAIN R-CASE-5: third-party data reach the office through the exchange; the intake reads them
    package = services.package_create(
        sender=researcher,
        recipients=[officer.email],
        subject="NAV data",
        case_reference="24/01234",
        files=[("nav.csv", __import__("io").BytesIO(b"a,b\n1,2\n"))],
    )
    with services.file_open(package.files.get()) as stream:
        assert stream.read() == b"a,b\n1,2\n"


def test_demo_seed_puts_a_package_in_the_researchers_inbox(make_user):
    from tilgang.exchange import demo

    officer = make_user("case_officer", email="saksbehandler@tilgang.example")
    researcher = make_user("applicant", email="forsker@uio.example")
    demo.seed()
    demo.seed()  # idempotent
    packages = list(Package.objects.filter(recipients__user=researcher))
    assert len(packages) == 1 and packages[0].is_sent and packages[0].sender == officer
    officer.refresh_from_db()
    assert officer.mobile == "+4790000001"
