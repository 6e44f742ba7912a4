"""Password-protected archives that 7-Zip opens on any platform, written as a stream.

- ``write_7z``: a 7z archive, method Copy with 7zAES (AES-256-CBC, key from SHA-256 iterated
  2^19 times over salt and password, as 7-Zip does), with encrypted headers, so the file names are
  hidden too. This is the office's convention for every delivered file set (DOMAIN R-FX-3).
- ``write_zip_aes``: a ZIP with WinZip AES-256 (AE-2) entries, for recipients whose tools need
  ZIP. ZIP cannot hide file names; the portal says so where the format is chosen.

Both read each member once, in fixed-size chunks, so memory stays constant whatever the size. The
7z writer needs a seekable output (the start header is written last); the ZIP writer does not.
No compression: deliveries are Parquet (already compressed) or CSV, and speed matters more.

No Django imports: the engine may package with it too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import queue
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CHUNK = 1 << 20  # larger chunks cost more in page faults than they save in calls
SEVENZIP_SIGNATURE = b"7z\xbc\xaf\x27\x1c"
AES_CODER_ID = b"\x06\xf1\x07\x01"
KDF_CYCLES = 19  # 2^19 SHA-256 rounds, 7-Zip's default


@dataclass
class Member:
    """One file to put in an archive: its name inside the archive, size, time and an opener."""

    name: str
    size: int
    open: Callable[[], Any]  # returns a readable binary stream usable in ``with``
    mtime: float = 0.0
    crc: int = 0  # filled in while writing


class ArchiveError(Exception):
    """A member was shorter or longer than announced, or a name is unsafe."""


def safe_member_name(name: str) -> str:
    """Member names are plain file names: no directories, no traversal, no drive letters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base in {"", ".", ".."} or ":" in base or "\x00" in base:
        raise ArchiveError(f"unsafe member name: {name!r}")
    return base


# --- reading members in a second thread ----------------------------------------------------------


def _chunks(members: list[Member], chunk: int) -> Iterable[tuple[int, memoryview]]:
    """Yield (member index, chunk) while another thread reads and checksums ahead.

    File reads and CRC-32 release the GIL, so reading overlaps with encryption. Reads go into a
    few recycled buffers (a chunk is valid until the next one is asked for), which keeps memory
    flat and spares the kernel from handing out fresh pages for every chunk."""
    feed: queue.Queue = queue.Queue(maxsize=4)
    free: queue.Queue = queue.Queue()
    for _ in range(6):
        free.put(bytearray(chunk))
    stop = threading.Event()

    def reader() -> None:
        try:
            for index, member in enumerate(members):
                crc, seen = 0, 0
                with member.open() as source:
                    readinto = getattr(source, "readinto", None)
                    while not stop.is_set():
                        buffer = free.get()
                        if readinto is not None:
                            length = readinto(buffer)
                        else:
                            data = source.read(chunk)
                            length = len(data)
                            buffer[:length] = data
                        if not length:
                            free.put(buffer)
                            break
                        seen += length
                        if seen > member.size:
                            raise ArchiveError(f"{member.name} is longer than {member.size} bytes")
                        view = memoryview(buffer)[:length]
                        crc = zlib.crc32(view, crc)
                        feed.put((index, buffer, view))
                if seen != member.size and not stop.is_set():
                    raise ArchiveError(f"{member.name} is {seen} bytes, expected {member.size}")
                member.crc = crc
            feed.put(None)
        except BaseException as error:  # handed to the consumer
            feed.put(error)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    previous = None
    try:
        while True:
            item = feed.get()
            if previous is not None:
                free.put(previous)
                previous = None
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            index, buffer, view = item
            previous = buffer
            yield index, view
    finally:
        stop.set()
        while thread.is_alive():
            try:
                item = feed.get_nowait()
                if isinstance(item, tuple):
                    free.put(item[1])
            except queue.Empty:
                free.put(bytearray(chunk))
                time.sleep(0.001)
        thread.join()


