"""The README's first command, `tilgang demo`, run as a user runs it: on a port of one's own, then stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (our own loopback portal)
        return response.read().decode()


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_demo_on_its_own_port_links_there_and_stops_with_its_worker(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TILGANG_SITE_URL"}}
    env.update(TILGANG_VAR_DIR=str(tmp_path / "var"), TILGANG_MODE="demo", PYTHONUNBUFFERED="1")
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tilgang.cli", "demo", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert demo.poll() is None, (tmp_path / "demo.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "the demo did not answer within 5 minutes"
                time.sleep(1)
        # Every link the demo's e-mails carry points at this portal, not at a default port.
        outbox = _get(f"http://127.0.0.1:{port}/utboks/")
        links = re.findall(r"https?://[^\s<\"']+", outbox)
        portal_links = [link for link in links if "127.0.0.1" in link or "localhost" in link]
        assert portal_links and all(link.startswith(f"http://127.0.0.1:{port}/") for link in portal_links)
        helpers = _children(demo.pid)
        assert len(helpers) >= 2  # the task worker and the sweep
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)
        log.close()
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(_alive(pid) for pid in helpers), "kill left the worker or the sweep running"
