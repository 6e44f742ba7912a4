"""Staff edit descriptive texts and publication dates in the portal, with audit events."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tilgang.audit.models import AuditEvent
from tilgang.catalog.models import Variable


@pytest.mark.parametrize("role", ["administrator", "case_officer"])
def test_editors_change_texts_and_dates_with_audit(role, make_user, client_for, catalog):
    user = make_user(role, language="en")
    variable = Variable.objects.get(name="INNTEKT_WLONN")
    years = variable.year_list()
    data = {
        "texts-label_nb": variable.label_nb,
        "texts-label_en": "Wage income (edited)",
        "texts-definition_nb": variable.definition_nb,
        "texts-definition_en": variable.definition_en,
        f"dates-year_{years[-1]}": "2031-05-02",
    }
    response = client_for(user).post(reverse("catalog:variable_edit", args=["INNTEKT_WLONN"]), data)
    assert response.status_code == 302
    variable.refresh_from_db()
    assert variable.shown_label_en == "Wage income (edited)" and variable.label_nb_edited == ""
    assert variable.coverage.get(year=years[-1]).publication_date == date(2031, 5, 2)
    texts = AuditEvent.objects.get(action="catalog.variable.texts_updated")
    assert texts.payload == {"fields": ["label_en"]} and texts.actor_id == user.pk
    dates = AuditEvent.objects.get(action="catalog.variable.publication_dates_set")
    assert dates.payload == {"years": {str(years[-1]): "2031-05-02"}}


def test_setting_back_the_loaded_value_clears_the_edit(make_user, client_for, catalog):
    from tilgang.catalog.services import variable_texts_update

    user = make_user("case_officer")
    variable = Variable.objects.get(name="INNTEKT_SKATT")
    variable_texts_update(actor=user, variable=variable, texts={"label_en": "Edited"})
    variable_texts_update(actor=user, variable=variable, texts={"label_en": variable.label_en})
    variable.refresh_from_db()
    assert variable.label_en_edited == "" and not variable.is_edited
    assert AuditEvent.objects.filter(action="catalog.variable.texts_updated").count() == 2


def test_invalid_date_shows_an_error_and_changes_nothing(make_user, client_for, catalog):
    user = make_user("case_officer", language="en")
    variable = Variable.objects.get(name="INNTEKT_SKATT")
    year = variable.year_list()[0]
    response = client_for(user).post(
        reverse("catalog:variable_edit", args=[variable.name]),
        {
            "texts-label_nb": "Endret",
            "texts-label_en": variable.label_en,
            "texts-definition_nb": variable.definition_nb,
            "texts-definition_en": variable.definition_en,
            f"dates-year_{year}": "not a date",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    variable.refresh_from_db()
    assert not variable.is_edited
    assert not AuditEvent.objects.filter(action__startswith="catalog.variable").exists()


@pytest.mark.parametrize("role", ["applicant", "legal_reviewer", "information_service", "head_of_section"])
def test_other_roles_cannot_edit(role, make_user, client_for, catalog):
    response = client_for(make_user(role)).get(reverse("catalog:variable_edit", args=["INNTEKT_WLONN"]))
    assert response.status_code == 403


def test_edit_link_only_for_editors(make_user, client_for, client, catalog):
    url = reverse("catalog:variable", args=["INNTEKT_WLONN"])
    edit = reverse("catalog:variable_edit", args=["INNTEKT_WLONN"])
    assert edit not in client.get(url).content.decode()
    assert edit not in client_for(make_user("applicant")).get(url).content.decode()
    assert edit in client_for(make_user("case_officer")).get(url).content.decode()
