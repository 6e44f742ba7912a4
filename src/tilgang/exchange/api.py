"""The file exchange in the API: the twin of every portal action, plus resumable uploads (tus 1.0:
creation, HEAD/PATCH/DELETE on the upload, and the sha256 checksum extension)."""

from __future__ import annotations

from datetime import datetime

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tilgang.accounts import services as account_services
from tilgang.core.middleware import client_ip
from tilgang.core.permissions import SIGNED_IN, only, register
from tilgang.exchange import selectors, services, tus
from tilgang.exchange.downloads import download_response
from tilgang.exchange.models import ArchiveFormat, Package
from tilgang.exchange.services import CASE_ROLES

router = Router(tags=["exchange"])


class ErrorOut(Schema):
    detail: str


class FileOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    self_encrypted: bool
    deleted_at: datetime | None


class RecipientOut(Schema):
    user_id: int
    email: str
    first_downloaded_at: datetime | None
    password_sent: bool
    password_failed: bool
    reopen_requested_at: datetime | None


class PackageOut(Schema):
    id: int
    subject: str
    case_reference: str
    note: str
    direction: str
    status: str
    sender_email: str
    archive_format: str
    archive_size: int
    archive_sha256: str
    download_days: int
    receipt_requested: bool
    sent_at: datetime | None
    available_until: datetime | None
    expired: bool
    archive_deleted_at: datetime | None
    files: list[FileOut]
    recipients: list[RecipientOut]


class PackageIn(Schema):
    recipients: list[str]
    subject: str
    case_reference: str
    note: str = ""
    archive_format: ArchiveFormat = ArchiveFormat.SEVEN_Z
    download_days: int = 14
    receipt_requested: bool = False


class ReauthIn(Schema):
    password: str
    code: str = ""


class ReopenIn(Schema):
    days: int | None = None


def _out(package: Package) -> dict:
    rows = list(package.recipients.select_related("user"))
    return {
        "id": package.pk,
        "subject": package.subject,
        "case_reference": package.case_reference,
        "note": package.note,
        "direction": package.direction,
        "status": package.status,
        "sender_email": package.sender.email,
        "archive_format": package.archive_format,
        "archive_size": package.archive_size,
        "archive_sha256": package.archive_sha256,
        "download_days": package.download_days,
        "receipt_requested": package.receipt_requested,
        "sent_at": package.sent_at,
        "available_until": package.available_until,
        "expired": package.is_expired,
        "archive_deleted_at": package.archive_deleted_at,
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "size": f.size,
                "sha256": f.sha256,
                "self_encrypted": f.self_encrypted,
                "deleted_at": f.deleted_at,
            }
            for f in package.files.all()
        ],
        "recipients": [
            {
                "user_id": row.user_id,
                "email": row.user.email,
                "first_downloaded_at": row.first_downloaded_at,
                "password_sent": row.password_sent_at is not None,
                "password_failed": row.password_failed_at is not None,
                "reopen_requested_at": row.reopen_requested_at,
            }
            for row in rows
        ],
    }


def _viewable(request, package_id: int) -> tuple[Package, str] | None:
    return selectors.package_for(request.user, package_id)


def _missing():
    return Status(404, {"detail": _("There is no such package.")})


@router.get("/packages/inbox", response=list[PackageOut], url_name="exchange_inbox")
def inbox(request):
    return [_out_for(request, p) for p in selectors.inbox(request.user)]


@router.get("/packages/sent", response=list[PackageOut], url_name="exchange_sent")
def sent(request):
    return [_out(p) for p in selectors.sent_box(request.user)]


@router.get("/packages/case", response=list[PackageOut], url_name="exchange_case")
def case(request, reference: str):
    return [_out(p) for p in selectors.packages_for_case(reference)]


def _out_for(request, package: Package) -> dict:
    data = _out(package)
    data["recipients"] = [r for r in data["recipients"] if r["user_id"] == request.user.pk]
    return data


@router.post(
    "/packages/create", response={201: PackageOut, 400: ErrorOut}, url_name="exchange_package_create"
)
def package_create(request, payload: PackageIn):
    try:
        package = services.package_create(
            sender=request.user,
            recipients=payload.recipients,
            subject=payload.subject,
            case_reference=payload.case_reference,
            note=payload.note,
            encrypt_format=str(payload.archive_format),
            download_days=payload.download_days,
            receipt_requested=payload.receipt_requested,
        )
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _out(package))


@router.get("/packages/{package_id}", response={200: PackageOut, 404: ErrorOut}, url_name="exchange_package")
def package_detail(request, package_id: int):
    found = _viewable(request, package_id)
    if found is None:
        return _missing()
    package, relation = found
    return _out_for(request, package) if relation == "recipient" else _out(package)


@router.post(
    "/packages/{package_id}/send",
    response={200: PackageOut, 400: ErrorOut, 404: ErrorOut},
    url_name="exchange_package_send",
)
def package_send(request, package_id: int):
    found = _viewable(request, package_id)
    if found is None or found[1] != "sender":
        return _missing()
    try:
        package = services.package_send(actor=request.user, package=found[0])
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return _out(package)


