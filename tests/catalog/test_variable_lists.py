"""Variable lists: download an area's list (XLSX, CSV), tick it, upload it: the same selection."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tilgang.catalog.selection import SelectionError, selection_from_upload

EN = {"Accept-Language": "en"}


def _download(client, area, fmt, language="en"):
    response = client.get(
        reverse(f"catalog:area_list_{fmt}", args=[area]), headers={"Accept-Language": language}
    )
    assert response.status_code == 200
    assert f"variabelliste-{area}.{fmt}" in response["Content-Disposition"]
    return response.content


def _tick_xlsx(content: bytes, names: dict[str, str]) -> bytes:
    """Tick the rows of ``names`` (name -> years wanted) as a researcher would in a spreadsheet."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value in names:
            row[0].value = "x"
            row[3].value = names[row[1].value] or None
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _tick_csv(content: bytes, names: dict[str, str]) -> bytes:
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    for row in rows[1:]:
        if row[1] in names:
            row[0] = "x"
            row[3] = names[row[1]]
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_xlsx_round_trip_gives_the_ticked_selection(client, catalog, metadata):
    content = _download(client, "INNT", "xlsx")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    listed = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert listed == [v.name for v in metadata.variables if v.area == "INNT"]
    assert sheet.cell(1, 1).value == "Select (x)"
    ticked = _tick_xlsx(content, {"INNTEKT_WLONN": "2015-2017, 2020", "INNTEKT_SKATT": ""})
    selection = selection_from_upload(filename="variabelliste-INNT.xlsx", content=ticked)
    assert selection.source == "xlsx"
    assert selection.names == ["INNTEKT_WLONN", "INNTEKT_SKATT"]
    assert selection.variables[0].years == (2015, 2016, 2017, 2020)
    assert selection.variables[1].years == ()  # all years


def test_csv_round_trip_gives_the_ticked_selection(client, catalog):
    content = _download(client, "BEF", "csv")
    assert content.startswith(b"\xef\xbb\xbf")  # spreadsheet programs read æøå right
    ticked = _tick_csv(content, {"BEFOLKNING_KJOENN": "", "BEFOLKNING_FODELAND": "2020"})
    selection = selection_from_upload(filename="list.csv", content=ticked)
    assert selection.source == "csv"
    assert selection.names == ["BEFOLKNING_KJOENN", "BEFOLKNING_FODELAND"]
    assert selection.variables[1].years == (2020,)


def test_list_downloaded_in_bokmaal_uploads_the_same(client, catalog):
    content = _download(client, "INNT", "csv", language="nb")
    header = content.decode("utf-8-sig").splitlines()[0]
    ticked = _tick_csv(content, {"INNTEKT_WLONN": ""})
    assert selection_from_upload(filename="liste.csv", content=ticked).names == ["INNTEKT_WLONN"]
    assert header  # whatever the language of the header, it is recognised


def test_comma_separated_csv_is_read(catalog):
    content = b"Select (x),Variable,Years wanted\nx,INNTEKT_WLONN,2019\n,INNTEKT_SKATT,\n"
    selection = selection_from_upload(filename="mine.csv", content=content)
    assert selection.names == ["INNTEKT_WLONN"]


def test_selection_page_shows_the_uploaded_selection(client, catalog):
    ticked = _tick_xlsx(_download(client, "INNT", "xlsx"), {"INNTEKT_WLONN": "2018"})
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("catalog:selection"),
        {"file": SimpleUploadedFile("liste.xlsx", ticked)},
        headers=EN,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your selection: 1 variable" in body and "INNTEKT_WLONN" in body and "2018" in body


def test_health_register_rows_are_listed_with_a_note(client, catalog):
    content = _download(client, "HELSE", "csv")
    assert "helsedata.no" in content.decode("utf-8-sig")


def test_unknown_area_is_404(client, catalog):
    assert client.get(reverse("catalog:area_list_xlsx", args=["NOPE"])).status_code == 404


# --- bad input -----------------------------------------------------------------------------------


