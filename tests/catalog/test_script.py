"""A microdata.no script as a selection: require, import, import-event, import-panel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tilgang.catalog.selection import SelectionError, _years, selection_from_script, selection_from_upload

SCRIPT = """\
// Income and benefits of the resident population
require no.ssb.fdb:38 as db
create-dataset people
import db/BEFOLKNING_KJOENN as sex
import db/INNTEKT_WLONN 2019-12-31 as wage19
import db/INNTEKT_WLONN 2020-12-31 as wage20   // second year
import-event db/FDTRYGD_DAGP_BELOP 2015-01-01 to 2017-12-31 as unemployment outer_join
import-panel db/INNTEKT_SAMINNT db/INNTEKT_SKATT 2018-01-01 2019-01-01
tabulate sex
"""


def test_script_becomes_a_selection_with_dates_and_periods(catalog):
    selection = selection_from_script(text=SCRIPT)
    assert selection.source == "script"
    assert selection.names == [
        "BEFOLKNING_KJOENN",
        "INNTEKT_WLONN",
        "FDTRYGD_DAGP_BELOP",
        "INNTEKT_SAMINNT",
        "INNTEKT_SKATT",
    ]
    items = {item.name: item for item in selection.variables}
    assert items["BEFOLKNING_KJOENN"].years == () and items["BEFOLKNING_KJOENN"].lines == (4,)
    assert items["INNTEKT_WLONN"].dates == ("2019-12-31", "2020-12-31")
    assert items["INNTEKT_WLONN"].years == (2019, 2020)
    assert items["INNTEKT_WLONN"].lines == (5, 6)
    assert items["FDTRYGD_DAGP_BELOP"].periods == (("2015-01-01", "2017-12-31"),)
    assert items["FDTRYGD_DAGP_BELOP"].years == (2015, 2016, 2017)
    assert items["INNTEKT_SKATT"].dates == ("2018-01-01", "2019-01-01")


def test_uploaded_script_file_gives_the_same_selection(catalog):
    uploaded = selection_from_upload(filename="analyse.txt", content=SCRIPT.encode())
    assert uploaded == selection_from_script(text=SCRIPT)


def test_pasted_script_on_the_page(client, catalog):
    response = client.post(
        reverse("catalog:selection"), {"script": SCRIPT}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your selection: 5 variables" in body and "2015-01-01 – 2017-12-31" in body


def _problems(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(SelectionError) as caught:
        selection_from_script(text=text)
    return [(p.line, p.message) for p in caught.value.problems]


def test_unknown_variable_names_its_line(catalog):
    assert _problems(
        "require no.ssb.fdb:38 as db\nimport db/INNTEKT_WLONN 2020-12-31\nimport db/NOPE 2020-12-31 as x\n"
    ) == [(3, "Line 3: NOPE is not a variable in the catalog.")]


def test_another_databank_is_refused(catalog):
    problems = _problems(
        "require no.ssb.fdb:38 as db\nrequire no.fhi.msis:2 as fhi\nimport fhi/SMITTE 2020-01-01\n"
    )
    assert problems[0][0] == 2 and "no.fhi.msis" in problems[0][1]
    assert problems[1][0] == 3 and "not the office's databank" in problems[1][1]


def test_a_reference_without_require_is_refused(catalog):
    [(line, message)] = _problems("import db/INNTEKT_WLONN 2020-12-31 as w\n")
    assert line == 1 and "require no.ssb.fdb" in message


def test_malformed_lines_name_their_line(catalog):
    problems = _problems(
        "require no.ssb.fdb:38 as db\n"
        "import db/INNTEKT_WLONN 2020-13-45 as w\n"
        "import-event db/FDTRYGD_DAGP_BELOP 2017-01-01 to 2015-01-01\n"
        "import-panel db/INNTEKT_SKATT\n"
        "import db/INNTEKT_WLONN $year as w\n"
        "import db/INNTEKT_WLONN 1990-12-31 as old\n"
    )
    assert [line for line, _m in problems] == [2, 3, 4, 5, 6]
    assert "“2020-13-45”" in problems[0][1]
    assert "import-event" in problems[1][1]
    assert "at least one date" in problems[2][1]
    assert "binding" in problems[3][1]
    assert "has no data for 1990" in problems[4][1]


def test_script_without_imports_is_refused(catalog):
    [(_line, message)] = _problems("require no.ssb.fdb:38 as db\ncreate-dataset x\n")
    assert "imports no variables" in message


def test_latin1_script_file_names_its_line(catalog):
    content = "require no.ssb.fdb:38 as db\n// lønn\nimport db/INNTEKT_WLONN 2020-12-31\n".encode("latin-1")
    with pytest.raises(SelectionError) as caught:
        selection_from_upload(filename="s.txt", content=content)
    assert caught.value.problems[0].line == 2


def test_R_DATA_1_health_register_in_a_script_is_refused(catalog, metadata):
    name = next(v.name for v in metadata.variables if v.register == "NPR")
    year = max(metadata.variable(name).years)
    [(line, message)] = _problems(
        f"require no.ssb.fdb:1 as db\nimport-event db/{name} {year}-01-01 to {year}-12-31\n"
    )
    assert line == 2 and "helsedata.no" in message


def test_R_DATA_2_embargoed_year_gives_a_notice(catalog, metadata):
    source = metadata.variable("INNTEKT_WLONN")
    last = max(source.years)
    published = date.fromisoformat(source.publication_dates[str(last)])
    with time_machine.travel(published - timedelta(days=5)):
        selection = selection_from_script(
            text=f"require no.ssb.fdb:1 as db\nimport db/INNTEKT_WLONN {last}-12-31\n"
        )
    assert any("under embargo" in notice and str(last) in notice for notice in selection.notices)
    with time_machine.travel(published + timedelta(days=1)):
        selection = selection_from_script(
            text=f"require no.ssb.fdb:1 as db\nimport db/INNTEKT_WLONN {last}-12-31\n"
        )
    assert selection.notices == ()


def test_R_DATA_5_survey_variable_gives_a_notice(catalog, metadata):
    name = next(v.name for v in metadata.variables if v.register == "LKU")
    selection = selection_from_script(text=f"require no.ssb.fdb:1 as db\nimport db/{name} as s\n")
    assert any("own survey" in notice for notice in selection.notices)


def test_years_parser():
    assert _years("2015 - 2017; 2020") == {2015, 2016, 2017, 2020}
    assert _years("2015–2016") == {2015, 2016}
    assert _years("") == set()
    assert _years("2017-2015") is None and _years("soon") is None


def test_bad_script_on_the_page_is_422_and_names_the_line(client, catalog):
    response = client.post(
        reverse("catalog:selection"),
        {"file": SimpleUploadedFile("s.txt", b"require no.other.bank:1 as db\n")},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert "Line 1: the script uses the databank no.other.bank" in response.content.decode()
