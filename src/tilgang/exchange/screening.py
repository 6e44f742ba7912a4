"""What an uploaded file really is: refuses executables (also disguised ones), and looks inside
uploaded archives for path traversal, executables and zip bombs, without writing plaintext
anywhere (it reads the encrypted spool file through ``SeekableEnvelope``)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from tilgang.exchange.storage import SealedBlob, SeekableEnvelope

# Content signatures of programs, whatever the file is called.
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
    b"#!",  # scripts with an interpreter line
)
EXECUTABLE_SUFFIXES = frozenset(
    ".exe .dll .com .bat .cmd .scr .msi .msp .ps1 .vbs .vbe .js .jse .wsf .wsh .hta .jar .app .sh "
    ".cpl .lnk .pif .reg .apk .elf .so .dylib".split()
)
SEVENZ_MAGIC = b"7z\xbc\xaf\x27\x1c"
ZIP_MAGIC = b"PK\x03\x04"


class InspectionError(Exception):
    """The file is refused; the message is translated and safe to show."""


@dataclass
class Verdict:
    self_encrypted: bool = False


def max_file_bytes() -> int:
    return int(getattr(settings, "EXCHANGE_MAX_FILE_BYTES", 20 * 1024**3))


def _suffix(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[-1] if "." in base else ""


def _unsafe_name(name: str) -> bool:
    plain = name.replace("\\", "/")
    return (
        plain.startswith("/")
        or (len(plain) > 1 and plain[1] == ":")
        or any(part == ".." for part in plain.split("/"))
        or "\x00" in plain
    )


def _refuse_executable(name: str, head: bytes, *, inside: str = "") -> None:
    if _suffix(name) in EXECUTABLE_SUFFIXES or any(head.startswith(magic) for magic in EXECUTABLE_MAGIC):
        if inside:
            raise InspectionError(
                _("The archive %(archive)s contains a program (%(name)s). Programs cannot be exchanged.")
                % {"archive": inside, "name": name}
            )
        raise InspectionError(
            _("%(name)s is a program, not a data file. Programs cannot be exchanged.") % {"name": name}
        )


def _check_members(archive_name: str, members: list[tuple[str, int]], packed: int) -> None:
    limit_members = int(getattr(settings, "EXCHANGE_ARCHIVE_MAX_MEMBERS", 10000))
    max_ratio = int(getattr(settings, "EXCHANGE_ARCHIVE_MAX_RATIO", 100))
    if len(members) > limit_members:
        raise InspectionError(
            _("The archive %(name)s holds more than %(limit)d files.")
            % {"name": archive_name, "limit": limit_members}
        )
    total = 0
    for name, size in members:
        if _unsafe_name(name):
            raise InspectionError(
                _(
                    "The archive %(archive)s contains an unsafe path (%(name)s) that would write outside its folder."
                )
                % {"archive": archive_name, "name": name}
            )
        _refuse_executable(name, b"", inside=archive_name)
        total += max(size, 0)
    if total > max_file_bytes() or (packed > 0 and total > max_ratio * packed and total > 10 * 1024**2):
        raise InspectionError(
            _("The archive %(name)s would unpack to far more than its own size (a zip bomb). It was refused.")
            % {"name": archive_name}
        )


def _inspect_zip(blob: SealedBlob, view: SeekableEnvelope) -> Verdict:
    try:
        archive = zipfile.ZipFile(view)  # type: ignore[arg-type]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InspectionError(_("%(name)s is not a readable ZIP file.") % {"name": blob.name}) from error
    infos = archive.infolist()
    _check_members(blob.name, [(info.filename, info.file_size) for info in infos], blob.size)
    encrypted = any(info.flag_bits & 0x1 for info in infos)
    for info in infos:
        if (
            info.flag_bits & 0x1
            or info.is_dir()
            or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        ):
            continue
        with archive.open(info) as member:
            _refuse_executable(info.filename, member.read(8), inside=blob.name)
    return Verdict(self_encrypted=encrypted)


def _inspect_7z(blob: SealedBlob, view: SeekableEnvelope) -> Verdict:
    import py7zr
    from py7zr.exceptions import PasswordRequired

    try:
        with py7zr.SevenZipFile(view) as archive:  # type: ignore[arg-type]
            infos = archive.list()
            encrypted = archive.needs_password()
    except PasswordRequired:
        # Encrypted headers: the sender's own encrypted archive (their convention too); it stays
        # opaque to the portal and travels inside the package archive as it is.
        return Verdict(self_encrypted=True)
    except Exception as error:  # py7zr raises many kinds on damaged input
        raise InspectionError(_("%(name)s is not a readable 7z file.") % {"name": blob.name}) from error
    _check_members(blob.name, [(info.filename, int(info.uncompressed or 0)) for info in infos], blob.size)
    return Verdict(self_encrypted=encrypted)


def check_name(name: str) -> None:
    """Refuse by name alone (a program's suffix, an unsafe path) before any content arrives."""
    if _unsafe_name(name) or not name.strip():
        raise InspectionError(_("The file name %(name)s is not allowed.") % {"name": name})
    _refuse_executable(name, b"")


def inspect_blob(blob: SealedBlob) -> Verdict:
    """Raise InspectionError when the file must be refused."""
    if blob.error == "too_large" or blob.size > max_file_bytes():
        raise InspectionError(
            _("%(name)s is larger than the limit of %(limit)s bytes.")
            % {"name": blob.name, "limit": f"{max_file_bytes():,}"}
        )
    if _unsafe_name(blob.name) or not blob.name.strip():
        raise InspectionError(_("The file name %(name)s is not allowed.") % {"name": blob.name})
    _refuse_executable(blob.name, blob.head)
    if blob.head.startswith(ZIP_MAGIC) or blob.head.startswith(SEVENZ_MAGIC):
        with open(blob.path, "rb") as handle:
            view = SeekableEnvelope(handle, blob.data_key)
            if blob.head.startswith(ZIP_MAGIC):
                return _inspect_zip(blob, view)
            return _inspect_7z(blob, view)
    return Verdict()
