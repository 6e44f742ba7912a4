"""The secure file exchange: every write goes through here (portal, API, engine, intake).

Service API for other apps (the data engine's deliveries and third-party intake plug in here):

- ``package_create(*, sender, recipients, subject, case_reference, note, files, encrypt_format,
  download_days, receipt_requested) -> Package`` (a draft; ``files`` are paths or (name, stream))
- ``package_add_file`` / ``package_add_blob`` / ``package_remove_file`` while a draft
- ``upload_create`` / ``upload_append`` / ``upload_terminate``: resumable uploads (tus), into a
  draft (API) or staged without a package until ``package_create`` claims them (portal form)
- ``package_send``: packs the archive, notifies the recipients (DOMAIN R-FX-2)
- ``package_download``: checks window and recipient, records the download, first time sends the
  password by SMS (DOMAIN R-FX-3) and the receipt if asked for
- ``package_password_resend``, ``package_reopen_request``, ``package_reopen`` (DOMAIN R-CASE-6)
- ``package_deliver_direct``: streams the archive into a secure analysis environment (R-FX-5)
- ``file_open``: the plaintext of an uploaded file, for the intake of third-party data (R-CASE-5)
"""

from __future__ import annotations

import calendar
import fcntl
import functools
import hashlib
import logging
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.audit.services import audit_record
from tilgang.core.roles import STAFF_ROLES, Role
from tilgang.exchange.archive import ArchiveError, Member, write_archive
from tilgang.exchange.crypto import EnvelopeReader, EnvelopeWriter, new_data_key
from tilgang.exchange.models import (
    ArchiveFormat,
    Package,
    PackageFile,
    PackageRecipient,
    PasswordSend,
    Upload,
)
from tilgang.exchange.screening import InspectionError, check_name, inspect_blob, max_file_bytes
from tilgang.exchange.storage import (
    HEAD_BYTES,
    BlobReceiver,
    SealedBlob,
    exchange_storage,
    key_wrapper,
    open_stored,
    seal_stream,
    spool_dir,
    store_spooled,
)
from tilgang.notify.services import email_send, sms_send
from tilgang.notify.sms import SmsError

logger = logging.getLogger(__name__)

# Who may reopen packages and see packages per case, besides their sender and recipients.
CASE_ROLES = frozenset({Role.CASE_OFFICER, Role.HEAD_OF_SECTION, Role.LEGAL_REVIEWER, Role.ADMINISTRATOR})
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # noqa: S105 (no 0/o, 1/l/i: typed from an SMS)
MIN_DAYS, MAX_DAYS = 1, 90


class ExchangeError(Exception):
    """A refused exchange action; the message is translated and safe to show."""


class NotYours(ExchangeError):
    """The package exists but the actor has no business with it (shown as not found)."""


class TooLarge(ExchangeError):
    """A file over the size limit."""


class RateLimited(ExchangeError):
    """Too many password SMS in the last hour."""


class NoMobile(ExchangeError):
    """The recipient has no mobile number for the password."""


def retention_months() -> int:
    return int(getattr(settings, "EXCHANGE_RETENTION_MONTHS", 6))


def sms_per_hour() -> int:
    return int(getattr(settings, "EXCHANGE_PASSWORD_SMS_PER_HOUR", 3))


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def new_password() -> str:
    """25 characters from a 31-letter alphabet in groups of five: about 124 bits."""
    raw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(25))
    return "-".join(raw[i : i + 5] for i in range(0, 25, 5))


def _is_case_staff(user: User) -> bool:
    return bool(user.role_set & CASE_ROLES)


# --- packages ------------------------------------------------------------------------------------


def _resolve_recipients(sender: User, recipients: Iterable[User | str]) -> list[User]:
    resolved: list[User] = []
    for item in recipients:
        if isinstance(item, User):
            user: User | None = item
            label = item.email
        else:
            label = str(item).strip().lower()
            if not label:
                continue
            user = User.objects.filter(email=label, is_active=True).first()
        if sender.is_staff_member:
            if user is None or not user.is_active:
                raise ExchangeError(
                    _("No user has the e-mail address %(email)s. Invite them first.") % {"email": label}
                )
        elif user is None or not user.is_active or not (user.role_set & STAFF_ROLES):
            # DOMAIN R-FX-4: users send to a named recipient at the office. The same answer for an
            # unknown address and for a non-staff one, so the form cannot be used to probe accounts.
            raise ExchangeError(
                _("%(email)s is not a member of the office's staff. Packages can only be sent to the office.")
                % {"email": label}
            )
        if user.pk == sender.pk:
            raise ExchangeError(_("You cannot send a package to yourself."))
        if all(existing.pk != user.pk for existing in resolved):
            resolved.append(user)
    if not resolved:
        raise ExchangeError(_("Name at least one recipient."))
    return resolved


