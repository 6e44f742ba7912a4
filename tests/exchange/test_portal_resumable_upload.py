"""Resumable upload from the portal's new-package form: tus on session-authenticated, CSRF-protected
portal endpoints (the same protocol code as the API's), staged uploads that only their owner can
continue, and a form that turns finished uploads into a package exactly as the plain form does."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tilgang.accounts.services import api_token_create
from tilgang.audit.models import AuditEvent
from tilgang.exchange import services
from tilgang.exchange.models import Package, PackageFile, Upload

DATA = os.urandom(2 * 1024 * 1024 + 4321)
CHUNK = 512 * 1024
CREATE = "/filsluse/opplasting/"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _create(client, length=None, name="register.csv", **extra):
    length = len(DATA) if length is None else length
    return client.post(
        CREATE, HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=f"filename {_b64(name)}", **extra
    )


def _patch(client, location, offset, chunk, **extra):
    return client.generic(
        "PATCH",
        location,
        chunk,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **extra,
    )


def _upload_all(client, data=DATA, name="register.csv") -> str:
    location = _create(client, len(data), name)["Location"]
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        checksum = "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        response = _patch(client, location, start, chunk, HTTP_UPLOAD_CHECKSUM=checksum)
        assert response.status_code == 204, response.content
    return location


def _id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


def _form(officer, **fields):
    return {
        "recipients": officer.email,
        "case_reference": "24/01234",
        "subject": "Register data for 24/01234",
        "note": "",
        "archive_format": "7z",
        "download_days": 14,
        **fields,
    }


@pytest.fixture
def client(client_for, researcher):
    return client_for(researcher)


def test_chunks_resume_from_the_servers_offset_and_the_form_sends_the_package(
    client, researcher, officer, mailoutbox, django_capture_on_commit_callbacks
):
    location = _create(client)["Location"]
    assert location.startswith(CREATE)
    assert _patch(client, location, 0, DATA[:CHUNK]).status_code == 204
    head = client.head(location)
    assert head.status_code == 200
    assert head["Upload-Offset"] == str(CHUNK) and head["Upload-Length"] == str(len(DATA))
    assert head["Upload-Complete"] == "?0" and head["Tus-Resumable"] == "1.0.0"
    assert not PackageFile.objects.exists()  # half-finished: never a file
    response = _patch(client, location, CHUNK, DATA[CHUNK:])
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(DATA))
    assert client.head(location)["Upload-Complete"] == "?1"
    assert not PackageFile.objects.exists() and not Package.objects.exists()  # waits for the form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/filsluse/ny/", _form(officer, uploads=[_id(location)]))
    assert response.status_code == 302, response.content.decode()[:2000]
    package = Package.objects.get(sender=researcher)
    assert package.is_sent and package.direction == Package.Direction.TO_OFFICE
    file = package.files.get()
    assert file.name == "register.csv" and file.sha256 == hashlib.sha256(DATA).hexdigest()
    with services.file_open(file) as stream:
        assert stream.read() == DATA
    # the same as the plain form: the recipient is told, and every step is audited
    assert [m.to for m in mailoutbox] == [[officer.email]]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"exchange.upload.completed", "exchange.upload.attached", "exchange.file.uploaded"} <= actions
    assert {"exchange.package.created", "exchange.package.sent"} <= actions
    # claimed once: the portal no longer knows the upload, and the form cannot send it again
    assert client.head(location).status_code == 404
    again = client.post("/filsluse/ny/", _form(officer, uploads=[_id(location)]))
    assert again.status_code == 200 and Package.objects.count() == 1


def test_wrong_offset_is_a_conflict(client):
    location = _create(client)["Location"]
    _patch(client, location, 0, DATA[:1000])
    response = _patch(client, location, 5, DATA[5:10])
    assert response.status_code == 409
    assert client.head(location)["Upload-Offset"] == "1000"


def test_damaged_chunk_is_dropped(client):
    location = _create(client)["Location"]
    wrong = "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert _patch(client, location, 0, DATA[:1000], HTTP_UPLOAD_CHECKSUM=wrong).status_code == 460
    assert client.head(location)["Upload-Offset"] == "0"


def test_only_the_uploader_can_see_continue_or_send_the_upload(client, client_for, make_user, officer):
    location = _create(client)["Location"]
    _patch(client, location, 0, DATA[:1000])
    other = client_for(make_user(email="other@uio.example", language="en"))
    assert other.head(location).status_code == 404
    assert _patch(other, location, 1000, DATA[1000:2000]).status_code == 404
    assert other.delete(location).status_code == 404
    finished = _upload_all(client, b"id;value\n1;2\n", "mine.csv")
    response = other.post("/filsluse/ny/", _form(officer, uploads=[_id(finished)]))
    assert response.status_code == 200 and not Package.objects.exists()
    assert "expired or could not be found" in response.content.decode()
    assert client.head(location)["Upload-Offset"] == "1000"  # untouched for its owner


def test_portal_and_api_uploads_are_kept_apart(client, researcher, officer):
    location = _create(client)["Location"]
    _token, raw = api_token_create(user=researcher, name="t")
    assert (
        Client()
        .head(f"/api/v1/exchange/uploads/{_id(location)}", HTTP_AUTHORIZATION=f"Bearer {raw}")
        .status_code
        == 404
    )
    draft = services.package_create(
        sender=researcher, recipients=[officer.email], subject="x", case_reference="1"
    )
    api_upload = services.upload_create(actor=researcher, package=draft, filename="a.csv", length=10)
    assert client.head(f"{CREATE}{api_upload.pk}/").status_code == 404


def test_csrf_token_is_required(researcher):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(researcher)
    token = str(browser.get("/filsluse/ny/").context["csrf_token"])
    assert _create(browser).status_code == 403
    assert not Upload.objects.exists()
    location = _create(browser, HTTP_X_CSRFTOKEN=token)["Location"]
    assert _patch(browser, location, 0, DATA[:100]).status_code == 403
    assert browser.delete(location).status_code == 403
    assert browser.head(location)["Upload-Offset"] == "0"
    assert _patch(browser, location, 0, DATA[:100], HTTP_X_CSRFTOKEN=token).status_code == 204


def test_signed_out_gets_nothing(client):
    location = _create(client)["Location"]
    anonymous = Client()
    assert anonymous.head(location).status_code == 302
    assert _patch(anonymous, location, 0, DATA[:100]).status_code == 302
    assert _create(anonymous).status_code == 302
    assert Upload.objects.count() == 1 and client.head(location)["Upload-Offset"] == "0"


def test_unfinished_upload_expires_and_is_swept(client, client_for, researcher, settings):
    location = _create(client)["Location"]
    _patch(client, location, 0, DATA[:1000])
    finished = _upload_all(client, b"a,b\n1,2\n", "done.csv")  # finished but never sent
    spool = Path(settings.EXCHANGE_SPOOL_DIR)
    assert len(list(spool.glob("upload-*"))) == 2
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        later = client_for(researcher)  # signed in again: a session lasts 8 hours
        assert later.head(location).status_code == 410
        assert _patch(later, location, 1000, DATA[1000:2000]).status_code == 410
        assert later.head(finished).status_code == 410
        assert services.upload_cleanup_sweep(timezone.now()) == 2
    assert not Upload.objects.exists() and list(spool.glob("upload-*")) == []
    assert not PackageFile.objects.exists()


def test_form_sent_with_an_unfinished_upload_makes_no_package(client, officer):
    location = _create(client)["Location"]
    _patch(client, location, 0, DATA[:1000])
    response = client.post("/filsluse/ny/", _form(officer, uploads=[_id(location)]))
    assert response.status_code == 200 and not Package.objects.exists()
    assert client.head(location)["Upload-Offset"] == "1000"


def test_finished_uploads_survive_a_refused_form_and_are_offered_again(client, officer, researcher):
    location = _upload_all(client)
    response = client.post(
        "/filsluse/ny/", _form(officer, recipients="nobody@elsewhere.example", uploads=[_id(location)])
    )
    page = response.content.decode()
    assert response.status_code == 200 and "not a member of the office" in page
    assert f'name="uploads" value="{_id(location)}"' in page and "register.csv" in page
    response = client.post("/filsluse/ny/", _form(officer, uploads=[_id(location)]))
    assert response.status_code == 302
    with services.file_open(Package.objects.get(sender=researcher).files.get()) as stream:
        assert stream.read() == DATA


def test_programs_are_refused_by_name_at_once_and_by_content_at_the_end(client):
    response = _create(client, 100, "setup.exe")
    assert response.status_code == 400 and "program" in response.content.decode()
    location = _create(client, 6, "looks.csv")["Location"]
    response = _patch(client, location, 0, b"MZ\x90\x00\x03\x00")
    assert response.status_code == 422 and "program" in response.content.decode()
    assert not Upload.objects.exists() and client.head(location).status_code == 404


def test_upload_over_the_limit_is_refused_at_creation(client, settings):
    settings.EXCHANGE_MAX_FILE_BYTES = 100
    assert _create(client, 101).status_code == 413


def test_a_repeated_last_request_is_answered_not_refused(client):
    location = _upload_all(client, b"x,y\n")
    # an empty body: the test client would leave out the content type, a browser sends it
    response = _patch(client, location, 4, b"", CONTENT_TYPE="application/offset+octet-stream")
    assert response.status_code == 204 and response["Upload-Offset"] == "4"
    assert response["Upload-Complete"] == "?1"


def test_giving_up_leaves_nothing(client, settings):
    location = _create(client)["Location"]
    _patch(client, location, 0, DATA[:100])
    finished = _upload_all(client, b"a\n", "a.csv")
    assert client.delete(location).status_code == 204
    assert client.delete(finished).status_code == 204
    assert not Upload.objects.exists()
    assert list(Path(settings.EXCHANGE_SPOOL_DIR).glob("upload-*")) == []


def test_the_plain_form_still_works_and_gets_the_upload_address(client, officer, researcher):
    page = client.get("/filsluse/ny/").content.decode()
    assert 'data-upload-url="/filsluse/opplasting/"' in page and 'data-chunk-bytes="8388608"' in page
    assert "exchange/upload.js" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/filsluse/ny/",
        _form(officer, files=[SimpleUploadedFile("plain.csv", b"1;2\n", content_type="text/csv")]),
    )
    assert response.status_code == 302
    assert Package.objects.get(sender=researcher).files.get().name == "plain.csv"


def test_a_refused_file_keeps_nothing_as_with_the_plain_form(client, officer, settings):
    first = _upload_all(client, b"a;b\n1;2\n", "same.csv")
    second = _upload_all(client, b"c;d\n3;4\n", "same.csv")
    response = client.post("/filsluse/ny/", _form(officer, uploads=[_id(first), _id(second)]))
    assert response.status_code == 200 and "already has a file called same.csv" in response.content.decode()
    assert not Package.objects.exists() and not PackageFile.objects.exists() and not Upload.objects.exists()
    assert list(Path(settings.EXCHANGE_SPOOL_DIR).glob("upload-*")) == []


def test_spool_of_an_upload_whose_draft_was_discarded_is_swept(researcher, officer, settings):
    draft = services.package_create(
        sender=researcher, recipients=[officer.email], subject="x", case_reference="1"
    )
    upload = services.upload_create(actor=researcher, package=draft, filename="a.csv", length=10)
    services.package_discard(actor=researcher, package=draft)
    assert not Upload.objects.exists()
    spool = Path(settings.EXCHANGE_SPOOL_DIR) / f"upload-{upload.pk}.blob"
    assert spool.exists()
    assert services.upload_cleanup_sweep(timezone.now()) == 0  # too fresh to be sure
    assert services.upload_cleanup_sweep(timezone.now() + timedelta(hours=25)) == 1
    assert not spool.exists()
