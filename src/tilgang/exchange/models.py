"""Packages of files between the office and its users (DOMAIN R-FX-1…6, R-CASE-5, R-CASE-6).

A package has a sender, recipients, a subject carrying the case reference, a note and files. Files
are stored encrypted (see ``crypto``); on sending, they are packed into one password-protected
archive (7z AES-256 with encrypted headers, or AES-256 ZIP) whose password goes by SMS only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArchiveFormat(models.TextChoices):
    SEVEN_Z = "7z", _("7z with AES-256 and hidden file names (recommended)")
    ZIP = "zip", _("ZIP with AES-256 (file names are visible)")


class Package(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")

    class Direction(models.TextChoices):
        FROM_OFFICE = "from_office", _("From the office")
        TO_OFFICE = "to_office", _("To the office")

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="packages_sent"
    )
    direction = models.CharField(max_length=12, choices=Direction.choices)
    subject = models.CharField(_("subject"), max_length=200)
    case_reference = models.CharField(_("case reference"), max_length=100, db_index=True)
    note = models.TextField(_("note"), blank=True)
    archive_format = models.CharField(
        max_length=3, choices=ArchiveFormat.choices, default=ArchiveFormat.SEVEN_Z
    )
    download_days = models.PositiveSmallIntegerField(default=14)
    receipt_requested = models.BooleanField(default=False)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # DOMAIN R-CASE-6: downloadable for download_days from the notification; reopen moves it.
    available_until = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    # The archive: its password is a random data key wrapped by the key wrapper, never shown.
    archive_name = models.CharField(max_length=300, blank=True)
    archive_size = models.BigIntegerField(default=0)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    archive_delete_due_at = models.DateTimeField(null=True, blank=True)
    archive_deleted_at = models.DateTimeField(null=True, blank=True)
    password_wrapped = models.TextField(blank=True)
    password_key_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_sent(self) -> bool:
        return self.status == self.Status.SENT

    @property
    def is_expired(self) -> bool:
        return self.available_until is not None and self.available_until <= timezone.now()

    @property
    def archive_filename(self) -> str:
        return f"package-{self.pk}.{self.archive_format}"


class PackageRecipient(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="packages_received"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    first_downloaded_at = models.DateTimeField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    password_sent_at = models.DateTimeField(null=True, blank=True)
    password_failed_at = models.DateTimeField(null=True, blank=True)
    reopen_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "user"], name="unique_recipient_per_package")
        ]
        ordering = ["pk"]


class PasswordSend(models.Model):
    """Each SMS with a package password (for the rate limit); the password itself is not here."""

    recipient = models.ForeignKey(PackageRecipient, on_delete=models.CASCADE, related_name="password_sends")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    succeeded = models.BooleanField(default=False)
    resend = models.BooleanField(default=False)


class PackageFile(models.Model):
    """A file in a package, stored encrypted under its own data key until its retention ends."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    self_encrypted = models.BooleanField(default=False)  # the sender's own 7z/zip with a password
    blob_name = models.CharField(max_length=300, blank=True)
    wrapped_key = models.TextField()
    key_id = models.CharField(max_length=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # DOMAIN R-FX-5: deleted from storage six months after upload, whatever happens.
    delete_due_at = models.DateTimeField(db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]


class Upload(models.Model):
    """A resumable upload in progress (tus). Never visible as a file until it is complete.

    An API upload belongs to a draft package from the start. A portal upload (the new-package
    form) is *staged*: it has no package until the form is sent; when its last byte is in, it is
    checked and kept sealed in the spool (``sha256`` set) until the form claims it or it expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    filename = models.CharField(max_length=255)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    frames = models.PositiveIntegerField(default=0)
    staged_bytes = models.BigIntegerField(default=0)
    expected_sha256 = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)  # of the whole file, once complete
    wrapped_key = models.TextField()
    key_id = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    file = models.OneToOneField(
        PackageFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