@transaction.atomic
def _package_row(
    *,
    sender: User,
    recipients: list[User],
    subject: str,
    note: str,
    case_reference: str,
    encrypt_format: str,
    download_days: int,
    receipt_requested: bool,
) -> Package:
    package = Package.objects.create(
        sender=sender,
        direction=Package.Direction.FROM_OFFICE if sender.is_staff_member else Package.Direction.TO_OFFICE,
        subject=subject,
        case_reference=case_reference,
        note=note,
        archive_format=encrypt_format,
        download_days=download_days,
        receipt_requested=receipt_requested,
    )
    for user in recipients:
        PackageRecipient.objects.create(package=package, user=user)
    audit_record(
        actor=sender,
        action="exchange.package.created",
        obj=package,
        payload={"recipients": [u.pk for u in recipients], "format": encrypt_format, "days": download_days},
    )
    return package


def package_create(
    *,
    sender: User,
    recipients: Iterable[User | str],
    subject: str,
    case_reference: str,
    note: str = "",
    files: Iterable[Path | str | tuple[str, BinaryIO] | SealedBlob | Upload] = (),
    encrypt_format: str = ArchiveFormat.SEVEN_Z,
    download_days: int = 14,
    receipt_requested: bool = False,
) -> Package:
    """A draft package with its files. If any file is refused, nothing is kept (finished staged
    uploads among ``files`` included)."""
    files = list(files)
    subject, case_reference = subject.strip(), case_reference.strip()
    if not subject:
        raise ExchangeError(_("Give the package a subject."))
    if not case_reference:
        # DOMAIN R-FX-4: the case number/reference says what the delivery relates to.
        raise ExchangeError(_("Give the case number or reference the package relates to."))
    if encrypt_format not in ArchiveFormat.values:
        raise ExchangeError(_("Unknown archive format."))
    if not MIN_DAYS <= int(download_days) <= MAX_DAYS:
        raise ExchangeError(
            _("The download window must be between %(min)d and %(max)d days.")
            % {"min": MIN_DAYS, "max": MAX_DAYS}
        )
    people = _resolve_recipients(sender, recipients)
    package = _package_row(
        sender=sender,
        recipients=people,
        subject=subject,
        note=note.strip(),
        case_reference=case_reference,
        encrypt_format=encrypt_format,
        download_days=int(download_days),
        receipt_requested=receipt_requested,
    )
    try:
        for item in files:
            if isinstance(item, SealedBlob):
                package_add_blob(actor=sender, package=package, blob=item)
            elif isinstance(item, Upload):
                package_add_upload(actor=sender, package=package, upload=item)
            elif isinstance(item, tuple):
                package_add_file(actor=sender, package=package, name=item[0], source=item[1])
            else:
                path = Path(item)
                with path.open("rb") as source:
                    package_add_file(actor=sender, package=package, name=path.name, source=source)
    except BaseException:
        package_discard(actor=sender, package=package)
        for item in files:
            if isinstance(item, SealedBlob):
                item.discard()
            elif isinstance(item, Upload):
                _upload_drop(actor=sender, upload=item, action="exchange.upload.discarded")
        raise
    return package


@transaction.atomic
def package_discard(*, actor: User | None, package: Package) -> None:
    """Throw away a draft and its stored files."""
    if package.status != Package.Status.DRAFT:
        raise ExchangeError(_("The package has been sent and can no longer be changed."))
    for file in package.files.all():
        if file.blob_name:
            exchange_storage().delete(file.blob_name)
    audit_record(actor=actor, action="exchange.package.discarded", obj=package, payload={})
    package.delete()


def _check_draft(actor: User, package: Package) -> None:
    if package.sender_id != actor.pk:
        raise NotYours(_("This package is not yours."))
    if package.status != Package.Status.DRAFT:
        raise ExchangeError(_("The package has been sent and can no longer be changed."))


def package_add_file(*, actor: User, package: Package, name: str, source: BinaryIO) -> PackageFile:
    """Encrypt the stream on arrival into the spool, check it, and store it."""
    _check_draft(actor, package)
    blob = seal_stream(source, name, max_bytes=max_file_bytes())
    return package_add_blob(actor=actor, package=package, blob=blob)