class _Writer:
    """Writes encrypted chunks in a thread of its own (file writes release the GIL), recycling
    a few buffers so memory stays flat."""

    def __init__(self, out: BinaryIO, buffers: int = 4) -> None:
        self._out = out
        self._todo: queue.Queue = queue.Queue(maxsize=buffers)
        self._free: queue.Queue = queue.Queue()
        self._count = 0
        self._limit = buffers + 2
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Writer:
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            item = self._todo.get()
            if item is None:
                return
            buffer, length = item
            try:
                if self._error is None:
                    self._out.write(memoryview(buffer)[:length])
            except BaseException as error:
                self._error = error
            self._free.put(buffer)

    def buffer(self, size: int) -> bytearray:
        if self._error:
            raise self._error
        while True:
            try:
                buffer = self._free.get_nowait() if self._count >= self._limit else self._free.get_nowait()
            except queue.Empty:
                if self._count < self._limit:
                    self._count += 1
                    return bytearray(size)
                buffer = self._free.get()
            if len(buffer) >= size:
                return buffer
            self._count -= 1  # too small: let it go and make a bigger one

    def put(self, buffer: bytearray, length: int) -> None:
        if self._error:
            raise self._error
        self._todo.put((buffer, length))

    def __exit__(self, *exc) -> None:
        self._todo.put(None)
        self._thread.join()
        if self._error and exc[0] is None:
            raise self._error


# --- 7z -------------------------------------------------------------------------------------------


def _number(value: int) -> bytes:
    """7z's variable-length number: the count of leading 1-bits in the first byte = extra bytes."""
    for extra in range(8):
        if value < 1 << (7 * (extra + 1)):
            high = value >> (8 * extra)
            first = ((0xFF << (8 - extra)) & 0xFF) | high
            return bytes([first]) + (value & ((1 << (8 * extra)) - 1)).to_bytes(extra, "little")
    return b"\xff" + value.to_bytes(8, "little")


