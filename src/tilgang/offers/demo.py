"""Demo data: the demo tariff, and a case with an offer waiting for acceptance, made through the services.

Idempotent: the tariff is made once (when there is none); the demo case is recognised by its title.

The amounts are DEMO VALUES, chosen to be plausible for a cost-based service in 2026 (NOK, before VAT);
they are not the office's real prices (docs/offers.md lists them).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from tilgang.accounts.models import User
from tilgang.offers import services
from tilgang.offers.models import Offer, OfferKind, OfferStatus, Tariff

DEMO_TARIFF: dict[str, Any] = {
    "valid_from": date(2026, 1, 1),
    "hourly_rate": Decimal("1250.00"),
    "outside_lists_hourly_rate": Decimal("1450.00"),
    "fdtrygd_table_price": Decimal("4800.00"),
    "area_price": Decimal("6500.00"),
    "handling_cost": Decimal("2500.00"),
    "vat_percent": Decimal("25"),
    "hours_coordination": Decimal("6"),
    "hours_population": Decimal("4"),
    "hours_third_party": Decimal("10"),
    "hours_archiving": Decimal("3"),
    "note": "Demo values, not the office's real prices.",
    "prices": [
        {"kind": "fdtrygd", "key": "ARBSOK", "price": "5200.00"},
        {"kind": "area", "key": "INNTEKT", "price": "7800.00"},
    ],
}
TITLE = "Demo: offer waiting for acceptance"
TITLE_ACCEPTED = "Demo: offer accepted, waiting for signatures"


def seed() -> None:
    with transaction.atomic():
        if not Tariff.objects.exists():
            services.tariff_create(actor=None, **DEMO_TARIFF)
    _case_with_offer(TITLE)
    _case_with_offer(TITLE_ACCEPTED, accepted=True)
    _draft_on_granted_case()


def _case_with_offer(title: str, *, accepted: bool = False) -> None:
    """A case with a sent offer; ``accepted``: the applicant has accepted it and named the signatory."""
    from tilgang.applications import demo as applications_demo
    from tilgang.applications import services as applications
    from tilgang.applications.lifecycle import State
    from tilgang.applications.models import Application
    from tilgang.catalog.models import Variable

    if Application.objects.filter(title=title).exists():
        return
    people = {
        key: User.objects.filter(email=email).first() for key, email in applications_demo.EMAILS.items()
    }
    if any(user is None for user in people.values()):
        return
    variables = [v for v in ("BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR", "INNTEKT_WLONN")
                 if Variable.objects.filter(name=v, withdrawn_at__isnull=True).exists()]  # fmt: skip
    if not variables:
        return
    with transaction.atomic():
        application = applications_demo._draft(people, title, variables)  # type: ignore[arg-type]
        for who, command, data in applications_demo.RECIPES[State.ACCESS_GRANTED]:
            if "case_officer" in data:
                data = {"case_officer_id": people[data["case_officer"]].pk}  # type: ignore[union-attr]
            applications.case_transition(actor=people[who] if who else None, application=application,
                                         command=command, **data)  # fmt: skip
        officer = people["saksbehandler"]
        offer = services.offer_create(actor=officer, application=application)
        services.offer_update(actor=officer, offer=offer, exchange_details="TSD p1234")
        offer = services.offer_send(actor=officer, offer=offer)
        if accepted:
            signatory = application.members.get(role="signatory", removed_at__isnull=True)
            applicant = people["forsker"]
            assert applicant is not None
            services.offer_accept(
                actor=applicant, offer=offer, invoice_address="Universitetet i Oslo\nPostboks 1072 Blindern\n0316 Oslo",
                order_reference="UIO-DEMO-1", signatory_id=signatory.pk,
            )  # fmt: skip


def _draft_on_granted_case() -> None:
    """A proposed offer, not yet sent, on the applications app's demo case that waits for one."""
    from tilgang.applications.lifecycle import State
    from tilgang.applications.models import Application

    application = Application.objects.filter(title__startswith="Demo: ", state=State.ACCESS_GRANTED).first()
    if application is None or application.case_officer is None:
        return
    if (
        Offer.objects.filter(application=application)
        .filter(kind=OfferKind.INITIAL, status=OfferStatus.DRAFT)
        .exists()
    ):
        return
    with transaction.atomic():
        services.offer_create(actor=application.case_officer, application=application)
