"""The variable selection from a microdata.no script or an uploaded list goes through the catalog's readers."""

from __future__ import annotations

import pytest

from tests.applications.conftest import complete_draft
from tilgang.applications import services
from tilgang.applications.lifecycle import Refusal
from tilgang.applications.models import SelectionSource


def test_selection_from_a_microdata_script(people, catalog):
    application = complete_draft(people, catalog)
    script = "require no.ssb.fdb:38 as db\nimport db/BEFOLKNING_KJOENN as kjonn\nimport db/INNTEKT_WLONN 2020-12-31 as w\n"
    services.selection_import(actor=people["applicant"], application=application, script=script)
    application.refresh_from_db()
    chosen = {s.variable.name: s.years for s in application.variables.select_related("variable")}
    assert set(chosen) == {"BEFOLKNING_KJOENN", "INNTEKT_WLONN"} and chosen["INNTEKT_WLONN"] == [2020]
    assert (
        application.selection_source == SelectionSource.SCRIPT
        and "import db/" in application.selection_script
    )


def test_a_script_naming_an_unknown_variable_is_refused_with_its_line(people, catalog):
    application = complete_draft(people, catalog)
    script = "require no.ssb.fdb:38 as db\nimport db/NOPE 2020-12-31 as x\n"
    with pytest.raises(Refusal, match="NOPE"):
        services.selection_import(actor=people["applicant"], application=application, script=script)
    assert list(application.variables.values_list("variable__name", flat=True)) == ["BEFOLKNING_KJOENN"]


def test_an_uploaded_file_of_the_wrong_kind_is_refused(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="xlsx"):
        services.selection_import(actor=people["applicant"], application=application, file_name="list.pdf",
                                  content=b"%PDF-1.4")  # fmt: skip