def _problems(filename: str, content: bytes) -> list[tuple[int | None, str]]:
    with pytest.raises(SelectionError) as caught:
        selection_from_upload(filename=filename, content=content)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def test_unknown_variable_names_its_row_and_nothing_is_imported(catalog):
    content = b"Select (x);Variable\nx;INNTEKT_WLONN\nx;NO_SUCH_VAR\nx;INNTEKT_SKATT\n"
    assert _problems("l.csv", content) == [(3, "Row 3: NO_SUCH_VAR is not a variable in the catalog.")]


def test_unknown_variable_in_xlsx_names_its_row(client, catalog):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Select (x)", "Variable"])
    sheet.append([True, "INNTEKT_WLONN"])
    sheet.append(["x", "INNTEKT_NOPE"])
    out = io.BytesIO()
    workbook.save(out)
    assert _problems("l.xlsx", out.getvalue()) == [
        (3, "Row 3: INNTEKT_NOPE is not a variable in the catalog.")
    ]


def test_latin1_csv_names_the_row_that_is_not_utf8(catalog):
    content = "Select (x);Variable;Label\nx;INNTEKT_WLONN;Lønn\n".encode("latin-1")
    [(row, message)] = _problems("l.csv", content)
    assert row == 2
    assert "Row 2 is not UTF-8" in message and "CSV UTF-8" in message


def test_malformed_xlsx_is_refused(catalog):
    [(_row, message)] = _problems("l.xlsx", b"PK\x03\x04 this is not really a workbook")
    assert "not a readable XLSX workbook" in message
    [(_row, message)] = _problems("l.xlsx", b"Select (x);Variable\nx;A\n")
    assert "not a readable XLSX workbook" in message


def test_xlsx_uploaded_as_csv_is_explained(catalog):
    workbook = Workbook()
    out = io.BytesIO()
    workbook.save(out)
    [(_row, message)] = _problems("l.csv", out.getvalue())
    assert "Excel workbook" in message


def test_list_without_the_header_is_refused(catalog):
    [(_row, message)] = _problems("l.csv", b"foo;bar\nx;INNTEKT_WLONN\n")
    assert "no header row" in message


def test_odd_tick_and_years_name_their_rows(catalog):
    content = b"Select (x);Variable;Years wanted\nmaybe;INNTEKT_WLONN;\nx;INNTEKT_SKATT;last year\nx;INNTEKT_SAMINNT;1990\n"
    problems = _problems("l.csv", content)
    assert [row for row, _m in problems] == [2, 3, 4]
    assert "“maybe”" in problems[0][1]
    assert "“last year”" in problems[1][1]
    assert "has no data for 1990" in problems[2][1]


def test_nothing_ticked_is_refused(catalog):
    [(_row, message)] = _problems("l.csv", b"Select (x);Variable\n;INNTEKT_WLONN\n")
    assert "No variable is ticked" in message


def test_R_DATA_1_health_register_variable_cannot_be_selected(catalog, metadata):
    name = next(v.name for v in metadata.variables if v.register == "NPR")
    [(row, message)] = _problems("l.csv", f"Select (x);Variable\nx;{name}\n".encode())
    assert row == 2 and "central health register" in message and "helsedata.no" in message


def test_unsupported_file_type_and_empty_file(catalog):
    assert "Upload a variable list" in _problems("list.pdf", b"%PDF-1.4")[0][1]
    assert "empty" in _problems("list.csv", b"")[0][1]


def test_bad_upload_on_the_page_shows_the_problem_and_status_422(client, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = b"Select (x);Variable\nx;NO_SUCH_VAR\n"
    response = client.post(
        reverse("catalog:selection"), {"file": SimpleUploadedFile("l.csv", content)}, headers=EN
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Nothing was imported" in body and "Row 2: NO_SUCH_VAR is not a variable in the catalog." in body


def test_too_large_upload_is_refused_before_reading(client, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("l.csv", b"x" * (5 * 1024 * 1024 + 1))
    response = client.post(reverse("catalog:selection"), {"file": big}, headers=EN)
    assert response.status_code == 422
    assert "larger than 5 MB" in response.content.decode()
