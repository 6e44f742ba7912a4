"""Checking uploaded documents: PDF, DOCX, XLSX and ODT only, judged by their content, not their name.

Reusable by any app that takes attachments (``validate_document`` or the form field ``DocumentField``):
- the type is read from the magic bytes and the archive's members, and must agree with the extension;
- executables are refused outright, and so are documents that carry macros or scripts
  (VBA projects in Office files, Basic/Scripts in ODF, JavaScript, launch actions or embedded files in PDF);
- size limits, and a guard against archives that expand to far more than they weigh (zip bombs).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 5000

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
}
ALL_KINDS = tuple(CONTENT_TYPES)

EXECUTABLE_MAGIC = (
    (b"MZ", "Windows"),
    (b"\x7fELF", "Linux"),
    (b"\xcf\xfa\xed\xfe", "macOS"),
    (b"\xfe\xed\xfa\xcf", "macOS"),
    (b"\xca\xfe\xba\xbe", "macOS"),
    (b"#!", "script"),
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls: may carry macros, not accepted
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


class UploadError(ValidationError):
    """A refused file; the message is translated and says what to do."""


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # pdf, docx, xlsx, odt
    content_type: str
    size: int
    sha256: str
    name: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _allowed_text(allowed: tuple[str, ...]) -> str:
    return ", ".join(kind.upper() for kind in allowed)


def _zip_kind(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise UploadError(_("The file is damaged: it could not be opened."), code="damaged") from error
    if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise UploadError(_("The file unpacks to far more than its size and is refused."), code="bomb")
    names = {member.filename for member in members}
    lowered = {name.lower() for name in names}
    if "mimetype" in names:
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
        if mimetype != CONTENT_TYPES["odt"]:
            raise UploadError(_("Only text documents (ODT) are accepted from OpenDocument."), code="type")
        if any(name.startswith(("basic/", "scripts/")) for name in lowered):
            raise UploadError(
                _("The document contains macros or scripts. Save it without them, or as PDF."), code="macro"
            )
        return "odt"
    if "[Content_Types].xml" not in names:
        raise UploadError(_("The file is not a PDF, Word, Excel or OpenDocument text file."), code="type")
    content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace").lower()
    if any(name.endswith("vbaproject.bin") for name in lowered) or "macroenabled" in content_types:
        raise UploadError(
            _("The document contains macros. Save it as an ordinary .docx or .xlsx file, or as PDF."),
            code="macro",
        )
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise UploadError(_("The file is not a PDF, Word, Excel or OpenDocument text file."), code="type")


def detect_kind(data: bytes) -> str:
    """The document kind from the content; raises UploadError for anything else."""
    for magic, _system in EXECUTABLE_MAGIC:
        if data.startswith(magic):
            raise UploadError(_("Programs and scripts cannot be uploaded."), code="executable")
    if data.startswith(OLE_MAGIC):
        raise UploadError(
            _(
                "Old Word and Excel files (.doc, .xls) are not accepted. Save the file as .docx, .xlsx or PDF."
            ),
            code="type",
        )
    if data[:1024].lstrip().startswith(b"%PDF-"):
        if PDF_ACTIVE.search(data):
            raise UploadError(
                _(
                    "The PDF contains scripts, actions or embedded files. Print it to a plain PDF and try again."
                ),
                code="macro",
            )
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    raise UploadError(_("The file is not a PDF, Word, Excel or OpenDocument text file."), code="type")


def validate_document(
    file: IO[bytes],
    name: str,
    *,
    allowed: tuple[str, ...] = ALL_KINDS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> CheckedFile:
    """Check an uploaded document and describe it; raises UploadError with a message to show."""
    file.seek(0)
    data = file.read(max_bytes + 1)
    file.seek(0)
    if not data:
        raise UploadError(_("The file %(name)s is empty.") % {"name": name}, code="empty")
    if len(data) > max_bytes:
        raise UploadError(
            _("The file %(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(max_bytes)},
            code="size",
        )
    kind = detect_kind(data)
    if kind not in allowed:
        raise UploadError(
            _("%(kind)s files are not accepted here. Accepted: %(allowed)s.")
            % {"kind": kind.upper(), "allowed": _allowed_text(allowed)},
            code="type",
        )
    extension = _extension(name)
    if extension != kind:
        raise UploadError(
            _(
                "The file %(name)s is a %(kind)s file but is named .%(extension)s. Give it the right extension."
            )
            % {"name": name, "kind": kind.upper(), "extension": extension or "?"},
            code="extension",
        )
    return CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        name=name[-255:],
    )


def _accepted_help_now(max_bytes: int) -> str:
    return _("PDF, Word (.docx), Excel (.xlsx) or OpenDocument text (.odt), at most %(limit)s.") % {
        "limit": filesizeformat(max_bytes)
    }


_accepted_help = lazy(_accepted_help_now, str)


class DocumentField(forms.FileField):
    """A form field that accepts only checked documents; ``cleaned_data`` keeps the upload, and
    ``field.checked`` is set on the uploaded file as ``upload.checked``."""

    def __init__(
        self, *args, allowed: tuple[str, ...] = ALL_KINDS, max_bytes: int = MAX_UPLOAD_BYTES, **kwargs
    ):
        self.allowed, self.max_bytes = allowed, max_bytes
        kwargs.setdefault("help_text", _accepted_help(max_bytes))
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(f".{kind}" for kind in allowed))

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "read"):
            upload.checked = validate_document(
                upload, upload.name, allowed=self.allowed, max_bytes=self.max_bytes
            )
        return upload
