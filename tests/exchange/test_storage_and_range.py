"""Encryption at rest (envelope, per-file data keys) and HTTP range downloads."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.exchange.conftest import send_package
from tilgang.exchange import services
from tilgang.exchange.crypto import (
    EnvelopeError,
    MasterKeyWrapper,
    envelope_encrypt,
    envelope_frames,
    new_data_key,
)
from tilgang.exchange.models import PackageFile

SECRET = b"11029912345;Kari Nordmann;Storgata 1;" * 2000


def _stored(settings) -> list[Path]:
    return [p for p in Path(settings.STORAGES["default"]["OPTIONS"]["location"]).rglob("*") if p.is_file()]


def test_storage_alone_reveals_nothing(officer, researcher, settings):
    send_package(officer, researcher, {"register.csv": SECRET, "names.csv": b"Kari Nordmann\n"})
    blobs = _stored(settings)
    assert len(blobs) == 3
    for blob in blobs:
        content = blob.read_bytes()
        assert b"Kari Nordmann" not in content and b"11029912345" not in content
        assert b"register.csv" not in content and "register.csv".encode("utf-16-le") not in content
    # the data keys are wrapped, and differ per file
    keys = list(PackageFile.objects.values_list("wrapped_key", flat=True))
    assert len(set(keys)) == 2


def test_another_master_key_cannot_open_the_files(officer, researcher, settings):
    package = send_package(officer, researcher, {"register.csv": SECRET})
    settings.MASTER_KEY = "a different master key"
    with pytest.raises(EnvelopeError):
        services.file_open(package.files.get()).read()


def test_envelope_detects_tampering_truncation_and_reordering():
    key = new_data_key()
    blob = io.BytesIO()
    data = os.urandom(3 * 1024 * 1024 + 5)
    envelope_encrypt(io.BytesIO(data), blob, key)
    raw = blob.getvalue()
    assert b"".join(envelope_frames(io.BytesIO(raw), key)) == data
    flipped = bytearray(raw)
    flipped[100] ^= 1
    with pytest.raises(EnvelopeError):
        b"".join(envelope_frames(io.BytesIO(bytes(flipped)), key))
    with pytest.raises(EnvelopeError, match="truncated"):
        b"".join(envelope_frames(io.BytesIO(raw[: -(4 + 16)]), key))  # final frame dropped
    with pytest.raises(EnvelopeError):
        b"".join(envelope_frames(io.BytesIO(raw[:-1]), key))


def test_key_wrapper_round_trip_and_key_id():
    wrapper = MasterKeyWrapper("k1")
    key = new_data_key()
    assert wrapper.unwrap(wrapper.wrap(key)) == key
    assert MasterKeyWrapper("k2").key_id != wrapper.key_id
    with pytest.raises(EnvelopeError):
        MasterKeyWrapper("k2").unwrap(wrapper.wrap(key))


def test_range_download_resumes_a_broken_download(officer, researcher, client_for):
    package = send_package(officer, researcher, {"big.bin": os.urandom(2 * 1024 * 1024)})
    client = client_for(researcher)
    whole = b"".join(client.get(f"/filsluse/pakke/{package.pk}/last-ned/").streaming_content)
    assert len(whole) == package.archive_size
    response = client.get(f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Range": "bytes=1000-"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-{package.archive_size - 1}/{package.archive_size}"
    assert b"".join(response.streaming_content) == whole[1000:]
    response = client.get(f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Range": "bytes=-10"})
    assert b"".join(response.streaming_content) == whole[-10:]
    response = client.get(
        f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Range": f"bytes={package.archive_size}-"}
    )
    assert response.status_code == 416
    # If-Range with a stale validator gets the whole file
    response = client.get(
        f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Range": "bytes=10-", "If-Range": '"stale"'}
    )
    assert response.status_code == 200


def test_download_memory_stays_flat(officer, researcher, client_for):
    import tracemalloc

    package = send_package(officer, researcher, {"big.bin": os.urandom(24 * 1024 * 1024)})
    client = client_for(researcher)
    tracemalloc.start()
    response = client.get(f"/filsluse/pakke/{package.pk}/last-ned/")
    total = 0
    for chunk in response.streaming_content:
        total += len(chunk)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == package.archive_size
    assert peak < 8 * 1024 * 1024  # a 24 MB archive streams through a few MB
