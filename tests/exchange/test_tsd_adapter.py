"""Direct delivery into TSD through its file import protocol, against a local server that speaks it:
token auth, streaming PUT, resumable chunks (one chunk fails and is resent)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.exchange.conftest import send_package
from tilgang.audit.models import AuditEvent
from tilgang.exchange import services
from tilgang.exchange.adapters import DeliveryError, TsdImportAdapter

API_KEY = "project-api-key"


class FakeTsd(BaseHTTPRequestHandler):
    root: Path
    tokens: set
    resumables: dict
    fail_chunks: set
    requests: list

    def log_message(self, *args):
        pass

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self):
        return self.headers.get("Authorization", "").removeprefix("Bearer ") in self.tokens

    def _body(self):
        length = int(self.headers.get("Content-Length", 0))
        remaining, parts = length, []
        while remaining:
            part = self.rfile.read(min(remaining, 1 << 16))
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
        return b"".join(parts)

    def do_POST(self):
        url = urlparse(self.path)
        self._body()
        if url.path == "/v1/p11/auth/basic/token" and parse_qs(url.query).get("type") == ["import"]:
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                return self._json(401, {"message": "bad key"})
            token = uuid.uuid4().hex
            self.tokens.add(token)
            return self._json(200, {"token": token})
        return self._json(404, {})

    def do_PUT(self):
        self.requests.append(("PUT", self.path))
        if not self._authorised():
            return self._json(401, {})
        name = urlparse(self.path).path.rsplit("/", 1)[-1]
        (self.root / name).write_bytes(self._body())
        return self._json(201, {"message": "data streamed"})

    def do_PATCH(self):
        self.requests.append(("PATCH", self.path))
        if not self._authorised():
            return self._json(401, {})
        url = urlparse(self.path)
        name = url.path.rsplit("/", 1)[-1]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self._body()
        if query["chunk"] == "end":
            state = self.resumables.pop(query["id"])
            (self.root / name).write_bytes(b"".join(state["chunks"]))
            return self._json(201, {"id": query["id"], "filename": name})
        number = int(query["chunk"])
        if number in self.fail_chunks:
            self.fail_chunks.discard(number)
            return self._json(503, {"message": "try again"})
        upload_id = query.get("id") or uuid.uuid4().hex
        state = self.resumables.setdefault(upload_id, {"chunks": []})
        if number == len(state["chunks"]) + 1:
            state["chunks"].append(body)
        return self._json(201, {"id": upload_id, "max_chunk": len(state["chunks"]), "filename": name})

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if not self._authorised():
            return self._json(401, {})
        state = self.resumables.get(query.get("id", ""), {"chunks": []})
        return self._json(200, {"id": query.get("id"), "max_chunk": len(state["chunks"])})


@pytest.fixture
def tsd(tmp_path):
    root = tmp_path / "tsd-import"
    root.mkdir()
    handler = type(
        "Handler",
        (FakeTsd,),
        {"root": root, "tokens": set(), "resumables": {}, "fail_chunks": {2}, "requests": []},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, handler
    server.shutdown()


def test_R_FX_5_direct_delivery_into_tsd_in_resumable_chunks(officer, researcher, tsd):
    url, root, handler = tsd
    package = send_package(officer, researcher, {"big.bin": os.urandom(700_000)})
    adapter = TsdImportAdapter(base_url=url, project="p11", api_key=API_KEY, chunk_size=256 * 1024)
    services.package_deliver_direct(actor=officer, package=package, adapter=adapter)
    delivered = root / package.archive_filename
    assert hashlib.sha256(delivered.read_bytes()).hexdigest() == package.archive_sha256
    patches = [path for method, path in handler.requests if method == "PATCH"]
    assert sum("chunk=2" in p for p in patches) == 2  # the failed chunk was sent again
    assert patches[-1].endswith(f"chunk=end&id={patches[-1].split('id=')[1]}")
    assert AuditEvent.objects.filter(action="exchange.package.delivered_direct").count() == 1


def test_small_archive_goes_in_one_streaming_put(officer, researcher, tsd):
    url, root, handler = tsd
    package = send_package(officer, researcher, {"a.csv": b"1,2\n"})
    adapter = TsdImportAdapter(base_url=url, project="p11", api_key=API_KEY)
    services.package_deliver_direct(actor=officer, package=package, adapter=adapter)
    assert [m for m, _ in handler.requests] == ["PUT"]
    assert (
        hashlib.sha256((root / package.archive_filename).read_bytes()).hexdigest() == package.archive_sha256
    )


def test_wrong_api_key_is_refused(officer, researcher, tsd):
    url, _root, _handler = tsd
    package = send_package(officer, researcher, {"a.csv": b"1"})
    adapter = TsdImportAdapter(base_url=url, project="p11", api_key="wrong")
    with pytest.raises(DeliveryError, match="refused the API key"):
        services.package_deliver_direct(actor=officer, package=package, adapter=adapter)
    assert not AuditEvent.objects.filter(action="exchange.package.delivered_direct").exists()


def test_only_sender_or_case_staff_may_deliver(officer, researcher, tsd):
    url, _root, _handler = tsd
    package = send_package(officer, researcher, {"a.csv": b"1"})
    with pytest.raises(services.NotYours):
        services.package_deliver_direct(
            actor=researcher,
            package=package,
            adapter=TsdImportAdapter(base_url=url, project="p11", api_key=API_KEY),
        )