@router.post(
    "/packages/{package_id}/discard",
    response={204: None, 400: ErrorOut, 404: ErrorOut},
    url_name="exchange_package_discard",
)
def package_discard(request, package_id: int):
    found = _viewable(request, package_id)
    if found is None or found[1] != "sender":
        return _missing()
    try:
        services.package_discard(actor=request.user, package=found[0])
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return Status(204, None)


@router.post(
    "/packages/{package_id}/files/{file_id}/remove",
    response={204: None, 400: ErrorOut, 404: ErrorOut},
    url_name="exchange_file_remove",
)
def file_remove(request, package_id: int, file_id: int):
    found = _viewable(request, package_id)
    if found is None or found[1] != "sender":
        return _missing()
    file = found[0].files.filter(pk=file_id).first()
    if file is None:
        return _missing()
    try:
        services.package_remove_file(actor=request.user, file=file)
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return Status(204, None)


@router.get("/packages/{package_id}/download", url_name="exchange_download")
def download(request, package_id: int):
    """The encrypted archive; supports Range. The first download sends the password by SMS."""
    found = _viewable(request, package_id)
    if found is None or found[1] != "recipient":
        return JsonResponse({"detail": _("There is no such package.")}, status=404)
    try:
        return download_response(request, actor=request.user, package=found[0])
    except services.NotYours:
        return JsonResponse({"detail": _("There is no such package.")}, status=404)
    except services.ExchangeError as error:
        return JsonResponse({"detail": str(error)}, status=410)


@router.post(
    "/packages/{package_id}/password/resend",
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    url_name="exchange_password_resend",
)
def password_resend(request, package_id: int, payload: ReauthIn):
    """Re-authentication in the API: the account password (and the code, with a second factor)."""
    found = _viewable(request, package_id)
    if found is None or found[1] != "recipient":
        return _missing()
    user = request.user
    ip = client_ip(request)
    result = account_services.login_check_password(email=user.email, password=payload.password, ip=ip)
    if result.user is None or (
        user.has_totp and not account_services.totp_verify(user=user, code=payload.code, ip=ip)
    ):
        return Status(403, {"detail": result.error or _("The password or code is wrong.")})
    try:
        services.package_password_resend(actor=user, package=found[0])
    except services.RateLimited as error:
        return Status(429, {"detail": str(error)})
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return Status(204, None)


@router.post(
    "/packages/{package_id}/reopen/request",
    response={204: None, 400: ErrorOut, 404: ErrorOut},
    url_name="exchange_reopen_request",
)
def reopen_request(request, package_id: int):
    found = _viewable(request, package_id)
    if found is None or found[1] != "recipient":
        return _missing()
    try:
        services.package_reopen_request(actor=request.user, package=found[0])
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return Status(204, None)


@router.post(
    "/packages/{package_id}/reopen",
    response={200: PackageOut, 400: ErrorOut, 404: ErrorOut},
    url_name="exchange_reopen",
)
def reopen(request, package_id: int, payload: ReopenIn):
    found = _viewable(request, package_id)
    if found is None:
        return _missing()
    try:
        package = services.package_reopen(actor=request.user, package=found[0], days=payload.days)
    except services.NotYours:
        return _missing()
    except services.ExchangeError as error:
        return Status(400, {"detail": str(error)})
    return _out(package)


# --- tus (the protocol is in ``tus``; the portal's new-package form speaks it too) ----------------


@router.post("/uploads/create", url_name="exchange_upload_create")
def upload_create(request):
    """tus creation: ``Upload-Length`` and ``Upload-Metadata`` with ``package`` (its id),
    ``filename`` and optionally ``sha256`` (hex) of the whole file, checked at the end."""
    meta = tus.metadata(request)
    try:
        package_id = int(meta.get("package", ""))
    except ValueError:
        return tus.tus_error(400, _("Upload-Metadata must name the package."))
    found = _viewable(request, package_id)
    if found is None or found[1] != "sender":
        return tus.tus_error(404, _("There is no such package."))
    return tus.create(
        request,
        actor=request.user,
        package=found[0],
        meta=meta,
        location=lambda upload: f"/api/v1/exchange/uploads/{upload.pk}",
    )


@router.api_operation(["HEAD", "PATCH", "DELETE"], "/uploads/{upload_id}", url_name="exchange_upload")
def upload(request, upload_id: str):
    """tus: HEAD tells the offset, PATCH appends at ``Upload-Offset``, DELETE gives up."""
    return tus.serve(request, actor=request.user, upload_id=upload_id, staged=False)


register(
    {
        "api:exchange_inbox": SIGNED_IN,
        "api:exchange_sent": SIGNED_IN,
        "api:exchange_case": only(CASE_ROLES),
        "api:exchange_package": SIGNED_IN,
        "api:exchange_package_create": SIGNED_IN,
        "api:exchange_package_send": SIGNED_IN,
        "api:exchange_package_discard": SIGNED_IN,
        "api:exchange_file_remove": SIGNED_IN,
        "api:exchange_download": SIGNED_IN,
        "api:exchange_password_resend": SIGNED_IN,
        "api:exchange_reopen_request": SIGNED_IN,
        "api:exchange_reopen": SIGNED_IN,
        "api:exchange_upload_create": SIGNED_IN,
        "api:exchange_upload": SIGNED_IN,
    }
)
