"""Fixtures for the file exchange: people on both sides, and the real 7-Zip binary."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _exchange_settings(settings, tmp_path):
    settings.EXCHANGE_SPOOL_DIR = str(tmp_path / "spool")
    settings.SITE_URL = "https://tilgang.example"


@pytest.fixture
def officer(make_user):
    return make_user(
        "case_officer",
        email="officer@tilgang.example",
        full_name="Siri Saksbehandler",
        language="en",
        mobile="+4790000001",
    )


@pytest.fixture
def researcher(make_user):
    return make_user(
        email="forsker@uio.example", full_name="Frida Forsker", language="en", mobile="+4791234567"
    )


def seven_zip() -> str:
    binary = shutil.which("7z") or shutil.which("7zz")
    if binary is None:
        pytest.fail("the 7-Zip binary is not installed (apt-get install 7zip)")
    return binary


def extract(archive: Path, password: str, into: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [seven_zip(), "x", "-y", f"-p{password}", f"-o{into}", str(archive)], capture_output=True, text=True
    )


def sms_password(outbox, mobile: str) -> str:
    """The password from the newest SMS to ``mobile`` (the word with the 5×5 pattern)."""
    import re

    texts = [m.body for m in outbox("sms", mobile)]
    assert texts, f"no SMS to {mobile}"
    found = re.findall(r"\b(?:[a-z2-9]{5}-){4}[a-z2-9]{5}\b", texts[-1])
    assert found, texts[-1]
    return found[0]


def send_package(officer, researcher, files: dict[str, bytes], **options):
    import io

    from tilgang.exchange import services

    package = services.package_create(
        sender=officer,
        recipients=[researcher.email],
        subject=options.pop("subject", "Delivery for project 2024/17"),
        case_reference=options.pop("case_reference", "24/01234"),
        files=[(name, io.BytesIO(data)) for name, data in files.items()],
        **options,
    )
    return services.package_send(actor=officer, package=package)
