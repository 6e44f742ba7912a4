"""The tariff has validity dates, and old offers keep the tariff they were made with ("Price")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from tests.offers.conftest import TARIFF, granted
from tilgang.offers import pricing, services


def test_a_new_tariff_ends_the_previous_one(tariff):
    newer = services.tariff_create(
        actor=None, **{**TARIFF, "valid_from": date(2027, 1, 1), "hourly_rate": "1300"}
    )
    tariff.refresh_from_db()
    assert tariff.valid_to == date(2026, 12, 31)
    assert services.tariff_in_force(date(2026, 6, 1)) == tariff
    assert services.tariff_in_force(date(2027, 6, 1)) == newer
    with pytest.raises(services.OfferError, match="must start after"), transaction.atomic():
        services.tariff_create(actor=None, **{**TARIFF, "valid_from": date(2026, 6, 1)})


def test_old_offers_keep_their_tariff(people, catalog, tariff):
    offer = services.offer_create(actor=people["officer"], application=granted(people, catalog))
    with pytest.raises(services.OfferError, match="cannot change"), transaction.atomic():
        services.tariff_update(actor=None, tariff=tariff, hourly_rate="9999")
    services.tariff_create(actor=None, **{**TARIFF, "valid_from": date(2027, 1, 1), "hourly_rate": "1300"})
    offer.refresh_from_db()
    assert offer.tariff == tariff and offer.tariff_snapshot["hourly_rate"] == "1250.00"
    assert offer.lines.first().unit_price == Decimal("1250.00")
    assert pricing.tariff_snapshot(tariff) == offer.tariff_snapshot


def test_only_administrators_maintain_the_tariff(people, tariff):
    with pytest.raises(services.OfferError, match="administrator"), transaction.atomic():
        services.tariff_update(actor=people["officer"], tariff=tariff, hourly_rate="1")
    with pytest.raises(services.OfferError, match="Unknown tariff items"), transaction.atomic():
        services.tariff_update(actor=None, tariff=tariff, lunch_allowance="1")
    tariff.refresh_from_db()
    assert tariff.hourly_rate == Decimal("1250.00")
