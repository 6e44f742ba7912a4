"""Bad input: a clear message and nothing half-done."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.exchange.conftest import send_package
from tilgang.exchange import services
from tilgang.exchange.models import Package, PackageFile


def _create(sender, recipient_email, files, **kw):
    return services.package_create(
        sender=sender,
        recipients=[recipient_email],
        subject="Test",
        case_reference="24/1",
        files=[(n, io.BytesIO(d)) for n, d in files.items()],
        **kw,
    )


def _stored_files(settings):
    from pathlib import Path

    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_R_FX_4_user_can_only_send_to_office_staff(researcher, make_user):
    other = make_user(email="kollega@uio.example")
    with pytest.raises(services.ExchangeError, match="not a member of the office's staff"):
        _create(researcher, other.email, {"a.csv": b"1"})
    with pytest.raises(services.ExchangeError, match="not a member of the office's staff"):
        _create(researcher, "nobody@nowhere.example", {"a.csv": b"1"})
    assert not Package.objects.exists()


def test_staff_sending_to_unknown_address_is_told_to_invite(officer):
    with pytest.raises(services.ExchangeError, match="Invite them first"):
        _create(officer, "nobody@nowhere.example", {"a.csv": b"1"})


def test_case_reference_is_required(officer, researcher):
    with pytest.raises(services.ExchangeError, match="case number or reference"):
        services.package_create(
            sender=officer, recipients=[researcher.email], subject="x", case_reference=" "
        )


def test_file_over_the_size_limit_is_refused_and_nothing_kept(officer, researcher, settings):
    settings.EXCHANGE_MAX_FILE_BYTES = 1000
    with pytest.raises(services.ExchangeError, match="larger than the limit"):
        _create(officer, researcher.email, {"ok.csv": b"1", "big.csv": b"x" * 1001})
    assert not Package.objects.exists() and not PackageFile.objects.exists()
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    "name,data",
    [
        ("data.csv", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows program called .csv
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
        ("tool.exe", b"harmless looking"),
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n"),
    ],
)
def test_disguised_executable_is_refused(officer, researcher, name, data):
    with pytest.raises(services.ExchangeError, match="program"):
        _create(officer, researcher.email, {name: data})
    assert not Package.objects.exists()


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_path_traversal_inside_uploaded_zip_is_refused(researcher, officer):
    bad = _zip({"../../etc/cron.d/evil": b"* * * * * root sh"})
    with pytest.raises(services.ExchangeError, match="unsafe path"):
        _create(researcher, officer.email, {"data.zip": bad})
    with pytest.raises(services.ExchangeError, match="unsafe path"):
        _create(researcher, officer.email, {"data.zip": _zip({"/abs/path.csv": b"1"})})


def test_zip_bomb_is_refused(researcher, officer):
    bomb = _zip({"zeros.csv": b"0" * (200 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(services.ExchangeError, match="zip bomb"):
        _create(researcher, officer.email, {"data.zip": bomb})


def test_program_inside_uploaded_zip_is_refused(researcher, officer):
    with pytest.raises(services.ExchangeError, match="contains a program"):
        _create(researcher, officer.email, {"data.zip": _zip({"data.csv": b"MZ" + b"\x00" * 64})})


def test_path_traversal_inside_uploaded_7z_is_refused(researcher, officer, tmp_path, monkeypatch):
    import py7zr

    # py7zr refuses to write such a name; an attacker's tool would not.
    monkeypatch.setattr(py7zr.py7zr, "check_archive_path", lambda name: True)
    path = tmp_path / "evil.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writestr(b"1,2\n", "../../outside.csv")
    with pytest.raises(services.ExchangeError, match="unsafe path"):
        _create(researcher, officer.email, {"data.7z": path.read_bytes()})


def test_self_encrypted_7z_is_accepted_and_marked(researcher, officer, tmp_path):
    import py7zr

    path = tmp_path / "mine.7z"
    with py7zr.SevenZipFile(path, "w", password="their own secret", header_encryption=True) as archive:
        archive.writestr(b"secret,data\n", "data.csv")
    package = _create(researcher, officer.email, {"mine.7z": path.read_bytes()})
    assert package.files.get().self_encrypted


def test_plain_zip_is_accepted(researcher, officer):
    package = _create(researcher, officer.email, {"ok.zip": _zip({"a.csv": b"1,2\n"})})
    assert not package.files.get().self_encrypted


def test_wrong_recipient_cannot_see_or_download(officer, researcher, make_user, client_for):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    stranger = make_user(email="stranger@example.org")
    assert client_for(stranger).get(f"/filsluse/pakke/{package.pk}/").status_code == 404
    assert client_for(stranger).get(f"/filsluse/pakke/{package.pk}/last-ned/").status_code == 404
    with pytest.raises(services.NotYours):
        services.package_download(actor=stranger, package=package)


def test_wrong_link_is_not_found(researcher, client_for):
    assert client_for(researcher).get("/filsluse/pakke/424242/").status_code == 404


def test_send_without_files_is_refused(officer, researcher):
    package = services.package_create(
        sender=officer, recipients=[researcher.email], subject="x", case_reference="1"
    )
    with pytest.raises(services.ExchangeError, match="at least one file"):
        services.package_send(actor=officer, package=package)


def test_sent_package_cannot_be_changed(officer, researcher):
    package = send_package(officer, researcher, {"a.csv": b"1"})
    with pytest.raises(services.ExchangeError, match="can no longer be changed"):
        services.package_add_file(actor=officer, package=package, name="b.csv", source=io.BytesIO(b"2"))


def test_portal_form_shows_refusal_and_keeps_nothing(researcher, officer, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(researcher).post(
        "/filsluse/ny/",
        {
            "recipients": officer.email,
            "case_reference": "24/9",
            "subject": "x",
            "archive_format": "7z",
            "download_days": 14,
            "files": [SimpleUploadedFile("setup.csv", b"MZ\x00\x00" * 10)],
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "is a program, not a data file" in response.content.decode()
    assert not Package.objects.exists()
    from pathlib import Path

    assert list(Path(settings.EXCHANGE_SPOOL_DIR).glob("*")) == []
    assert _stored_files(settings) == []
