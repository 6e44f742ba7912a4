"""Fixtures for offers: a tariff, and a case that has been granted access (legal review passed, decision made)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from tests.applications.conftest import catalog, complete_draft, institution, people, run, to_assigned  # noqa: F401
from tilgang.applications import services as applications
from tilgang.applications.lifecycle import Command
from tilgang.offers import services

TARIFF = {
    "valid_from": date(2026, 1, 1),
    "hourly_rate": "1250.00",
    "outside_lists_hourly_rate": "1450.00",
    "fdtrygd_table_price": "4800.00",
    "area_price": "6500.00",
    "handling_cost": "2500.00",
    "vat_percent": "25",
    "hours_coordination": "6",
    "hours_population": "4",
    "hours_third_party": "10",
    "hours_archiving": "3",
    "prices": [{"kind": "area", "key": "INNT", "price": "7800.00"}],
}


@pytest.fixture
def tariff(db):
    with transaction.atomic():
        return services.tariff_create(actor=None, **TARIFF)


@pytest.fixture
def fdtrygd(catalog):  # noqa: F811
    from tilgang.catalog.models import Coverage, Register, StatisticsArea, Variable

    area = StatisticsArea.objects.get_or_create(
        code="TRYGD", defaults={"name_nb": "Trygd", "name_en": "Benefits"}
    )[0]
    register = Register.objects.create(code="FDTRYGD", area=area, name_nb="FD-Trygd", name_en="FD-Trygd",
                                       source_kind="administrative", register_version="t")  # fmt: skip
    made = {}
    for name, table in (("ARBSOK_STATUS", "ARBSOK"), ("UFOERE_GRAD", "UFOERE"), ("ARBSOK_PERIODE", "ARBSOK")):
        variable = Variable.objects.create(
            name=name, register=register, area=area, unit_type="PERSON", temporality="EVENT", data_type="STRING",
            price_group=f"FDTRYGD:{table}", label_nb=name, label_en=name, definition_nb="", definition_en="",
            register_version="t",
        )  # fmt: skip
        for year in (2018, 2019, 2020):
            Coverage.objects.create(variable=variable, year=year)
        made[name] = variable
    return made


def granted(people, catalog, *, variables=("BEFOLKNING_KJOENN",), **overrides):  # noqa: F811
    """A case with access granted: the decision is made and the offer may be priced (R-CASE-3)."""
    from tests.applications.conftest import PDF

    application = complete_draft(people, catalog, **overrides)
    with transaction.atomic():
        applications.variables_set(
            actor=people["applicant"], application=application, names=list(variables),
            years={"INNTEKT_WLONN": [2019, 2020]} if "INNTEKT_WLONN" in variables else {},
            justifications={"BEFOLKNING_FOEDSELSDATO": "Age at exact dates of the events studied."},
        )  # fmt: skip
        if overrides.get("third_party_data"):
            applications.attachment_add(actor=people["applicant"], application=application, kind="exemption",
                                        file=io.BytesIO(PDF), name="fritak.pdf")  # fmt: skip
    to_assigned(people, application)
    deadline = application.period_end + timedelta(days=30)
    return run(people["officer"], application, Command.GRANT_ACCESS, deletion_deadline=deadline)


def sent_offer(people, application):  # noqa: F811
    with transaction.atomic():
        offer = services.offer_create(actor=people["officer"], application=application)
    with transaction.atomic():
        return services.offer_send(actor=people["officer"], offer=offer)


def accept(people, offer):  # noqa: F811
    signatory = offer.application.members.get(role="signatory")
    return services.offer_accept(
        actor=people["applicant"], offer=offer, invoice_address="Universitetet i Oslo\nPostboks 1072 Blindern\n0316 Oslo",
        order_reference="UIO-4711", signatory_id=signatory.pk,
    )  # fmt: skip


def declarations(people, offer):  # noqa: F811
    for who in ("applicant", "member", "signatory"):
        services.declaration_sign(actor=people[who], offer=offer)


def money(text: str) -> Decimal:
    return Decimal(text)