def package_add_blob(*, actor: User, package: Package, blob: SealedBlob) -> PackageFile:
    """Check an already encrypted spool file and move it into storage as a file of the package."""
    stored = ""
    try:
        _check_draft(actor, package)
        if package.files.filter(name=blob.name).exists():
            raise ExchangeError(_("The package already has a file called %(name)s.") % {"name": blob.name})
        verdict = inspect_blob(blob)
        stored = store_spooled(blob.path, f"exchange/files/{uuid.uuid4().hex}.blob")
        wrapper = key_wrapper()
        with transaction.atomic():
            now = timezone.now()
            file = PackageFile.objects.create(
                package=package,
                name=blob.name,
                size=blob.size,
                sha256=blob.sha256,
                self_encrypted=verdict.self_encrypted,
                blob_name=stored,
                wrapped_key=wrapper.wrap(blob.data_key),
                key_id=wrapper.key_id,
                uploaded_by=actor,
                uploaded_at=now,
                delete_due_at=add_months(now, retention_months()),
            )
            audit_record(
                actor=actor,
                action="exchange.file.uploaded",
                obj=file,
                payload={"package": package.pk, "size": blob.size, "sha256": blob.sha256},
            )
        return file
    except InspectionError as error:
        blob.discard()
        raise ExchangeError(str(error)) from error
    except BaseException:
        blob.discard()
        if stored:
            exchange_storage().delete(stored)
        raise


@transaction.atomic
def package_remove_file(*, actor: User, file: PackageFile) -> None:
    _check_draft(actor, file.package)
    audit_record(actor=actor, action="exchange.file.removed", obj=file, payload={"package": file.package_id})
    name = file.blob_name
    file.delete()
    transaction.on_commit(lambda: exchange_storage().delete(name))


def file_open(file: PackageFile) -> EnvelopeReader:
    """The plaintext of a stored file as a stream (for the archive writer and the intake)."""
    if file.deleted_at is not None or not file.blob_name:
        raise ExchangeError(_("The file %(name)s has been deleted.") % {"name": file.name})
    data_key = key_wrapper().unwrap(file.wrapped_key)
    return EnvelopeReader(open_stored(file.blob_name), data_key)


def package_send(*, actor: User, package: Package) -> Package:
    """Pack the files into one password-protected archive, store it and notify the recipients."""
    _check_draft(actor, package)
    files = list(package.files.all())
    if not files:
        raise ExchangeError(_("Add at least one file before sending."))
    password = new_password()
    members = [
        Member(
            name=f.name, size=f.size, open=functools.partial(file_open, f), mtime=f.uploaded_at.timestamp()
        )
        for f in files
    ]
    handle, spool = tempfile.mkstemp(dir=spool_dir(), prefix="out-", suffix=f".{package.archive_format}")
    path = Path(spool)
    stored = ""
    try:
        with os.fdopen(handle, "w+b") as out:
            size = write_archive(package.archive_format, members, out, password)
            out.seek(0)
            digest = hashlib.file_digest(out, "sha256").hexdigest()  # type: ignore[arg-type]
        stored = store_spooled(path, f"exchange/archives/{uuid.uuid4().hex}.{package.archive_format}")
        wrapper = key_wrapper()
        with transaction.atomic():
            locked = Package.objects.select_for_update().get(pk=package.pk)
            if locked.status != Package.Status.DRAFT:
                raise ExchangeError(_("The package has been sent and can no longer be changed."))
            now = timezone.now()
            locked.status, locked.sent_at = Package.Status.SENT, now
            locked.available_until = now + timedelta(days=locked.download_days)
            locked.archive_name, locked.archive_size, locked.archive_sha256 = stored, size, digest
            # The archive never outlives the retention of the oldest file in it (DOMAIN R-FX-5).
            locked.archive_delete_due_at = min(f.delete_due_at for f in files)
            locked.password_wrapped = wrapper.wrap(password.encode())
            locked.password_key_id = wrapper.key_id
            locked.save()
            audit_record(
                actor=actor,
                action="exchange.package.sent",
                obj=locked,
                payload={"files": [f.pk for f in files], "size": size, "sha256": digest},
            )
            for recipient in locked.recipients.select_related("user"):
                recipient.notified_at = now
                recipient.save(update_fields=["notified_at"])
                _notify_waiting(locked, recipient.user)
        return locked
    except ArchiveError as error:
        raise ExchangeError(_("The package could not be packed: %(error)s") % {"error": error}) from error
    except BaseException:
        if stored:
            exchange_storage().delete(stored)
        raise
    finally:
        path.unlink(missing_ok=True)


def _package_link(package: Package) -> str:
    return reverse("exchange:package", kwargs={"pk": package.pk})


def _notify_waiting(package: Package, user: User, template: str = "package_waiting") -> None:
    # DOMAIN R-FX-2: a link to the portal and no secret.
    email_send(
        to=user.email,
        template=template,
        context={"package": package, "user": user, "link": _package_link(package)},
        language=user.language,
    )


