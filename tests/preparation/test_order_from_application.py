"""The order is made from the approved application without retyping (population, variables, years)."""

from __future__ import annotations

import pytest

from tilgang.applications.lifecycle import State
from tilgang.audit.models import AuditEvent
from tilgang.preparation import services
from tilgang.preparation.models import DataOrder


def test_order_maps_population_variables_and_years(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    case.refresh_from_db()
    assert case.state == State.IN_PREPARATION
    spec = order.spec
    assert spec["population"] == {
        "kind": "resident_at",
        "date": "2020-01-01",
        "id_column": "FNR",
        "encoding": "utf-8",
    }
    by_name = {v["name"]: v for v in spec["variables"]}
    assert set(by_name) == {"BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR", "INNTEKT_WLONN"}
    assert by_name["INNTEKT_WLONN"]["years"] == [2019]
    assert not by_name["BEFOLKNING_KJOENN"]["years"] and not by_name["BEFOLKNING_KJOENN"]["dates"]
    assert spec["project"]["id"] == "P" + case.case_number.replace("/", "-")
    assert AuditEvent.objects.filter(action="preparation.order.created", object_id=str(order.pk)).exists()


def test_R_DATA_6_minimisation_is_chosen_per_variable(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    order = services.order_update(actor=people["officer"], order=order, choices={"INNTEKT_WLONN": "deciles"})
    income = next(v for v in order.spec["variables"] if v["name"] == "INNTEKT_WLONN")
    assert income["minimise"]["method"] == "quantile_groups" and income["minimise"]["groups"] == 10
    with pytest.raises(services.PreparationError, match="does not fit"):
        services.order_update(actor=people["officer"], order=order, choices={"BEFOLKNING_KJOENN": "deciles"})


def test_only_the_case_officer_makes_the_order(case, people):
    with pytest.raises(services.PreparationError, match="Only the case officer"):
        services.order_create(actor=people["head"], application=case)
    assert not DataOrder.objects.exists()
    case.refresh_from_db()
    assert case.state == State.AGREEMENT_SIGNED


def test_years_change_only_through_a_project_change(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    with pytest.raises(services.PreparationError, match="project change"):
        services.order_update(
            actor=people["officer"], order=order, choices={}, years={"INNTEKT_WLONN": [2018, 2019]}
        )
