"""Time-based work on offers, idempotent (DOMAIN R-CASE-4):

- a reminder three days before the acceptance deadline, once;
- an offer not accepted by the deadline lapses: the case goes to ``offer_expired`` and says so.
"""

from __future__ import annotations

from datetime import datetime

from tilgang.offers import services
from tilgang.offers.models import Offer, OfferKind, OfferStatus


def offer_reminders(now: datetime) -> int:
    due = Offer.objects.filter(
        status=OfferStatus.SENT, kind=OfferKind.INITIAL, reminded_at__isnull=True,
        due_at__gt=now, due_at__lte=now + services.REMINDER_BEFORE,
    )  # fmt: skip
    return sum(1 for offer in due if services.offer_remind(offer=offer, now=now))


def offers_expired(now: datetime) -> int:
    due = Offer.objects.filter(status=OfferStatus.SENT, kind=OfferKind.INITIAL, due_at__lte=now)
    return sum(1 for offer in due if services.offer_expire(offer=offer, now=now))


SWEEPS = [offer_reminders, offers_expired]