# --- receiving -----------------------------------------------------------------------------------


def _recipient_row(actor: User, package: Package) -> PackageRecipient:
    row = package.recipients.filter(user=actor).select_related("user").first()
    if row is None:
        raise NotYours(_("This package was not sent to you."))
    return row


def check_downloadable(*, actor: User, package: Package) -> PackageRecipient:
    """Raise unless ``actor`` may download ``package`` now."""
    row = _recipient_row(actor, package)
    if not package.is_sent:
        raise NotYours(_("This package was not sent to you."))
    if package.archive_deleted_at is not None:
        raise ExchangeError(
            _("The files of this package were deleted on %(date)s, six months after they were uploaded.")
            % {"date": timezone.localtime(package.archive_deleted_at).date().isoformat()}
        )
    if package.is_expired:
        # DOMAIN R-CASE-6: downloadable for two weeks (or as set) from the notification.
        raise ExchangeError(
            _("The download window of this package closed on %(date)s. You can ask the sender to reopen it.")
            % {"date": timezone.localtime(package.available_until).date().isoformat()}
        )
    return row


@dataclass
class DownloadResult:
    package: Package
    password_sent: bool
    password_problem: str = ""


def package_download(
    *, actor: User, package: Package, start: int = 0, end: int | None = None
) -> DownloadResult:
    """Record a download (of the whole archive or a range); the first one sends the password by
    SMS and, if the sender asked for it, the download receipt."""
    with transaction.atomic():
        package = Package.objects.select_for_update().get(pk=package.pk)
        row = check_downloadable(actor=actor, package=package)
        row = PackageRecipient.objects.select_for_update().select_related("user").get(pk=row.pk)
        first = row.first_downloaded_at is None
        now = timezone.now()
        row.download_count += 1
        if first:
            row.first_downloaded_at = now
        row.save(update_fields=["download_count", "first_downloaded_at"])
        audit_record(
            actor=actor,
            action="exchange.package.downloaded",
            obj=package,
            payload={"recipient": row.pk, "start": start, "end": end, "first": first},
        )
        if first and package.receipt_requested and row.receipt_sent_at is None:
            row.receipt_sent_at = now
            row.save(update_fields=["receipt_sent_at"])
            audit_record(
                actor=actor,
                action="exchange.package.receipt_sent",
                obj=package,
                payload={"recipient": row.pk},
            )
            email_send(
                to=package.sender.email,
                template="package_receipt",
                context={
                    "package": package,
                    "recipient": actor,
                    "at": now,
                    "link": _package_link(package),
                },
                language=package.sender.language,
            )
    result = DownloadResult(package=package, password_sent=False)
    if first or (row.password_sent_at is None and row.password_failed_at is None):
        try:
            _password_send(row=row, package=package, actor=actor, resend=False)
            result.password_sent = True
        except ExchangeError as error:
            result.password_problem = str(error)
    return result


def _sms_text(package: Package, password: str, language: str) -> str:
    with translation.override(language):
        return _(
            "Password for package %(id)s (%(reference)s) from the microdata service: %(password)s "
            "Use it to open the downloaded file. Do not share it."
        ) % {"id": package.pk, "reference": package.case_reference, "password": password}


def _password_send(*, row: PackageRecipient, package: Package, actor: User, resend: bool) -> None:
    """Send the package's password by SMS to the recipient's mobile (DOMAIN R-FX-3): never by
    e-mail, never shown in the portal, never logged. A failing gateway is retried by sms_send;
    then the sender is told in the portal and by e-mail."""
    user = row.user
    if not user.mobile:
        raise NoMobile(
            _(
                "You have no mobile number on your account, so we cannot send you the password. Add one under My account, then ask for the password here."
            )
        )
    since = timezone.now() - timedelta(hours=1)
    if PasswordSend.objects.filter(recipient=row, created_at__gte=since).count() >= sms_per_hour():
        raise RateLimited(
            _("The password has been sent %(count)d times in the last hour. Wait an hour and try again.")
            % {"count": sms_per_hour()}
        )
    password = key_wrapper().unwrap(package.password_wrapped).decode()
    try:
        sms_send(
            to=user.mobile, text=_sms_text(package, password, user.language), purpose="exchange.password"
        )
    except SmsError:
        with transaction.atomic():
            now = timezone.now()
            PasswordSend.objects.create(recipient=row, succeeded=False, resend=resend)
            PackageRecipient.objects.filter(pk=row.pk).update(password_failed_at=now)
            audit_record(
                actor=actor, action="exchange.password.failed", obj=package, payload={"recipient": row.pk}
            )
            email_send(
                to=package.sender.email,
                template="package_password_failed",
                context={"package": package, "recipient": user, "link": _package_link(package)},
                language=package.sender.language,
            )
        raise ExchangeError(
            _("We could not send the SMS with the password. The sender has been told; try again later.")
        ) from None
    with transaction.atomic():
        now = timezone.now()
        PasswordSend.objects.create(recipient=row, succeeded=True, resend=resend)
        PackageRecipient.objects.filter(pk=row.pk).update(password_sent_at=now, password_failed_at=None)
        audit_record(
            actor=actor,
            action="exchange.password.resent" if resend else "exchange.password.sent",
            obj=package,
            payload={"recipient": row.pk},
        )


