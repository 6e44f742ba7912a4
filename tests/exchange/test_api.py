"""The API twin of every portal action of the exchange."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.exchange.conftest import extract, sms_password
from tilgang.accounts.services import api_token_create
from tilgang.exchange.models import Package


def _auth(user):
    _token, raw = api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _upload(client, auth, package_id, name, data):
    meta = f"package {base64.b64encode(str(package_id).encode()).decode()},filename {base64.b64encode(name.encode()).decode()}"
    location = client.post(
        "/api/v1/exchange/uploads/create",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=meta,
        **auth,
    )["Location"]
    response = client.generic(
        "PATCH",
        location,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **auth,
    )
    assert response.status_code == 204, response.content


def test_api_full_cycle(client, officer, researcher, outbox, tmp_path):
    staff, user = _auth(officer), _auth(researcher)
    created = client.post(
        "/api/v1/exchange/packages/create",
        {
            "recipients": [researcher.email],
            "subject": "Delivery",
            "case_reference": "24/77",
            "receipt_requested": True,
        },
        content_type="application/json",
        **staff,
    )
    assert created.status_code == 201, created.content
    package_id = created.json()["id"]
    _upload(client, staff, package_id, "a.csv", b"x,y\n1,2\n")
    sent = client.post(f"/api/v1/exchange/packages/{package_id}/send", **staff)
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert sent.json()["files"][0]["sha256"] == hashlib.sha256(b"x,y\n1,2\n").hexdigest()

    inbox = client.get("/api/v1/exchange/packages/inbox", **user).json()
    assert [p["id"] for p in inbox] == [package_id]
    assert [p["id"] for p in client.get("/api/v1/exchange/packages/sent", **staff).json()] == [package_id]
    assert [
        p["id"] for p in client.get("/api/v1/exchange/packages/case?reference=24/77", **staff).json()
    ] == [package_id]
    assert client.get("/api/v1/exchange/packages/case?reference=24/77", **user).status_code == 403

    download = client.get(f"/api/v1/exchange/packages/{package_id}/download", **user)
    assert download.status_code == 200
    archive = tmp_path / "p.7z"
    archive.write_bytes(b"".join(download.streaming_content))
    assert extract(archive, sms_password(outbox, researcher.mobile), tmp_path / "o").returncode == 0
    assert (tmp_path / "o" / "a.csv").read_bytes() == b"x,y\n1,2\n"

    ranged = client.get(f"/api/v1/exchange/packages/{package_id}/download", HTTP_RANGE="bytes=0-9", **user)
    assert ranged.status_code == 206 and len(b"".join(ranged.streaming_content)) == 10

    wrong = client.post(
        f"/api/v1/exchange/packages/{package_id}/password/resend",
        {"password": "wrong"},
        content_type="application/json",
        **user,
    )
    assert wrong.status_code == 403
    resent = client.post(
        f"/api/v1/exchange/packages/{package_id}/password/resend",
        {"password": PASSWORD},
        content_type="application/json",
        **user,
    )
    assert resent.status_code == 204 and len(outbox("sms", researcher.mobile)) == 2

    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        expired = client.get(f"/api/v1/exchange/packages/{package_id}/download", **user)
        assert expired.status_code == 410 and "closed" in expired.json()["detail"]
        assert (
            client.post(f"/api/v1/exchange/packages/{package_id}/reopen/request", **user).status_code == 204
        )
        assert (
            client.post(
                f"/api/v1/exchange/packages/{package_id}/reopen",
                {"days": 3},
                content_type="application/json",
                **user,
            ).status_code
            == 404
        )
        reopened = client.post(
            f"/api/v1/exchange/packages/{package_id}/reopen",
            {"days": 3},
            content_type="application/json",
            **staff,
        )
        assert reopened.status_code == 200 and not reopened.json()["expired"]
        assert client.get(f"/api/v1/exchange/packages/{package_id}/download", **user).status_code == 200


def test_api_user_sends_to_staff_and_errors_are_clear(client, officer, researcher, make_user):
    user = _auth(researcher)
    other = make_user(email="x@uio.example")
    refused = client.post(
        "/api/v1/exchange/packages/create",
        {"recipients": [other.email], "subject": "s", "case_reference": "24/1"},
        content_type="application/json",
        **user,
    )
    assert refused.status_code == 400 and "office's staff" in refused.json()["detail"]
    created = client.post(
        "/api/v1/exchange/packages/create",
        {"recipients": [officer.email], "subject": "s", "case_reference": "24/1", "archive_format": "zip"},
        content_type="application/json",
        **user,
    ).json()
    assert (
        client.post(f"/api/v1/exchange/packages/{created['id']}/send", **user).status_code == 400
    )  # no files
    _upload(client, user, created["id"], "b.csv", b"1\n")
    file_id = client.get(f"/api/v1/exchange/packages/{created['id']}", **user).json()["files"][0]["id"]
    assert (
        client.post(f"/api/v1/exchange/packages/{created['id']}/files/{file_id}/remove", **user).status_code
        == 204
    )
    _upload(client, user, created["id"], "c.csv", b"2\n")
    assert client.post(f"/api/v1/exchange/packages/{created['id']}/send", **user).status_code == 200
    assert Package.objects.get(pk=created["id"]).direction == "to_office"
    # a stranger sees nothing
    assert client.get(f"/api/v1/exchange/packages/{created['id']}", **_auth(other)).status_code == 404
    assert (
        client.get(f"/api/v1/exchange/packages/{created['id']}/download", **_auth(other)).status_code == 404
    )


def test_api_discard_draft(client, officer, researcher):
    staff = _auth(officer)
    created = client.post(
        "/api/v1/exchange/packages/create",
        {"recipients": [researcher.email], "subject": "s", "case_reference": "1"},
        content_type="application/json",
        **staff,
    ).json()
    assert client.post(f"/api/v1/exchange/packages/{created['id']}/discard", **staff).status_code == 204
    assert not Package.objects.filter(pk=created["id"]).exists()
