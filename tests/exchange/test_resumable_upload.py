"""Resumable uploads (tus 1.0 with checksums): interrupted uploads resume, a half-finished upload
is never a file, and every byte is encrypted as it arrives."""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import pytest

from tilgang.accounts.services import api_token_create
from tilgang.exchange import services
from tilgang.exchange.models import Package, PackageFile, Upload

DATA = os.urandom(3 * 1024 * 1024 + 123)


@pytest.fixture
def draft(researcher, officer):
    return services.package_create(
        sender=researcher, recipients=[officer.email], subject="x", case_reference="24/5"
    )


@pytest.fixture
def api(client, researcher):
    _token, raw = api_token_create(user=researcher, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _create(client, api, draft, length=None, name="big.csv", sha=None):
    length = len(DATA) if length is None else length
    meta = f"package {_b64(str(draft.pk))},filename {_b64(name)}"
    if sha:
        meta += f",sha256 {_b64(sha)}"
    return client.post(
        "/api/v1/exchange/uploads/create", HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta, **api
    )


def _patch(client, api, location, offset, chunk, checksum=None):
    extra = {"HTTP_UPLOAD_OFFSET": str(offset)}
    if checksum:
        extra["HTTP_UPLOAD_CHECKSUM"] = checksum
    return client.generic(
        "PATCH", location, chunk, content_type="application/offset+octet-stream", **extra, **api
    )


def test_tus_upload_in_chunks_with_checksums(client, api, draft, settings):
    response = _create(client, api, draft, sha=hashlib.sha256(DATA).hexdigest())
    assert response.status_code == 201, response.content
    location = response["Location"]
    offset = 0
    for start in range(0, len(DATA), 1024 * 1024):
        chunk = DATA[start : start + 1024 * 1024]
        checksum = "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        response = _patch(client, api, location, offset, chunk, checksum)
        assert response.status_code == 204, response.content
        offset = int(response["Upload-Offset"])
        if offset < len(DATA):
            assert not PackageFile.objects.exists()  # never visible half-finished
    file = PackageFile.objects.get()
    assert file.sha256 == hashlib.sha256(DATA).hexdigest() and file.size == len(DATA)
    with services.file_open(file) as stream:
        assert stream.read() == DATA


def test_tus_head_reports_offset_and_a_wrong_checksum_is_dropped(client, api, draft):
    location = _create(client, api, draft)["Location"]
    good = DATA[:1000]
    _patch(client, api, location, 0, good)
    head = client.head(location, **api)
    assert head["Upload-Offset"] == "1000" and head["Upload-Length"] == str(len(DATA))
    wrong = "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert _patch(client, api, location, 1000, DATA[1000:2000], wrong).status_code == 460
    assert client.head(location, **api)["Upload-Offset"] == "1000"
    assert _patch(client, api, location, 5, DATA[5:10]).status_code == 409  # wrong offset


class Interrupted(io.RawIOBase):
    """A request body whose connection drops after ``cut`` bytes."""

    def __init__(self, data: bytes, cut: int) -> None:
        self.data, self.cut, self.pos = data, cut, 0

    def read(self, size=-1):
        if self.pos >= self.cut:
            raise OSError("connection reset by peer")
        size = min(size, self.cut - self.pos)
        block = self.data[self.pos : self.pos + size]
        self.pos += len(block)
        return block


def test_interrupted_upload_resumes_where_it_stopped(researcher, draft):
    upload = services.upload_create(actor=researcher, package=draft, filename="big.csv", length=len(DATA))
    upload = services.upload_append(
        actor=researcher, upload=upload, offset=0, stream=Interrupted(DATA, 1_500_000), length=len(DATA)
    )
    assert upload.offset == 1_500_000 and upload.completed_at is None
    assert not PackageFile.objects.exists()
    upload = services.upload_append(
        actor=researcher,
        upload=upload,
        offset=upload.offset,
        stream=io.BytesIO(DATA[upload.offset :]),
        length=len(DATA) - upload.offset,
    )
    file = PackageFile.objects.get()
    with services.file_open(file) as stream:
        assert stream.read() == DATA


def test_staged_upload_is_encrypted(researcher, draft, settings):
    upload = services.upload_create(
        actor=researcher, package=draft, filename="plain.csv", length=2 * len(b"secret-national-id-12345")
    )
    services.upload_append(
        actor=researcher, upload=upload, offset=0, stream=io.BytesIO(b"secret-national-id-12345"), length=24
    )
    staged = list(Path(settings.EXCHANGE_SPOOL_DIR).glob("upload-*"))
    assert len(staged) == 1 and b"secret-national-id" not in staged[0].read_bytes()


def test_upload_with_wrong_whole_file_checksum_is_discarded(client, api, draft):
    location = _create(client, api, draft, length=10, sha="0" * 64)["Location"]
    response = _patch(client, api, location, 0, b"0123456789")
    assert response.status_code == 422 and b"does not match" in response.content
    assert not PackageFile.objects.exists() and not Upload.objects.exists()


def test_upload_over_the_limit_is_refused_at_creation(client, api, draft, settings):
    settings.EXCHANGE_MAX_FILE_BYTES = 100
    assert _create(client, api, draft, length=101).status_code == 413


def test_upload_of_someone_else_is_not_found(client, draft, make_user, api):
    location = _create(client, api, draft)["Location"]
    other = make_user()
    _token, raw = api_token_create(user=other, name="t")
    assert client.head(location, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404


def test_terminated_upload_leaves_nothing(client, api, draft, settings):
    location = _create(client, api, draft)["Location"]
    _patch(client, api, location, 0, DATA[:100])
    assert client.delete(location, **api).status_code == 204
    assert not Upload.objects.exists()
    assert list(Path(settings.EXCHANGE_SPOOL_DIR).glob("upload-*")) == []


def test_abandoned_upload_is_swept(researcher, draft, settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    upload = services.upload_create(actor=researcher, package=draft, filename="x.csv", length=10)
    services.upload_append(actor=researcher, upload=upload, offset=0, stream=io.BytesIO(b"12345"), length=5)
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert services.upload_cleanup_sweep(timezone.now()) == 1
    assert list(Path(settings.EXCHANGE_SPOOL_DIR).glob("upload-*")) == []
    assert Package.objects.get(pk=draft.pk).files.count() == 0


def test_malformed_upload_id_is_not_found(client, api):
    assert client.head("/api/v1/exchange/uploads/not-a-uuid", **api).status_code == 404


def test_orphaned_spool_files_are_swept(settings, db):
    from datetime import timedelta

    from django.utils import timezone

    from tilgang.exchange.storage import spool_dir

    orphan = spool_dir() / "in-orphan.blob"
    orphan.write_bytes(b"TLGXENV1")
    fresh = spool_dir() / "in-fresh.blob"
    fresh.write_bytes(b"TLGXENV1")
    old = (timezone.now() - timedelta(hours=30)).timestamp()
    os.utime(orphan, (old, old))
    assert services.upload_cleanup_sweep(timezone.now()) == 1
    assert not orphan.exists() and fresh.exists()