def package_password_resend(*, actor: User, package: Package) -> None:
    """The recipient asks for the SMS again (the caller has re-authenticated them)."""
    row = _recipient_row(actor, package)
    if not package.is_sent:
        raise NotYours(_("This package was not sent to you."))
    if package.archive_deleted_at is not None:
        raise ExchangeError(_("The files of this package have been deleted; there is no password to send."))
    _password_send(row=row, package=package, actor=actor, resend=True)


@transaction.atomic
def package_reopen_request(*, actor: User, package: Package) -> None:
    """DOMAIN R-CASE-6: after the window the recipient can ask the sender to reopen it."""
    row = _recipient_row(actor, package)
    if not package.is_expired:
        raise ExchangeError(_("The package can still be downloaded; it does not need reopening."))
    if package.archive_deleted_at is not None:
        raise ExchangeError(
            _(
                "The files of this package have been deleted and cannot be reopened. Ask the sender to send them again."
            )
        )
    if row.reopen_requested_at is not None:
        raise ExchangeError(_("You have already asked; the sender has been told."))
    row.reopen_requested_at = timezone.now()
    row.save(update_fields=["reopen_requested_at"])
    audit_record(
        actor=actor, action="exchange.package.reopen_requested", obj=package, payload={"recipient": row.pk}
    )
    email_send(
        to=package.sender.email,
        template="package_reopen_requested",
        context={"package": package, "recipient": actor, "link": _package_link(package)},
        language=package.sender.language,
    )


@transaction.atomic
def package_reopen(*, actor: User, package: Package, days: int | None = None) -> Package:
    """The sender or a case officer opens the download window again, from now."""
    if package.sender_id != actor.pk and not _is_case_staff(actor):
        raise NotYours(_("Only the sender or a case officer can reopen a package."))
    package = Package.objects.select_for_update().get(pk=package.pk)
    if not package.is_sent:
        raise ExchangeError(_("The package has not been sent yet."))
    if package.archive_deleted_at is not None:
        raise ExchangeError(
            _(
                "The files of this package have been deleted and cannot be reopened. Send them again in a new package."
            )
        )
    days = int(days or package.download_days)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ExchangeError(
            _("The download window must be between %(min)d and %(max)d days.")
            % {"min": MIN_DAYS, "max": MAX_DAYS}
        )
    now = timezone.now()
    until = now + timedelta(days=days)
    if package.archive_delete_due_at and until > package.archive_delete_due_at:
        until = package.archive_delete_due_at
    package.available_until, package.reopened_at = until, now
    package.save(update_fields=["available_until", "reopened_at"])
    audit_record(actor=actor, action="exchange.package.reopened", obj=package, payload={"days": days})
    for row in package.recipients.select_related("user"):
        row.reopen_requested_at = None
        row.notified_at = now
        row.save(update_fields=["reopen_requested_at", "notified_at"])
        _notify_waiting(package, row.user, template="package_reopened")
    return package


# --- resumable uploads (tus) ---------------------------------------------------------------------


def _upload_path(upload: Upload) -> Path:
    return spool_dir() / f"upload-{upload.pk}.blob"


def _upload_valid_for() -> timedelta:
    return timedelta(hours=int(getattr(settings, "EXCHANGE_UPLOAD_VALID_HOURS", 24)))


