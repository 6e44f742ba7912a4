"""The archive writers, checked with the real 7-Zip binary (DOMAIN R-FX-3)."""

from __future__ import annotations

import io
import os
import subprocess

import pytest

from tests.exchange.conftest import extract, seven_zip
from tilgang.exchange.archive import ArchiveError, Member, safe_member_name, write_7z, write_zip_aes

FILES = {
    "persons.csv": b"lopenr,alder\n" + b"1,34\n" * 10000,
    "empty.txt": b"",
    "random.parquet": os.urandom(3 * 1024 * 1024 + 7),
    "Ærlig øl på å.csv": "æ,ø,å\n".encode(),
}


def members(files=FILES):
    return [
        Member(name=n, size=len(d), open=(lambda d=d: io.BytesIO(d)), mtime=1_700_000_000)
        for n, d in files.items()
    ]


@pytest.mark.parametrize("fmt,writer", [("7z", write_7z), ("zip", write_zip_aes)])
def test_R_FX_3_real_7zip_opens_the_archive_and_content_matches(tmp_path, fmt, writer):
    archive = tmp_path / f"a.{fmt}"
    with archive.open("wb") as out:
        writer(members(), out, "Pass-wørd-123")
    result = extract(archive, "Pass-wørd-123", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    for name, data in FILES.items():
        assert (tmp_path / "out" / name).read_bytes() == data
    tested = subprocess.run(
        [seven_zip(), "t", "-pPass-wørd-123", str(archive)], capture_output=True, text=True
    )
    assert tested.returncode == 0 and "Everything is Ok" in tested.stdout


@pytest.mark.parametrize("fmt,writer", [("7z", write_7z), ("zip", write_zip_aes)])
def test_wrong_password_does_not_open(tmp_path, fmt, writer):
    archive = tmp_path / f"a.{fmt}"
    with archive.open("wb") as out:
        writer(members(), out, "right password")
    assert extract(archive, "wrong password", tmp_path / "out").returncode != 0


def test_7z_hides_file_names_and_is_aes256(tmp_path):
    archive = tmp_path / "a.7z"
    with archive.open("wb") as out:
        write_7z(members(), out, "secret")
    raw = archive.read_bytes()
    assert b"persons" not in raw and "persons".encode("utf-16-le") not in raw
    listing = subprocess.run(
        [seven_zip(), "l", "-slt", "-psecret", str(archive)], capture_output=True, text=True
    )
    assert "7zAES" in listing.stdout and "persons.csv" in listing.stdout


def test_member_shorter_than_announced_is_an_error(tmp_path):
    short = [Member(name="a.csv", size=100, open=lambda: io.BytesIO(b"only ten b"))]
    with pytest.raises(ArchiveError, match="expected 100"), (tmp_path / "a.7z").open("wb") as out:
        write_7z(short, out, "x")


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/x.csv", "C:\\Windows\\x.csv"])
def test_member_names_lose_their_directories(name):
    assert "/" not in safe_member_name(name) and ".." not in safe_member_name(name)


def test_unsafe_member_name_is_refused():
    with pytest.raises(ArchiveError):
        safe_member_name("..")
