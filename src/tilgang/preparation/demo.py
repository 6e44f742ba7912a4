"""Demo data: one case READY TO PREPARE, so a newcomer can play the case officer and deliver data to
forsker@uio.example in ten minutes (docs/journey.md).

The case is made through the same services as the portal: the application with real catalog variables, the
legal review, the decision, the offer accepted and signed (so the delivery can make its invoice basis). It is
left at "agreement signed" with saksbehandler@tilgang.example as case officer. Idempotent: recognised by its
title. Needs the demo users (core), the catalog and the tariff (offers); without them it does nothing.
"""

from __future__ import annotations

from django.db import transaction

from tilgang.accounts.models import User

TITLE = "Demo: ready to prepare – income and education over the life course"
# Real catalog variables of the demo registers: fixed, a status on dates, a yearly status, yearly income.
VARIABLES = (
    "BEFOLKNING_KJOENN",
    "BEFOLKNING_FOEDSELSAAR",
    "BEFOLKNING_KOMMNR_FAKTISK",
    "NUDB_BU",
    "INNTEKT_WLONN",
)


def seed() -> None:
    from tilgang.applications import demo as applications_demo
    from tilgang.applications import services as applications
    from tilgang.applications.lifecycle import State
    from tilgang.applications.models import Application, ProjectRole
    from tilgang.catalog.models import Variable
    from tilgang.offers import services as offers
    from tilgang.offers.models import Tariff

    if Application.objects.filter(title=TITLE).exists():
        return
    people = {
        key: User.objects.filter(email=email).first() for key, email in applications_demo.EMAILS.items()
    }
    if any(user is None for user in people.values()) or not Tariff.objects.exists():
        return
    names = [n for n in VARIABLES if Variable.objects.filter(name=n, withdrawn_at__isnull=True).exists()]
    if len(names) < 3:
        return
    with transaction.atomic():
        application = applications_demo._draft(people, TITLE, names)  # type: ignore[arg-type]
        for who, command, data in applications_demo.RECIPES[State.ACCESS_GRANTED]:
            if "case_officer" in data:
                data = {"case_officer_id": people[data["case_officer"]].pk}  # type: ignore[union-attr]
            applications.case_transition(
                actor=people[who] if who else None, application=application, command=command, **data
            )
        officer = people["saksbehandler"]
        assert officer is not None
        offer = offers.offer_create(actor=officer, application=application)
        offers.offer_send(actor=officer, offer=offer)
        signatory = application.members.get(role=ProjectRole.SIGNATORY, removed_at__isnull=True)
        offers.offer_accept(
            actor=people["forsker"],  # type: ignore[arg-type]
            offer=offer,
            invoice_address="Universitetet i Oslo, Postboks 1072 Blindern, 0316 Oslo",
            order_reference="UIO-DEMO-4711",
            signatory_id=signatory.pk,
        )
        for who in ("forsker", "deltaker", "leder"):
            offers.declaration_sign(actor=people[who], offer=offer)  # type: ignore[arg-type]
        offer.refresh_from_db()
        offers.offer_sign(actor=people["leder"], offer=offer, document_sha256=offer.agreement_sha256)  # type: ignore[arg-type]