@transaction.atomic
def upload_create(
    *, actor: User, package: Package | None, filename: str, length: int, sha256: str = ""
) -> Upload:
    """A resumable upload into a draft ``package`` (API), or staged without a package (the portal
    form, which hands the finished upload to ``package_create`` when it is sent)."""
    if package is not None:
        _check_draft(actor, package)
    filename = filename.strip()
    if not filename:
        raise ExchangeError(_("The upload has no file name."))
    if length < 0:
        raise ExchangeError(_("The upload length is not valid."))
    if length > max_file_bytes():
        raise TooLarge(
            _("%(name)s is larger than the limit of %(limit)s bytes.")
            % {"name": filename, "limit": f"{max_file_bytes():,}"}
        )
    if sha256 and (len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256.lower())):
        raise ExchangeError(_("The SHA-256 checksum must be 64 hexadecimal characters."))
    try:
        check_name(filename)  # a program by its name is refused before its bytes are sent
    except InspectionError as error:
        raise ExchangeError(str(error)) from error
    wrapper = key_wrapper()
    data_key = new_data_key()
    upload = Upload.objects.create(
        owner=actor,
        package=package,
        filename=filename,
        length=length,
        expected_sha256=sha256.lower(),
        wrapped_key=wrapper.wrap(data_key),
        key_id=wrapper.key_id,
        expires_at=timezone.now() + _upload_valid_for(),
    )
    with open(_upload_path(upload), "wb") as staged:
        writer = EnvelopeWriter(staged, data_key)
        upload.staged_bytes = writer.written
    upload.save(update_fields=["staged_bytes"])
    audit_record(
        actor=actor,
        action="exchange.upload.created",
        obj=upload,
        payload={"package": package.pk if package else None, "length": length},
    )
    return upload


def upload_get(*, actor: User, upload_id: str, staged: bool = False) -> Upload:
    """The actor's own upload: into a package (API), or with ``staged`` one of the portal form's
    that no package has claimed yet. Anyone else's is not found."""
    try:
        upload = Upload.objects.select_related("package").get(
            pk=upload_id, owner=actor, package__isnull=staged
        )
    except (Upload.DoesNotExist, ValueError, ValidationError) as error:
        raise NotYours(_("There is no such upload.")) from error
    if (upload.completed_at is None or upload.package_id is None) and upload.expires_at <= timezone.now():
        raise ExchangeError(_("This upload has expired. Start it again."))
    return upload


class ChecksumMismatch(ExchangeError):
    pass


class OffsetMismatch(ExchangeError):
    pass


class UploadBusy(ExchangeError):
    pass


