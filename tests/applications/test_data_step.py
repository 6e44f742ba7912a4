"""The data step is one form: nothing the applicant typed is lost, and a bad variable name is flagged at
the field with the rest of the input kept."""

from __future__ import annotations

from tests.applications.conftest import complete_draft
from tilgang.applications import services
from tilgang.applications.models import Application

EN = {"Accept-Language": "en"}


def _post(client, application, **fields):
    data = {"step_fields": "1", "data_sources": "Population register", "wants_indirectly_identifiable": "on",
            "names": "", **fields}  # fmt: skip
    return client.post(f"/soknader/{application.pk}/variabler/", data, headers=EN)


def test_save_and_continue_saves_the_typed_variables(people, client_for, catalog):
    application = services.application_create(actor=people["applicant"], title="Cohorts")
    client = client_for(people["applicant"])
    response = _post(client, application, names="BEFOLKNING_KJOENN\nINNTEKT_WLONN: 2019-2020", save_next="1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/steg/legal/")
    application = Application.objects.get(pk=application.pk)
    assert application.data_sources == "Population register"
    chosen = {s.variable.name: s.years for s in application.variables.select_related("variable")}
    assert chosen == {"BEFOLKNING_KJOENN": [], "INNTEKT_WLONN": [2019, 2020]}
    # The field shows the selection as it was typed, years included, so saving again changes nothing.
    page = client.get(f"/soknader/{application.pk}/steg/data/", headers=EN).content.decode()
    assert "BEFOLKNING_KJOENN\nINNTEKT_WLONN: 2019-2020</textarea>" in page


def test_an_unknown_name_is_flagged_at_the_field_and_the_input_kept(people, client_for, catalog):
    application = complete_draft(people, catalog)
    client = client_for(people["applicant"])
    response = _post(
        client, application, names="BEFOLKNING_KJOENN\nFOOBAR_X\nSTRAFF_LOVBRUDD", data_sources="Changed"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "BEFOLKNING_KJOENN\nFOOBAR_X\nSTRAFF_LOVBRUDD</textarea>" in page
    assert 'id="id_names_error"' in page and "Unknown variables: FOOBAR_X." in page
    assert 'aria-invalid="true"' in page
    # Nothing was half saved: the selection and the other fields are as before.
    application = Application.objects.get(pk=application.pk)
    assert [s.variable.name for s in application.variables.select_related("variable")] == [
        "BEFOLKNING_KJOENN"
    ]
    assert application.data_sources != "Changed"


def test_the_variables_alone_leave_the_other_fields_alone(people, client_for, catalog):
    application = complete_draft(people, catalog)
    client = client_for(people["applicant"])
    client.post(f"/soknader/{application.pk}/variabler/", {"names": "BEFOLKNING_FOEDSELSDATO"}, headers=EN)
    application = Application.objects.get(pk=application.pk)
    assert application.wants_indirectly_identifiable and application.data_sources
    assert application.variables.get().variable.name == "BEFOLKNING_FOEDSELSDATO"


def test_justifications_are_saved_with_the_step(people, client_for, catalog):
    application = complete_draft(people, catalog)
    services.variables_set(
        actor=people["applicant"], application=application, names=["BEFOLKNING_FOEDSELSDATO"]
    )
    client = client_for(people["applicant"])
    _post(client, application, names="BEFOLKNING_FOEDSELSDATO",
          justification_BEFOLKNING_FOEDSELSDATO="Age at exact dates.", save="1")  # fmt: skip
    assert application.variables.get().justification == "Age at exact dates."