def _bits(flags: list[bool]) -> bytes:
    out = bytearray((len(flags) + 7) // 8)
    for i, flag in enumerate(flags):
        if flag:
            out[i // 8] |= 0x80 >> (i % 8)
    return bytes(out)


def sevenzip_key(password: str, salt: bytes, cycles: int = KDF_CYCLES) -> bytes:
    """7-Zip's key: SHA-256 over (salt, UTF-16LE password, 64-bit counter) repeated 2^cycles times.

    The repetitions are laid out with numpy in batches, so hashing runs at C speed."""
    block = np.frombuffer(salt + password.encode("utf-16-le"), dtype=np.uint8)
    digest = hashlib.sha256()
    total, batch = 1 << cycles, 1 << 16
    rows = np.empty((batch, len(block) + 8), dtype=np.uint8)
    rows[:, : len(block)] = block
    for start in range(0, total, batch):
        count = min(batch, total - start)
        counters = np.arange(start, start + count, dtype="<u8").view(np.uint8).reshape(count, 8)
        rows[:count, len(block) :] = counters
        digest.update(rows[:count].tobytes())
    return digest.digest()


def _aes_folder(salt: bytes, iv: bytes) -> bytes:
    props = bytes([KDF_CYCLES | 0x80 | 0x40, ((len(salt) - 1) << 4) | (len(iv) - 1)]) + salt + iv
    # one coder; flag: attributes follow (0x20), 4-byte codec id; one in, one out, no bind pairs
    return b"\x01" + bytes([0x20 | len(AES_CODER_ID)]) + AES_CODER_ID + _number(len(props)) + props


def _filetime(seconds: float) -> bytes:
    return struct.pack("<Q", int((seconds + 11644473600) * 10_000_000))


def _files_info(members: list[Member]) -> bytes:
    out = bytearray(b"\x05" + _number(len(members)))
    empty = [m.size == 0 for m in members]
    if any(empty):
        vector = _bits(empty)
        out += b"\x0e" + _number(len(vector)) + vector
        files = _bits([True] * sum(empty))  # every empty stream is an empty file, not a folder
        out += b"\x0f" + _number(len(files)) + files
    names = b"".join(m.name.encode("utf-16-le") + b"\x00\x00" for m in members)
    out += b"\x11" + _number(len(names) + 1) + b"\x00" + names
    times = b"".join(_filetime(m.mtime or time.time()) for m in members)
    out += b"\x14" + _number(len(times) + 2) + b"\x01\x00" + times
    # FILE_ATTRIBUTE_ARCHIVE, plus Unix mode rw-r--r-- in the high half (7-Zip's extension)
    attrs = struct.pack("<I", 0x20 | 0x8000 | (0o100644 << 16)) * len(members)
    out += b"\x15" + _number(len(attrs) + 2) + b"\x01\x00" + attrs
    out += b"\x00"
    return bytes(out)


def write_7z(
    members: list[Member],
    out: BinaryIO,
    password: str,
    *,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a 7z archive (AES-256, encrypted headers) to the seekable ``out``; returns its size."""
    for member in members:
        member.name = safe_member_name(member.name)
    start = out.tell()
    out.write(b"\x00" * 32)  # the start header, filled in at the end
    salt, data_iv, header_iv = os.urandom(16), os.urandom(16), os.urandom(16)
    key = sevenzip_key(password, salt)

    streams = [m for m in members if m.size > 0]
    unpacked = sum(m.size for m in streams)
    packed = 0
    if streams:
        encryptor = Cipher(algorithms.AES(key), modes.CBC(data_iv)).encryptor()
        with _Writer(out) as writer:
            for _index, block in _chunks(streams, chunk):
                buffer = writer.buffer(len(block) + 16)
                written = encryptor.update_into(block, buffer)
                writer.put(buffer, written)
                packed += written
                if progress:
                    progress(len(block))
            pad = (-unpacked) % 16
            tail = encryptor.update(b"\x00" * pad) + encryptor.finalize()
            writer.put(bytearray(tail), len(tail))
            packed += len(tail)

    header = bytearray(b"\x01")
    if streams:
        header += b"\x04"
        header += b"\x06" + _number(0) + _number(1) + b"\x09" + _number(packed) + b"\x00"
        header += b"\x07\x0b" + _number(1) + b"\x00" + _aes_folder(salt, data_iv)
        header += b"\x0c" + _number(unpacked) + b"\x00"
        header += b"\x08\x0d" + _number(len(streams))
        if len(streams) > 1:
            header += b"\x09" + b"".join(_number(m.size) for m in streams[:-1])
        header += b"\x0a\x01" + b"".join(struct.pack("<I", m.crc) for m in streams) + b"\x00"
        header += b"\x00"
    header += _files_info(members)
    header += b"\x00"

    encryptor = Cipher(algorithms.AES(key), modes.CBC(header_iv)).encryptor()
    sealed_header = encryptor.update(bytes(header) + b"\x00" * ((-len(header)) % 16)) + encryptor.finalize()
    out.write(sealed_header)

    encoded = bytearray(b"\x17")
    encoded += b"\x06" + _number(packed) + _number(1) + b"\x09" + _number(len(sealed_header)) + b"\x00"
    encoded += b"\x07\x0b" + _number(1) + b"\x00" + _aes_folder(salt, header_iv)
    encoded += b"\x0c" + _number(len(header))
    encoded += b"\x0a\x01" + struct.pack("<I", zlib.crc32(header)) + b"\x00"
    encoded += b"\x00"
    out.write(encoded)
    end = out.tell()

    next_header = struct.pack("<QQI", packed + len(sealed_header), len(encoded), zlib.crc32(encoded))
    out.seek(start)
    out.write(SEVENZIP_SIGNATURE + b"\x00\x04" + struct.pack("<I", zlib.crc32(next_header)) + next_header)
    out.seek(end)
    return end - start


# --- ZIP with WinZip AES-256 (AE-2) --------------------------------------------------------------


def _dos_time(seconds: float) -> tuple[int, int]:
    t = time.localtime(seconds or time.time())
    year = max(t.tm_year, 1980)
    return (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2), ((year - 1980) << 9) | (
        t.tm_mon << 5
    ) | t.tm_mday


def _ctr_le(key: bytes, first_block: int, data: bytes) -> bytes:
    """WinZip's AES-CTR: a little-endian block counter starting at 1 (not the usual big-endian)."""
    blocks = (len(data) + 15) // 16
    counters = np.zeros((blocks, 2), dtype="<u8")
    counters[:, 0] = np.arange(first_block, first_block + blocks, dtype="<u8")
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 (keystream only)
    stream = np.frombuffer(encryptor.update(counters.tobytes()), dtype=np.uint8)[: len(data)]
    return (np.frombuffer(data, dtype=np.uint8) ^ stream).tobytes()


class _Counting:
    def __init__(self, out: BinaryIO) -> None:
        self.out, self.position = out, 0

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)


def write_zip_aes(
    members: list[Member],
    out: BinaryIO,
    password: str,
    *,
    chunk: int = 1 << 20,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a ZIP whose entries are WinZip AES-256 encrypted (AE-2); streams, needs no seek."""
    for member in members:
        member.name = safe_member_name(member.name)
    sink = _Counting(out)
    central = bytearray()
    aes_extra = struct.pack("<HHH2sBH", 0x9901, 7, 2, b"AE", 3, 0)  # AE-2, AES-256, stored
    for member in members:
        name = member.name.encode()
        salt = os.urandom(16)
        material = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 1000, 66)
        key, mac_key, verifier = material[:32], material[32:64], material[64:]
        compressed = 16 + 2 + member.size + 10
        big = compressed >= 0xFFFFFFFF
        dtime, ddate = _dos_time(member.mtime)
        offset = sink.position
        zip64_local = struct.pack("<HHQQ", 0x0001, 16, member.size, compressed) if big else b""
        sink.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                51,
                0x0801,  # encrypted, UTF-8 name
                99,
                dtime,
                ddate,
                0,  # AE-2 carries no CRC
                0xFFFFFFFF if big else compressed,
                0xFFFFFFFF if big else member.size,
                len(name),
                len(aes_extra) + len(zip64_local),
            )
            + name
            + aes_extra
            + zip64_local
        )
        sink.write(salt + verifier)
        mac = hmac.new(mac_key, digestmod="sha1")
        counter, seen = 1, 0
        with member.open() as source:
            while block := source.read(chunk):
                seen += len(block)
                if seen > member.size:
                    raise ArchiveError(f"{member.name} is longer than {member.size} bytes")
                sealed = _ctr_le(key, counter, block)
                counter += (len(block) + 15) // 16
                mac.update(sealed)
                sink.write(sealed)
                if progress:
                    progress(len(block))
                if len(block) % 16 and seen < member.size:
                    raise ArchiveError("reads must come in whole AES blocks")
        if seen != member.size:
            raise ArchiveError(f"{member.name} is {seen} bytes, expected {member.size}")
        sink.write(mac.digest()[:10])
        zip64_central = b""
        if big or offset >= 0xFFFFFFFF:
            zip64_central = struct.pack("<HHQQQ", 0x0001, 24, member.size, compressed, offset)
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 63,
                51,
                0x0801,
                99,
                dtime,
                ddate,
                0,
                0xFFFFFFFF if zip64_central else compressed,
                0xFFFFFFFF if zip64_central else member.size,
                len(name),
                len(aes_extra) + len(zip64_central),
                0,
                0,
                0,
                0o100644 << 16,
                0xFFFFFFFF if zip64_central else offset,
            )
            + name
            + aes_extra
            + zip64_central
        )
    directory_at = sink.position
    sink.write(bytes(central))
    count = len(members)
    if directory_at >= 0xFFFFFFFF or count >= 0xFFFF or len(central) >= 0xFFFFFFFF:
        zip64_end = sink.position
        sink.write(
            struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), directory_at)
        )
        sink.write(struct.pack("<IIQI", 0x07064B50, 0, zip64_end, 1))
        sink.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    else:
        sink.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_at, 0))
    return sink.position


def write_archive(
    fmt: str,
    members: list[Member],
    out: BinaryIO,
    password: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    if fmt == "7z":
        return write_7z(members, out, password, progress=progress)
    if fmt == "zip":
        return write_zip_aes(members, out, password, progress=progress)
    raise ValueError(f"unknown archive format {fmt!r}")
