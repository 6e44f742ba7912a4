"""Direct delivery into a secure analysis environment (DOMAIN R-FX-5: "for TSD projects the office
can upload directly into the project").

An adapter receives the encrypted archive as a stream and puts it into the project's import area;
the recipient opens it there with the password sent by SMS. ``TsdImportAdapter`` speaks the TSD
file import API: an import token from the project's API key, a streaming PUT for small files, and
resumable chunked PATCH uploads (``?chunk=N&id=…``, finished by ``?chunk=end``) for large ones, so
an interrupted delivery resumes at the last chunk the server has.

No Django imports.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import BinaryIO, Protocol

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The environment did not accept the delivery."""


class SecureEnvironmentAdapter(Protocol):
    name: str

    def deliver(self, *, filename: str, source: BinaryIO, size: int) -> str:
        """Stream ``size`` bytes from ``source`` into the environment; return its reference."""
        ...


class TsdImportAdapter:
    name = "tsd"

    def __init__(
        self,
        *,
        base_url: str,
        project: str,
        api_key: str,
        chunk_size: int = 64 * 1024 * 1024,
        attempts: int = 3,
        timeout: float = 60,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.project = project
        self._api_key = api_key
        self.chunk_size = chunk_size
        self.attempts = attempts
        self.timeout = timeout
        self._token = ""

    # -- plumbing --

    def _url(self, path: str, **query: str) -> str:
        url = f"{self.base}/v1/{self.project}/{path}"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _authenticate(self) -> None:
        request = urllib.request.Request(  # noqa: S310 (operator-configured https URL)
            self._url("auth/basic/token", type="import"),
            method="POST",
            headers={"Authorization": f"Bearer {self._api_key}", "Content-Type": "application/json"},
            data=b"{}",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                self._token = json.loads(response.read())["token"]
        except (urllib.error.URLError, KeyError, ValueError) as error:
            raise DeliveryError(f"TSD refused the API key: {type(error).__name__}") from error

    def _send(self, method: str, url: str, data, length: int | None = None) -> dict:
        """One request with the import token, renewing the token once if it has expired."""
        for renew in (False, True):
            if not self._token or renew:
                self._authenticate()
            headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/octet-stream"}
            if length is not None:
                headers["Content-Length"] = str(length)
            request = urllib.request.Request(url, method=method, data=data, headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    body = response.read()
                    return json.loads(body) if body else {}
            except urllib.error.HTTPError as error:
                if error.code == 401 and not renew and not hasattr(data, "read"):
                    continue
                raise
        raise DeliveryError("TSD did not accept the import token")

    # -- delivery --

    def deliver(self, *, filename: str, source: BinaryIO, size: int) -> str:
        name = urllib.parse.quote(filename, safe="")
        if size <= self.chunk_size:
            try:
                self._send("PUT", self._url(f"files/stream/{name}"), source, length=size)
            except (urllib.error.URLError, OSError) as error:
                raise DeliveryError(f"the upload to TSD failed: {error}") from error
            return filename
        return self._deliver_resumable(name, filename, source, size)

    def _resumable_state(self, name: str, upload_id: str) -> int:
        try:
            state = self._send("GET", self._url(f"files/resumables/{name}", id=upload_id), None)
        except (urllib.error.URLError, OSError):
            return -1
        return int(state.get("max_chunk", 0))

    def _deliver_resumable(self, name: str, filename: str, source: BinaryIO, size: int) -> str:
        upload_id = ""
        number, sent = 0, 0
        while sent < size:
            chunk = source.read(min(self.chunk_size, size - sent))
            if not chunk:
                raise DeliveryError("the archive ended before its announced size")
            number += 1
            for attempt in range(1, self.attempts + 1):
                query = {"chunk": str(number), **({"id": upload_id} if upload_id else {})}
                try:
                    answer = self._send(
                        "PATCH", self._url(f"files/stream/{name}", **query), chunk, length=len(chunk)
                    )
                    upload_id = answer.get("id", upload_id)
                    break
                except (urllib.error.URLError, OSError) as error:
                    # The server may have the chunk even if the answer was lost: ask before resending.
                    if upload_id and self._resumable_state(name, upload_id) >= number:
                        break
                    logger.warning(
                        "TSD chunk %d failed on attempt %d: %s", number, attempt, type(error).__name__
                    )
                    if attempt == self.attempts:
                        raise DeliveryError(f"chunk {number} could not be delivered to TSD") from error
                    time.sleep(0.2 * attempt)
            sent += len(chunk)
        self._send("PATCH", self._url(f"files/stream/{name}", chunk="end", id=upload_id), b"", length=0)
        return f"{filename}#{upload_id}"
