"""Envelope encryption of files at rest, streaming in frames so any size uses constant memory.

Each stored file gets its own random 256-bit data key. The data key is wrapped by a key wrapper
(the master key from settings by default, a key-management service behind the same interface in
production) and the wrapped key is kept in the database, never next to the file: a copy of the
storage bucket alone reveals nothing.

Blob format: ``MAGIC`` then frames ``[4-byte big-endian length][AES-256-GCM ciphertext + tag]``.
The nonce of frame *i* is *i* (11 bytes, big-endian) followed by a final-frame flag, and the magic
is authenticated with every frame, so frames cannot be reordered, dropped, or the blob truncated
(the last frame must carry the flag). Frames may have any length, which lets a resumable upload
end a frame at the end of every request.

No Django imports: the engine and the TSD adapter may use it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"TLGXENV1"
FRAME_SIZE = 1 << 20  # plaintext bytes per frame when the writer chooses
TAG = 16
_LENGTH = struct.Struct(">I")


class EnvelopeError(Exception):
    """The stored blob is damaged, truncated, or was sealed under another key."""


class KeyWrapper(Protocol):
    """Wraps and unwraps data keys. ``key_id`` names the wrapping key so keys can be rotated."""

    key_id: str

    def wrap(self, data_key: bytes) -> str: ...

    def unwrap(self, wrapped: str) -> bytes: ...


class MasterKeyWrapper:
    """Wraps data keys with AES-256-GCM under a key derived from the master key."""

    def __init__(self, master_key: str, purpose: str = "exchange-data-key") -> None:
        self._key = hashlib.sha256(f"tilgang:{purpose}:{master_key}".encode()).digest()
        # A short fingerprint of the wrapping key (not of the master key itself) for rotation.
        self.key_id = "mk-" + hmac.new(self._key, b"key-id", "sha256").hexdigest()[:12]

    def wrap(self, data_key: bytes) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self._key).encrypt(nonce, data_key, self.key_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def unwrap(self, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        try:
            return AESGCM(self._key).decrypt(raw[:12], raw[12:], self.key_id.encode())
        except Exception as error:  # cryptography raises InvalidTag
            raise EnvelopeError("the data key cannot be unwrapped with this master key") from error


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EnvelopeWriter:
    """Encrypts a stream into the frame format. ``frames`` continues a blob written earlier
    (a resumed upload); ``header`` is False then, because the magic is already there."""

    def __init__(self, out: BinaryIO, data_key: bytes, *, frames: int = 0, header: bool = True) -> None:
        self._out = out
        self._aead = AESGCM(data_key)
        self._buffer = bytearray()
        self.frames = frames
        self.plain_bytes = 0
        self.written = 0
        if header:
            out.write(MAGIC)
            self.written += len(MAGIC)

    def _emit(self, chunk: bytes, final: bool = False) -> None:
        sealed = self._aead.encrypt(_nonce(self.frames, final), chunk, MAGIC)
        self._out.write(_LENGTH.pack(len(sealed)))
        self._out.write(sealed)
        self.written += _LENGTH.size + len(sealed)
        self.frames += 1

    def write(self, data: bytes | memoryview) -> None:
        self.plain_bytes += len(data)
        if not self._buffer and len(data) >= FRAME_SIZE:
            view = memoryview(data)
            while len(view) >= FRAME_SIZE:
                self._emit(bytes(view[:FRAME_SIZE]))
                view = view[FRAME_SIZE:]
            self._buffer.extend(view)
            return
        self._buffer.extend(data)
        while len(self._buffer) >= FRAME_SIZE:
            self._emit(bytes(self._buffer[:FRAME_SIZE]))
            del self._buffer[:FRAME_SIZE]

    def flush_frame(self) -> None:
        """End the current frame (at the end of an upload request) without ending the blob."""
        if self._buffer:
            self._emit(bytes(self._buffer))
            self._buffer.clear()

    def close(self) -> None:
        """Write what is left and the empty final frame that marks the blob complete."""
        self.flush_frame()
        self._emit(b"", final=True)


def envelope_encrypt(source: BinaryIO, out: BinaryIO, data_key: bytes, chunk: int = FRAME_SIZE) -> int:
    writer = EnvelopeWriter(out, data_key)
    while block := source.read(chunk):
        writer.write(block)
    writer.close()
    return writer.plain_bytes


def envelope_frames(blob: BinaryIO, data_key: bytes) -> Iterator[bytes]:
    """Yield the plaintext frame by frame; raises EnvelopeError on any tampering or truncation."""
    if blob.read(len(MAGIC)) != MAGIC:
        raise EnvelopeError("not an encrypted exchange blob")
    aead = AESGCM(data_key)
    index = 0
    while True:
        head = blob.read(_LENGTH.size)
        if not head:
            raise EnvelopeError("the blob is truncated (no final frame)")
        if len(head) != _LENGTH.size:
            raise EnvelopeError("the blob is truncated inside a frame header")
        (length,) = _LENGTH.unpack(head)
        sealed = blob.read(length)
        if len(sealed) != length or length < TAG:
            raise EnvelopeError("the blob is truncated inside a frame")
        try:
            if length == TAG:
                # Only the final frame is empty; anything else of that length is an error too.
                aead.decrypt(_nonce(index, True), sealed, MAGIC)
                if blob.read(1):
                    raise EnvelopeError("data after the final frame")
                return
            yield aead.decrypt(_nonce(index, False), sealed, MAGIC)
        except EnvelopeError:
            raise
        except Exception as error:
            raise EnvelopeError(f"frame {index} failed authentication") from error
        index += 1


class EnvelopeReader:
    """A read-only file-like view of the plaintext of a blob (for archive writers and the engine)."""

    def __init__(self, blob: BinaryIO, data_key: bytes) -> None:
        self._frames = envelope_frames(blob, data_key)
        self._blob = blob
        self._pending = b""
        self._done = False

    def read(self, size: int = -1) -> bytes:
        parts = [self._pending]
        have = len(self._pending)
        while not self._done and (size < 0 or have < size):
            try:
                frame = next(self._frames)
            except StopIteration:
                self._done = True
                break
            parts.append(frame)
            have += len(frame)
        data = b"".join(parts)
        if size < 0 or len(data) <= size:
            self._pending = b""
            return data
        self._pending = data[size:]
        return data[:size]

    def close(self) -> None:
        self._blob.close()

    def __enter__(self) -> EnvelopeReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