def upload_append(
    *,
    actor: User,
    upload: Upload,
    offset: int,
    stream: BinaryIO,
    length: int | None = None,
    checksum: tuple[str, bytes] | None = None,
) -> Upload:
    """Append a chunk at ``offset``. A chunk whose checksum does not match is dropped whole; an
    interrupted chunk keeps what arrived, so the client resumes from the new offset. When the last
    byte arrives, the file is checked and becomes part of the package (or, staged, waits sealed
    for the form that claims it).

    The body is streamed outside any database transaction (a lock on the spool file keeps two
    requests for the same upload apart), so slow clients never hold the database."""
    path = _upload_path(upload)
    try:
        staged = open(path, "r+b")  # noqa: SIM115 (closed below, after the lock is released)
    except FileNotFoundError as error:
        raise NotYours(_("There is no such upload.")) from error
    with staged:
        try:
            fcntl.flock(staged, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise UploadBusy(
                _("Another request is writing to this upload; wait for it to finish.")
            ) from error
        upload = Upload.objects.select_related("package").get(pk=upload.pk)
        if upload.owner_id != actor.pk:
            raise NotYours(_("There is no such upload."))
        if upload.completed_at is not None:
            if offset == upload.length and not length:
                return upload  # the last request again (its answer was lost): nothing to add
            raise ExchangeError(_("This upload is already complete."))
        if offset != upload.offset:
            raise OffsetMismatch(
                _("The upload is at byte %(offset)d, not %(given)d.")
                % {"offset": upload.offset, "given": offset}
            )
        if upload.package is not None:
            _check_draft(actor, upload.package)
        data_key = key_wrapper().unwrap(upload.wrapped_key)
        digest = hashlib.new(checksum[0]) if checksum else None
        received = 0
        interrupted = False
        staged.truncate(upload.staged_bytes)  # drop what a crashed request may have left
        staged.seek(upload.staged_bytes)
        writer = EnvelopeWriter(staged, data_key, frames=upload.frames, header=False)
        remaining = length
        while remaining is None or remaining > 0:
            try:
                block = stream.read(min(1 << 20, remaining) if remaining is not None else 1 << 20)
            except OSError:
                interrupted = True
                break
            if not block:
                interrupted = bool(remaining)
                break
            if upload.offset + received + len(block) > upload.length:
                staged.truncate(upload.staged_bytes)
                raise ExchangeError(_("The upload is longer than announced."))
            received += len(block)
            if remaining is not None:
                remaining -= len(block)
            if digest:
                digest.update(block)
            writer.write(block)
        if digest and checksum and (interrupted or digest.digest() != checksum[1]):
            staged.truncate(upload.staged_bytes)
            raise ChecksumMismatch(_("The checksum of the chunk does not match; send it again."))
        writer.flush_frame()
        staged.flush()
        os.fsync(staged.fileno())
        with transaction.atomic():
            updated = Upload.objects.filter(pk=upload.pk, offset=upload.offset).update(
                offset=upload.offset + received,
                frames=writer.frames,
                staged_bytes=upload.staged_bytes + writer.written,
            )
            if not updated:
                raise OffsetMismatch(
                    _("The upload changed while this chunk was written; ask for its offset.")
                )
        upload.refresh_from_db()
        if upload.offset == upload.length:
            _upload_finish(actor=actor, upload=upload)
    return upload


def _upload_seal(upload: Upload) -> SealedBlob:
    """Write the final frame of a complete upload and read it back once for its SHA-256."""
    path = _upload_path(upload)
    data_key = key_wrapper().unwrap(upload.wrapped_key)
    with open(path, "r+b") as staged:
        staged.seek(upload.staged_bytes)
        writer = EnvelopeWriter(staged, data_key, frames=upload.frames, header=False)
        writer.close()
    blob = SealedBlob(path=path, name=upload.filename, data_key=data_key)
    digest = hashlib.sha256()
    with open(path, "rb") as staged:
        reader = EnvelopeReader(staged, data_key)
        while block := reader.read(1 << 20):
            if len(blob.head) < HEAD_BYTES:
                blob.head += block[: HEAD_BYTES - len(blob.head)]
            digest.update(block)
            blob.size += len(block)
    blob.sha256 = digest.hexdigest()
    return blob


def _upload_finish(*, actor: User, upload: Upload) -> PackageFile | None:
    blob = _upload_seal(upload)
    file = None
    try:
        if upload.expected_sha256 and blob.sha256 != upload.expected_sha256:
            raise ExchangeError(
                _("The file's SHA-256 does not match the one given; the upload was discarded.")
            )
        if upload.package is not None:
            file = package_add_blob(actor=actor, package=upload.package, blob=blob)
        else:
            # Staged: checked now, so a refused file is known before the form is sent; the form
            # checks it again when it becomes a file of the package.
            try:
                inspect_blob(blob)
            except InspectionError as error:
                raise ExchangeError(str(error)) from error
    except BaseException:
        blob.discard()
        _upload_drop(actor=actor, upload=upload, action="exchange.upload.refused")
        raise
    with transaction.atomic():
        upload.completed_at, upload.file, upload.sha256 = timezone.now(), file, blob.sha256
        if file is None:  # a staged upload waits for its form as long as an unfinished one
            upload.expires_at = upload.completed_at + _upload_valid_for()
        upload.save(update_fields=["completed_at", "file", "sha256", "expires_at"])
        audit_record(
            actor=actor,
            action="exchange.upload.completed",
            obj=upload,
            payload={"file": file.pk if file else None},
        )
    return file


def _upload_drop(*, actor: User | None, upload: Upload, action: str) -> None:
    """Forget an upload and its spool file (idempotent)."""
    _upload_path(upload).unlink(missing_ok=True)
    with transaction.atomic():
        if Upload.objects.filter(pk=upload.pk).delete()[0]:
            audit_record(actor=actor, action=action, obj=upload, payload={"package": upload.package_id})


def package_add_upload(*, actor: User, package: Package, upload: Upload) -> PackageFile:
    """A finished staged upload becomes a file of the draft: the same checks and storage as any
    other file (``package_add_blob``). Each staged upload can be claimed once, by its owner."""
    _check_draft(actor, package)
    claimed = Upload.objects.filter(
        pk=upload.pk,
        owner=actor,
        package__isnull=True,
        completed_at__isnull=False,
        expires_at__gt=timezone.now(),
    ).update(package=package)
    if not claimed:
        raise ExchangeError(
            _("The uploaded file %(name)s has expired or is gone. Choose it again.")
            % {"name": upload.filename}
        )
    upload.package = package
    data_key = key_wrapper().unwrap(upload.wrapped_key)
    path = _upload_path(upload)
    blob = SealedBlob(
        path=path, name=upload.filename, data_key=data_key, size=upload.length, sha256=upload.sha256
    )
    try:
        with open(path, "rb") as staged:
            blob.head = EnvelopeReader(staged, data_key).read(HEAD_BYTES)
        file = package_add_blob(actor=actor, package=package, blob=blob)
    except FileNotFoundError as error:
        _upload_drop(actor=actor, upload=upload, action="exchange.upload.refused")
        raise ExchangeError(
            _("The uploaded file %(name)s has expired or is gone. Choose it again.")
            % {"name": upload.filename}
        ) from error
    except BaseException:
        _upload_drop(actor=actor, upload=upload, action="exchange.upload.refused")
        raise
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(file=file)
        upload.file = file
        audit_record(
            actor=actor,
            action="exchange.upload.attached",
            obj=upload,
            payload={"package": package.pk, "file": file.pk},
        )
    return file


@transaction.atomic
def upload_terminate(*, actor: User, upload: Upload) -> None:
    """Give up an upload: an unfinished one, or a staged one no package has claimed."""
    if upload.owner_id != actor.pk:
        raise NotYours(_("There is no such upload."))
    if upload.completed_at is not None and upload.package_id is not None:
        raise ExchangeError(_("This upload is already complete."))
    audit_record(
        actor=actor, action="exchange.upload.terminated", obj=upload, payload={"package": upload.package_id}
    )
    _upload_path(upload).unlink(missing_ok=True)
    upload.delete()


# --- direct delivery into a secure analysis environment -------------------------------------------


def package_deliver_direct(*, actor: User, package: Package, adapter) -> str:
    """Stream the encrypted archive into a project area (e.g. TSD's file import); the recipient
    still gets the password by SMS as usual. Returns the adapter's reference for the delivery."""
    if package.sender_id != actor.pk and not _is_case_staff(actor):
        raise NotYours(_("Only the sender or a case officer can deliver a package."))
    if not package.is_sent or package.archive_deleted_at is not None:
        raise ExchangeError(_("Only a sent package whose files still exist can be delivered."))
    with open_stored(package.archive_name) as source:
        reference = adapter.deliver(
            filename=package.archive_filename, source=source, size=package.archive_size
        )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="exchange.package.delivered_direct",
            obj=package,
            payload={"adapter": adapter.name, "reference": str(reference)[:100]},
        )
    return str(reference)


