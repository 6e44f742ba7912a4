"""The new-package form uploads in resumable chunks in a real browser: a chunk lost on the way is
sent again and the upload completes; after a reload the same file continues from the server's
offset; the package's file is byte for byte the file chosen; the page passes axe."""

from __future__ import annotations

import hashlib
import os
import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.test_exchange_browser import _officer, sign_in
from tilgang.exchange import services
from tilgang.exchange.models import Package, PackageFile, Upload

CHUNK = 64 * 1024
CHUNK_URL = re.compile(r".*/filsluse/opplasting/[0-9a-f-]{36}/$")


def _data(chunks: int) -> bytes:
    # A CSV head, so the content is a data file whatever random bytes follow.
    return b"lopenr,alder,kommune\n" + os.urandom(chunks * CHUNK + 777)


def _sha256_of_package_file(sender_email: str) -> str:
    file = PackageFile.objects.get(package__sender__email=sender_email)
    digest = hashlib.sha256()
    with services.file_open(file) as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == file.sha256
    return file.sha256


def _fill(page, officer, subject: str) -> None:
    page.fill("#id_recipients", officer.email)
    page.fill("#id_case_reference", "24/04321")
    page.fill("#id_subject", subject)


def _setup(make_user, settings, tmp_path):
    settings.EXCHANGE_SPOOL_DIR = str(tmp_path / "spool")
    settings.EXCHANGE_UPLOAD_CHUNK_BYTES = CHUNK
    officer = _officer(make_user)
    make_user(email="forsker@uio.example", full_name="Frida Forsker", language="en", mobile="+4791234567")
    return officer


def test_upload_survives_a_lost_chunk_and_arrives_byte_identical(
    make_user, new_page, tmp_path, settings, transactional_db
):
    officer = _setup(make_user, settings, tmp_path)
    data = _data(5)  # six chunks
    page = new_page("en")
    sign_in(page, "forsker@uio.example")

    offsets: list[int] = []
    lost: list[int] = []

    def chunks(route, request):
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            if len(offsets) == 3 and not lost:
                lost.append(offsets[-1])
                route.abort("connectionreset")  # the connection drops once, midway
                return
        route.continue_()

    page.route(CHUNK_URL, chunks)
    page.goto("/filsluse/ny/")
    _fill(page, officer, "Register data, resumable")
    page.set_input_files(
        "#id_files", files=[{"name": "register.csv", "mimeType": "text/csv", "buffer": data}]
    )
    progress = page.get_by_role("progressbar", name="register.csv")
    expect(progress).to_have_count(1)
    expect(page.locator("#upload-list .upload-item[data-state=done]")).to_have_count(1)
    expect(page.locator("#upload-status")).to_have_text("register.csv is uploaded.")
    expect(progress).to_have_attribute("value", str(len(data)))
    assert lost == [2 * CHUNK] and offsets.count(2 * CHUNK) == 2  # the lost chunk was sent again
    assert not PackageFile.objects.exists()  # uploaded, but no file until the form is sent
    assert axe_violations(page) == []

    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-alert").first).to_contain_text("The package was sent")
    assert Package.objects.get().is_sent
    assert _sha256_of_package_file("forsker@uio.example") == hashlib.sha256(data).hexdigest()
    assert axe_violations(page) == []


def test_upload_continues_after_a_reload_from_the_servers_offset(
    make_user, new_page, tmp_path, settings, transactional_db
):
    officer = _setup(make_user, settings, tmp_path)
    data = _data(9)  # ten chunks
    chosen = tmp_path / "register.csv"  # a file on disk: the same name, size and date after the reload
    chosen.write_bytes(data)
    page = new_page("en")
    sign_in(page, "forsker@uio.example")

    offsets: list[int] = []
    heads: list[str] = []
    offline = {"after": 3}

    def chunks(route, request):
        if request.method == "HEAD":
            heads.append(request.url)
        if request.method == "PATCH":
            offsets.append(int(request.headers["upload-offset"]))
            if len(offsets) > offline["after"]:
                route.abort("internetdisconnected")  # the line is gone for good
                return
        route.continue_()

    page.route(CHUNK_URL, chunks)
    page.goto("/filsluse/ny/")
    page.set_input_files("#id_files", str(chosen))
    deadline = time.monotonic() + 30
    while not Upload.objects.filter(offset=3 * CHUNK).exists():
        assert time.monotonic() < deadline, "three chunks never arrived"
        page.wait_for_timeout(100)
    expect(page.locator("#upload-list .upload-item[data-state=retrying]")).to_have_count(1)

    offline["after"] = 10**6
    offsets.clear()
    page.reload()
    _fill(page, officer, "Register data, resumed")
    page.set_input_files("#id_files", str(chosen))
    expect(page.locator("#upload-list .upload-item[data-state=done]")).to_have_count(1)
    assert heads and offsets[0] == 3 * CHUNK  # asked the server, went on from there
    assert Upload.objects.count() == 1  # the same upload, not a new one
    assert axe_violations(page) == []

    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-alert").first).to_contain_text("The package was sent")
    assert _sha256_of_package_file("forsker@uio.example") == hashlib.sha256(data).hexdigest()
