"""The demo seed: the tariff, an offer waiting for acceptance and one waiting for signatures, idempotent."""

from tilgang.applications.lifecycle import State
from tilgang.offers import demo
from tilgang.offers.models import Offer, OfferStatus, Tariff


def test_demo_tariff_and_offer_waiting_for_acceptance(db, catalog):
    from tilgang.applications import demo as applications_demo
    from tilgang.core.demo import demo_seed

    demo_seed()
    applications_demo.seed()
    demo.seed()
    waiting = Offer.objects.get(application__title=demo.TITLE)
    assert waiting.status == OfferStatus.SENT and waiting.application.state == State.OFFER_SENT
    accepted = Offer.objects.get(application__title=demo.TITLE_ACCEPTED)
    assert accepted.awaiting_signatures and accepted.application.state == State.OFFER_ACCEPTED
    assert Offer.objects.filter(status=OfferStatus.DRAFT).count() == 1
    counts = (Tariff.objects.count(), Offer.objects.count())
    demo.seed()
    assert (Tariff.objects.count(), Offer.objects.count()) == counts == (1, 3)
