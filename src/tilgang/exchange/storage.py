"""Where exchange files live: Django's storage API (local directory by default, S3-compatible in
production), always encrypted, and a local spool for work in progress (uploads being received,
archives being written; both already encrypted, never plaintext).

Settings (all optional): ``EXCHANGE_STORAGE`` (alias in ``STORAGES``, default "default"),
``EXCHANGE_SPOOL_DIR``, ``EXCHANGE_KEY_WRAPPER`` (dotted path of a callable returning a
``KeyWrapper``, e.g. a KMS client; default: the master key).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.utils.module_loading import import_string

from tilgang.exchange.crypto import (
    MAGIC,
    TAG,
    EnvelopeError,
    EnvelopeWriter,
    KeyWrapper,
    MasterKeyWrapper,
    new_data_key,
)

HEAD_BYTES = 4096  # the plaintext head kept in memory to recognise what a file really is


def exchange_storage() -> Storage:
    return storages[getattr(settings, "EXCHANGE_STORAGE", "default")]


def key_wrapper() -> KeyWrapper:
    dotted = getattr(settings, "EXCHANGE_KEY_WRAPPER", "")
    if dotted:
        return import_string(dotted)()
    return MasterKeyWrapper(settings.MASTER_KEY)


def spool_dir() -> Path:
    path = Path(getattr(settings, "EXCHANGE_SPOOL_DIR", "") or Path(settings.VAR_DIR) / "exchange-spool")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class SealedBlob:
    """An encrypted file in the spool, ready to be checked and moved into storage."""

    path: Path
    name: str
    data_key: bytes
    size: int = 0
    sha256: str = ""
    head: bytes = b""
    error: str = ""  # set by the receiver when it had to stop (too large)
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class BlobReceiver:
    """Receives a plaintext stream and writes it encrypted to the spool as it arrives."""

    def __init__(self, name: str, max_bytes: int | None = None) -> None:
        handle, path = tempfile.mkstemp(dir=spool_dir(), prefix="in-", suffix=".blob")
        self._file = os.fdopen(handle, "wb")
        self.blob = SealedBlob(path=Path(path), name=name, data_key=new_data_key())
        self._writer = EnvelopeWriter(self._file, self.blob.data_key)
        self._max = max_bytes

    def write(self, data: bytes) -> bool:
        """False once the size limit is passed; the rest of the stream is then ignored."""
        if self.blob.error:
            return False
        if self._max is not None and self.blob.size + len(data) > self._max:
            self.blob.error = "too_large"
            return False
        if len(self.blob.head) < HEAD_BYTES:
            self.blob.head += bytes(data[: HEAD_BYTES - len(self.blob.head)])
        self.blob.size += len(data)
        self.blob._digest.update(data)
        self._writer.write(data)
        return True

    def close(self) -> SealedBlob:
        self._writer.close()
        self._file.close()
        self.blob.sha256 = self.blob._digest.hexdigest()
        return self.blob

    def abort(self) -> None:
        self._file.close()
        self.blob.discard()


def seal_stream(
    source: BinaryIO, name: str, max_bytes: int | None = None, chunk: int = 1 << 20
) -> SealedBlob:
    receiver = BlobReceiver(name, max_bytes)
    try:
        while block := source.read(chunk):
            if not receiver.write(block):
                break
    except BaseException:
        receiver.abort()
        raise
    return receiver.close()


class SeekableEnvelope(io.RawIOBase):
    """Random access to the plaintext of a blob on a seekable file: a frame index is built once,
    then only the frames a read touches are decrypted (used to look inside uploaded archives
    without writing their plaintext anywhere, and for range reads)."""

    def __init__(self, blob: BinaryIO, data_key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        super().__init__()
        self._blob, self._aead = blob, AESGCM(data_key)
        if blob.read(len(MAGIC)) != MAGIC:
            raise EnvelopeError("not an encrypted exchange blob")
        self._index: list[tuple[int, int, int]] = []  # plain offset, blob offset, sealed length
        plain, position, final = 0, len(MAGIC), False
        while True:
            head = blob.read(4)
            if len(head) < 4:
                break
            length = int.from_bytes(head, "big")
            if length == TAG:
                final = True
                self._index.append((plain, position + 4, length))
                break
            self._index.append((plain, position + 4, length))
            plain += length - TAG
            position += 4 + length
            blob.seek(position)
        if not final:
            raise EnvelopeError("the blob is truncated (no final frame)")
        self.size = plain
        self._pos = 0
        self._cache: tuple[int, bytes] = (-1, b"")

    def _frame(self, number: int) -> bytes:
        if self._cache[0] == number:
            return self._cache[1]
        _plain, offset, length = self._index[number]
        self._blob.seek(offset)
        nonce = number.to_bytes(11, "big") + (b"\x01" if length == TAG else b"\x00")
        try:
            data = self._aead.decrypt(nonce, self._blob.read(length), MAGIC)
        except Exception as error:
            raise EnvelopeError(f"frame {number} failed authentication") from error
        self._cache = (number, data)
        return data

    def _frame_at(self, offset: int) -> int:
        low, high = 0, len(self._index) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self._index[mid][0] <= offset:
                low = mid
            else:
                high = mid - 1
        return low

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self._pos + size)
        parts = []
        while self._pos < end:
            number = self._frame_at(self._pos)
            data = self._frame(number)
            start = self._pos - self._index[number][0]
            piece = data[start : start + (end - self._pos)]
            if not piece:
                break
            parts.append(piece)
            self._pos += len(piece)
        return b"".join(parts)

    def close(self) -> None:
        self._blob.close()
        super().close()


class _SpoolFile(File):
    """Lets FileSystemStorage move the spooled file into place instead of copying it."""

    def temporary_file_path(self) -> str:
        return str(getattr(self.file, "name", ""))


def store_spooled(path: Path, name: str) -> str:
    """Move a finished spool file into storage under ``name``; returns the stored name."""
    storage = exchange_storage()
    with open(path, "rb") as handle:
        stored = storage.save(name, _SpoolFile(handle, name=name))
    path.unlink(missing_ok=True)
    return stored


def open_stored(name: str) -> Any:
    """A readable stream of a stored object that does not pull it all into memory or disk."""
    storage = exchange_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # S3-compatible: stream the body instead of S3File's whole-object copy
        body = bucket.Object(storage._normalize_name(name)).get()["Body"]  # type: ignore[attr-defined]
        return body
    return storage.open(name, "rb")


def stored_range(name: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Yield bytes ``start..end`` (inclusive) of a stored object, chunk by chunk."""
    storage = exchange_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        body = bucket.Object(storage._normalize_name(name)).get(Range=f"bytes={start}-{end}")["Body"]  # type: ignore[attr-defined]
        try:
            yield from body.iter_chunks(chunk)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            block = handle.read(min(chunk, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block
