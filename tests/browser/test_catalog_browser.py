"""In a real browser: search the catalog, open a variable, download a list, tick it, upload it; axe."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations


@pytest.fixture
def loaded_catalog(transactional_db, tmp_path_factory):
    from tilgang.catalog.services import catalog_load
    from tilgang.engine.synth.generate import generate

    directory = tmp_path_factory.mktemp("browser-registers") / "small"
    generate(directory, persons=300, seed=1)
    return catalog_load(actor=None, directory=directory)


def test_search_open_download_tick_and_upload(loaded_catalog, new_page, tmp_path):
    page = new_page("en")
    page.goto("/katalog/")
    assert axe_violations(page) == []
    page.fill("#id_q", "wage income")
    page.locator("main form[role=search] button[type=submit]").click()
    page.locator("a", has_text="INNTEKT_WLONN").first.click()
    expect(page.locator("h1")).to_contain_text("INNTEKT_WLONN")
    assert "Years and publication dates" in page.content()
    assert axe_violations(page) == []

    page.goto("/katalog/")
    with page.expect_download() as download_info:
        page.locator('a[href$="/omrade/INNT/variabelliste.xlsx"]').click()
    download = download_info.value
    assert download.suggested_filename == "variabelliste-INNT.xlsx"
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)

    workbook = load_workbook(io.BytesIO(downloaded.read_bytes()))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value in {"INNTEKT_WLONN", "INNTEKT_SKATT"}:
            row[0].value = "x"
    ticked = tmp_path / "ticked.xlsx"
    workbook.save(ticked)

    page.goto("/katalog/utvalg/")
    assert axe_violations(page) == []
    page.set_input_files("#id_file", str(ticked))
    page.locator("main form[method=post] button[type=submit]").click()
    result = page.locator("#selection-result")
    assert "Your selection: 2 variables" in result.inner_text()
    assert "INNTEKT_WLONN" in result.inner_text() and "INNTEKT_SKATT" in result.inner_text()
    assert axe_violations(page) == []


def test_bad_script_shows_the_line_and_pages_are_accessible_in_norwegian(loaded_catalog, new_page):
    page = new_page("nb")
    page.goto("/katalog/utvalg/")
    page.fill("#id_script", "require no.ssb.fdb:1 as db\nimport db/FINNES_IKKE 2020-12-31 as x\n")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("#selection-problems")).to_contain_text("FINNES_IKKE")
    assert axe_violations(page) == []
    page.goto("/katalog/?area=TRYGD")
    assert axe_violations(page) == []
    page.goto("/katalog/variabel/BEFOLKNING_FODELAND/")
    assert axe_violations(page) == []
    page.goto("/katalog/kodeliste/sex/")
    assert axe_violations(page) == []


def test_case_officer_edits_a_publication_date(loaded_catalog, make_user, new_page):
    import pyotp
    from django.db import transaction

    from tests.conftest import PASSWORD
    from tilgang.accounts.models import TotpDevice
    from tilgang.catalog.models import Variable
    from tilgang.core.crypto import seal
    from tilgang.core.demo import DEMO_TOTP_SECRET

    officer = make_user("case_officer", email="officer@example.org", language="en")
    with transaction.atomic():
        TotpDevice.objects.create(
            user=officer, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
        )
    page = new_page("en")
    page.goto("/konto/logg-inn/")
    page.fill("#id_email", officer.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("#id_code", pyotp.TOTP(DEMO_TOTP_SECRET).now())
    page.locator("main form button[type=submit]").click()

    page.goto("/katalog/variabel/INNTEKT_WLONN/")
    page.get_by_role("link", name="Edit texts and publication dates").click()
    assert axe_violations(page) == []
    year = Variable.objects.get(name="INNTEKT_WLONN").year_list()[-1]
    page.fill(f"#id_dates-year_{year}", "2099-01-31")
    page.locator("main form button[type=submit]").click()
    assert "Embargo until" in page.content()
    assert axe_violations(page) == []
