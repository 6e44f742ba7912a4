"""The tus 1.0 protocol (creation, HEAD/PATCH/DELETE on an upload, the sha256 checksum and the
expiration extensions) over the upload services, spoken by two doors: the API (bearer token,
uploads into a draft package) and the portal's new-package form (session and CSRF token, staged
uploads that the form claims when it is sent). The HTTP details live here once; the work is in
``services.upload_*``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import BinaryIO, cast

from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.exchange import services
from tilgang.exchange.models import Package, Upload

TUS_VERSION = "1.0.0"


def tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def tus_error(status: int, detail: str) -> HttpResponse:
    return tus(HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8"))


def metadata(request: HttpRequest) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs; broken pairs are skipped."""
    found: dict[str, str] = {}
    for pair in request.headers.get("Upload-Metadata", "").split(","):
        parts = pair.strip().split(" ", 1)
        if not parts[0]:
            continue
        try:
            found[parts[0]] = base64.b64decode(parts[1]).decode() if len(parts) > 1 else ""
        except (binascii.Error, UnicodeDecodeError):
            continue
    return found


def _expires(response: HttpResponse, upload: Upload) -> HttpResponse:
    """``Upload-Expires`` while the upload can still expire, and ``Upload-Complete`` (a structured
    boolean, as in the IETF's resumable uploads draft): all bytes in is not yet complete, the
    file is checked first; a client that sees the whole length without ``?1`` asks again."""
    if upload.completed_at is None or upload.package_id is None:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    response["Upload-Complete"] = "?1" if upload.completed_at is not None else "?0"
    return response


def create(
    request: HttpRequest,
    *,
    actor: User,
    package: Package | None,
    meta: dict[str, str],
    location: Callable[[Upload], str],
) -> HttpResponse:
    """tus creation: ``Upload-Length``, and ``filename`` and optionally ``sha256`` (hex, of the
    whole file, checked at the end) in the metadata. 201 with the upload's ``Location``."""
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        return tus_error(400, _("Upload-Length is missing or not a number."))
    try:
        upload = services.upload_create(
            actor=actor,
            package=package,
            filename=meta.get("filename", ""),
            length=length,
            sha256=meta.get("sha256", ""),
        )
    except services.TooLarge as error:
        return tus_error(413, str(error))
    except services.ExchangeError as error:
        return tus_error(400, str(error))
    response = HttpResponse(status=201)
    response["Location"] = location(upload)
    response["Upload-Offset"] = "0"
    return tus(_expires(response, upload))


def serve(request: HttpRequest, *, actor: User, upload_id: str, staged: bool) -> HttpResponse:
    """HEAD tells the offset, PATCH appends at ``Upload-Offset``, DELETE gives up. Someone else's
    upload is not found (404); an expired one is gone (410)."""
    try:
        item = services.upload_get(actor=actor, upload_id=upload_id, staged=staged)
    except services.NotYours:
        return tus_error(404, _("There is no such upload."))
    except services.ExchangeError as error:
        return tus_error(410, str(error))
    if request.method == "HEAD":
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(item.offset)
        response["Upload-Length"] = str(item.length)
        return tus(_expires(response, item))
    if request.method == "DELETE":
        try:
            services.upload_terminate(actor=actor, upload=item)
        except services.ExchangeError as error:
            return tus_error(400, str(error))
        return tus(HttpResponse(status=204))
    if request.headers.get("Content-Type", "") != "application/offset+octet-stream":
        return tus_error(415, _("PATCH requests must have Content-Type application/offset+octet-stream."))
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        return tus_error(400, _("Upload-Offset is missing or not a number."))
    checksum = None
    if request.headers.get("Upload-Checksum"):
        algorithm, _sep, value = request.headers["Upload-Checksum"].partition(" ")
        if algorithm not in ("sha256", "sha1"):
            return tus_error(400, _("Only sha256 and sha1 checksums are supported."))
        try:
            checksum = (algorithm, base64.b64decode(value))
        except binascii.Error:
            return tus_error(400, _("The checksum is not valid base64."))
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    try:
        item = services.upload_append(
            actor=actor,
            upload=item,
            offset=offset,
            stream=cast(BinaryIO, request),  # the body, read as it arrives
            length=length,
            checksum=checksum,
        )
    except services.OffsetMismatch as error:
        return tus_error(409, str(error))
    except services.UploadBusy as error:
        return tus_error(423, str(error))
    except services.ChecksumMismatch as error:
        return tus_error(460, str(error))
    except services.ExchangeError as error:
        return tus_error(422, str(error))
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(item.offset)
    if item.file_id:
        response["Upload-File-Id"] = str(item.file_id)
    return tus(_expires(response, item))
