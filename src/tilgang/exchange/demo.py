"""Demo data for the exchange: a package with a small CSV in the inbox of forsker@uio.example from
saksbehandler@tilgang.example, so a newcomer can try the download and the SMS password (both land
in the demo outbox). Idempotent."""

from __future__ import annotations

import io

from django.db import transaction

from tilgang.accounts.models import User
from tilgang.audit.services import audit_record
from tilgang.exchange import services
from tilgang.exchange.models import Package

DEMO_REFERENCE = "24/01234"
DEMO_CSV = (
    b"lopenr,kjonn,fodselsaar,kommune,inntekt_2023\n"
    b"1,2,1985,0301,612000\n"
    b"2,1,1962,4601,488000\n"
    b"3,2,1999,5001,301000\n"
    b"4,1,1977,1103,755000\n"
)
MOBILES = {"saksbehandler@tilgang.example": "+4790000001", "forsker@uio.example": "+4799999999"}


def seed() -> None:
    users = {u.email: u for u in User.objects.filter(email__in=MOBILES)}
    if len(users) != len(MOBILES):
        return
    with transaction.atomic():
        for email, mobile in MOBILES.items():
            user = users[email]
            if not user.mobile:
                user.mobile = mobile
                user.save(update_fields=["mobile"])
                audit_record(
                    actor=None, action="accounts.user.mobile_changed", obj=user, payload={"demo": True}
                )
    officer, researcher = users["saksbehandler@tilgang.example"], users["forsker@uio.example"]
    if Package.objects.filter(sender=officer, case_reference=DEMO_REFERENCE).exists():
        return
    package = services.package_create(
        sender=officer,
        recipients=[researcher],
        subject="Leveranse: inntekt og bosted 2023 (demo)",
        case_reference=DEMO_REFERENCE,
        note="Syntetiske demodata. Passordet kommer på SMS (se utboksen) når du laster ned.",
        files=[("inntekt_2023.csv", io.BytesIO(DEMO_CSV))],
        receipt_requested=True,
    )
    services.package_send(actor=officer, package=package)