# --- retention ------------------------------------------------------------------------------------


def retention_sweep(now: datetime) -> int:
    """DOMAIN R-FX-5: delete every file and archive whose retention has run out. Idempotent:
    metadata and an audit event stay; storage.delete of a missing object is harmless."""
    acted = 0
    storage = exchange_storage()
    for file in PackageFile.objects.filter(deleted_at__isnull=True, delete_due_at__lte=now):
        if file.blob_name:
            storage.delete(file.blob_name)
        with transaction.atomic():
            PackageFile.objects.filter(pk=file.pk).update(deleted_at=now)
            audit_record(
                actor=None,
                action="exchange.file.deleted",
                obj=file,
                payload={"package": file.package_id, "reason": "retention"},
            )
        acted += 1
    due = Q(archive_deleted_at__isnull=True, archive_delete_due_at__lte=now) & ~Q(archive_name="")
    for package in Package.objects.filter(due):
        storage.delete(package.archive_name)
        with transaction.atomic():
            Package.objects.filter(pk=package.pk).update(archive_deleted_at=now, password_wrapped="")
            audit_record(
                actor=None, action="exchange.archive.deleted", obj=package, payload={"reason": "retention"}
            )
        acted += 1
    return acted


def upload_cleanup_sweep(now: datetime) -> int:
    """Unfinished uploads past their expiry are dropped with their spool files, and so are finished
    staged uploads (portal form) that no package claimed in time."""
    acted = 0
    unclaimed = Q(completed_at__isnull=True) | Q(package__isnull=True)
    for upload in Upload.objects.filter(unclaimed, expires_at__lte=now):
        _upload_path(upload).unlink(missing_ok=True)
        with transaction.atomic():
            audit_record(
                actor=None,
                action="exchange.upload.expired",
                obj=upload,
                payload={"package": upload.package_id},
            )
            upload.delete()
        acted += 1
    # Spool files of requests that died half-way (always encrypted, but not kept).
    cutoff = (now - timedelta(hours=int(getattr(settings, "EXCHANGE_UPLOAD_VALID_HOURS", 24)))).timestamp()
    for pattern in ("in-*", "out-*"):
        for path in spool_dir().glob(pattern):
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                acted += 1
    # Spool files of uploads whose row is gone (a discarded draft takes its uploads with it).
    known = {f"upload-{pk}.blob" for pk in Upload.objects.values_list("pk", flat=True)}
    for path in spool_dir().glob("upload-*.blob"):
        if path.name not in known and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            acted += 1
    return acted


def draft_cleanup_sweep(now: datetime) -> int:
    """Drafts never sent are discarded once their retention is over (their files are gone)."""
    acted = 0
    roughly = now - timedelta(days=28 * retention_months())
    for package in Package.objects.filter(status=Package.Status.DRAFT, created_at__lte=roughly):
        if add_months(package.created_at, retention_months()) <= now:
            package_discard(actor=None, package=package)
            acted += 1
    return acted


def blob_receiver(name: str) -> BlobReceiver:
    return BlobReceiver(name, max_bytes=max_file_bytes())
