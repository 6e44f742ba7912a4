"""Streaming responses for archive downloads, with HTTP range requests (portal and API)."""

from __future__ import annotations

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from tilgang.accounts.models import User
from tilgang.exchange import services
from tilgang.exchange.models import Package
from tilgang.exchange.storage import exchange_storage, stored_range

CONTENT_TYPES = {"7z": "application/x-7z-compressed", "zip": "application/zip"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (start, end) inclusive; None for the whole file.

    Raises ValueError when the range cannot be satisfied. Several ranges are answered with the
    whole file, which HTTP allows."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            raise ValueError("empty suffix range")
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise ValueError("range not satisfiable")
    return start, end


def download_response(request, *, actor: User, package: Package) -> HttpResponse | StreamingHttpResponse:
    """Check, record and stream. Raises services.ExchangeError before any byte is sent."""
    size = package.archive_size
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range", "")
    if if_range and if_range.strip('"') != package.archive_sha256:
        header = ""
    try:
        wanted = parse_range(header, size)
    except ValueError:
        services.check_downloadable(actor=actor, package=package)
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    start, end = wanted if wanted else (0, size - 1)
    services.package_download(actor=actor, package=package, start=start, end=end)
    content_type = CONTENT_TYPES.get(package.archive_format, "application/octet-stream")
    local = _local_file(package.archive_name)
    response: FileResponse | StreamingHttpResponse
    if local is not None and size:
        # A local file: the WSGI server may hand it to the kernel (sendfile) from ``start``
        # for Content-Length bytes, as a static file server would.
        local.seek(start)
        file_response = FileResponse(
            _Window(local, end - start + 1), status=206 if wanted else 200, content_type=content_type
        )
        file_response.block_size = 1 << 20
        response = file_response
    else:
        response = StreamingHttpResponse(
            stored_range(package.archive_name, start, end) if size else iter(()),
            status=206 if wanted else 200,
            content_type=content_type,
        )
    response["Content-Length"] = str(end - start + 1 if size else 0)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{package.archive_sha256}"'
    response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'attachment; filename="{package.archive_filename}"'
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _local_file(name: str):
    storage = exchange_storage()
    try:
        path = storage.path(name)
    except NotImplementedError:
        return None
    return open(path, "rb")  # noqa: SIM115 (closed by the response)


class _Window:
    """A file seen from its current position for ``length`` bytes; keeps ``fileno`` so the
    server's sendfile can use it (it sends Content-Length bytes from the current offset)."""

    def __init__(self, handle, length: int) -> None:
        self._handle, self._left = handle, length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def fileno(self) -> int:
        return self._handle.fileno()

    def close(self) -> None:
        self._handle.close()
