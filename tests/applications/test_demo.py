"""The demo seed makes a case in every state, through the services, and is idempotent."""

from tilgang.applications import demo
from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application


def test_demo_has_every_state_and_is_idempotent(db, catalog):
    from tilgang.core.demo import demo_seed
    from tilgang.offers import demo as offers_demo

    demo_seed()
    demo.seed()
    offers_demo.seed()  # the two states that need a real offer to act on
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(State.values)
    for state in demo.MADE_BY_OFFERS_DEMO:
        assert all(a.offers.exists() for a in Application.objects.filter(state=state))
    count = Application.objects.count()
    demo.seed()
    assert Application.objects.count() == count
