"""S3-compatible storage through django-storages, against moto's S3 server on loopback: the
bucket holds only ciphertext, downloads stream with ranges, retention deletes the objects."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tests.exchange.conftest import extract, send_package, sms_password
from tilgang.exchange import services

SECRET = b"12345678901;Ola Nordmann;" * 1000


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):
    import boto3

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    bucket = f"exchange-{time.time_ns()}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "file_overwrite": False,
            },
        },
    }
    from django.core.files.storage import storages

    storages._storages.pop("default", None)
    yield client, bucket
    storages._storages.pop("default", None)


def _objects(client, bucket) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing}


def test_s3_bucket_holds_only_ciphertext_and_download_works(
    officer, researcher, client_for, outbox, s3, tmp_path
):
    client, bucket = s3
    package = send_package(officer, researcher, {"register.csv": SECRET})
    objects = _objects(client, bucket)
    assert len(objects) == 2
    for data in objects.values():
        assert b"Ola Nordmann" not in data and b"register.csv" not in data
    http = client_for(researcher)
    archive = tmp_path / "p.7z"
    archive.write_bytes(b"".join(http.get(f"/filsluse/pakke/{package.pk}/last-ned/").streaming_content))
    assert extract(archive, sms_password(outbox, researcher.mobile), tmp_path / "o").returncode == 0
    assert (tmp_path / "o" / "register.csv").read_bytes() == SECRET
    part = http.get(f"/filsluse/pakke/{package.pk}/last-ned/", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == archive.read_bytes()[100:200]


def test_s3_retention_deletes_every_object(officer, researcher, s3):
    client, bucket = s3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send_package(officer, researcher, {"a.csv": b"1,2\n", "b.csv": b"3\n"})
    assert len(_objects(client, bucket)) == 3
    with time_machine.travel(services.add_months(start, 6) + timedelta(seconds=1), tick=False):
        assert services.retention_sweep(timezone.now()) == 3
    assert _objects(client, bucket) == {}
