"""Prices in exact decimal arithmetic (DOMAIN "Price", 001 §11).

Rounding, as documented in docs/offers.md:
- a line's amount is quantity × unit price, rounded half-up to the øre;
- the subtotal is the sum of the line amounts;
- VAT is computed once, on the subtotal (per total, not per line), rounded half-up to the øre;
- the total is subtotal + VAT.
This is also what PEPPOL BIS Billing 3.0 expects (BR-CO-14/17: VAT = taxable amount × rate, to 2 decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tilgang.applications.models import Application
    from tilgang.offers.models import Tariff

ORE = Decimal("0.01")
NBSP = "\u00a0"


class PriceError(ValueError):
    """A refused amount; the message is translated and safe to show."""


def to_decimal(value: object) -> Decimal:
    """A Decimal from user input, refusing floats' binary noise by going through ``str``."""
    from django.utils.translation import gettext as _

    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as error:
        raise PriceError(_("“%(value)s” is not a number.") % {"value": value}) from error
    if not number.is_finite():
        raise PriceError(_("“%(value)s” is not a number.") % {"value": value})
    return number


def round_ore(amount: Decimal) -> Decimal:
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_ore(Decimal(quantity) * Decimal(unit_price))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    vat_percent: Decimal
    vat: Decimal
    total: Decimal


def totals(amounts: Iterable[Decimal], vat_percent: Decimal) -> Totals:
    subtotal = sum((Decimal(a) for a in amounts), Decimal("0.00"))
    subtotal = round_ore(subtotal)
    vat = round_ore(subtotal * Decimal(vat_percent) / Decimal(100))
    return Totals(subtotal=subtotal, vat_percent=Decimal(vat_percent), vat=vat, total=subtotal + vat)


def format_nok(amount: Decimal | None, language: str | None = None) -> str:
    """NOK as a reader of ``language`` writes it: "12 345,50 kr" in bokmål and nynorsk (no-break spaces),
    "NOK 12,345.50" in English."""
    from django.utils import translation

    if amount is None:
        return ""
    language = (language or translation.get_language() or "nb")[:2]
    value = round_ore(Decimal(amount))
    sign = "-" if value < 0 else ""
    whole, _sep, fraction = f"{abs(value):.2f}".partition(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    if language == "en":
        return f"{sign}NOK{NBSP}{','.join(groups)}.{fraction}"
    return f"{sign}{NBSP.join(groups)},{fraction}{NBSP}kr"


def format_quantity(quantity: Decimal, language: str | None = None) -> str:
    from django.utils import translation

    language = (language or translation.get_language() or "nb")[:2]
    text = f"{Decimal(quantity).normalize():f}"
    return text if language == "en" else text.replace(".", ",")


# --- the tariff --------------------------------------------------------------------------------------


def specific_price(tariff: Tariff, kind: str, key: str) -> Decimal:
    from tilgang.offers.models import SpecificPriceKind

    found = tariff.prices.filter(kind=kind, key=key).first()
    if found is not None:
        return found.price
    return tariff.fdtrygd_table_price if kind == SpecificPriceKind.FDTRYGD else tariff.area_price


def tariff_snapshot(tariff: Tariff) -> dict:
    """The tariff as it was when an offer used it, kept on the offer (amounts as text with two decimals)."""

    def text(value: Decimal) -> str:
        return f"{Decimal(value):.2f}"

    return {
        "id": tariff.pk,
        "valid_from": tariff.valid_from.isoformat(),
        "valid_to": tariff.valid_to.isoformat() if tariff.valid_to else None,
        **{name: text(getattr(tariff, name)) for name in (
            "hourly_rate", "outside_lists_hourly_rate", "fdtrygd_table_price", "area_price", "handling_cost",
            "vat_percent", "hours_coordination", "hours_population", "hours_third_party", "hours_archiving")},
        "prices": [{"kind": p.kind, "key": p.key, "price": text(p.price)} for p in tariff.prices.all()],
    }  # fmt: skip


@dataclass(frozen=True)
class ProposedLine:
    item: str
    key: str
    unit: str
    quantity: Decimal
    unit_price: Decimal


def unit_price_for(tariff: Tariff, item: str, key: str = "") -> tuple[str, Decimal]:
    """The unit and unit price the tariff gives an item."""
    from django.utils.translation import gettext as _

    from tilgang.offers.models import LineItem, SpecificPriceKind, Unit

    if item in (LineItem.COORDINATION, LineItem.POPULATION, LineItem.THIRD_PARTY, LineItem.ARCHIVING,
                LineItem.OTHER_HOURS):  # fmt: skip
        return Unit.HOUR, tariff.hourly_rate
    if item == LineItem.OUTSIDE_LISTS:
        return Unit.HOUR, tariff.outside_lists_hourly_rate
    if item == LineItem.FDTRYGD:
        return Unit.PIECE, specific_price(tariff, SpecificPriceKind.FDTRYGD, key)
    if item == LineItem.AREA:
        return Unit.PIECE, specific_price(tariff, SpecificPriceKind.AREA, key)
    if item == LineItem.HANDLING:
        return Unit.PIECE, tariff.handling_cost
    raise PriceError(
        _("Unknown tariff item “%(item)s”. Use one of: %(items)s.")
        % {"item": item, "items": ", ".join(LineItem.values)}
    )


def proposal(tariff: Tariff, application: Application) -> list[ProposedLine]:
    """The lines the system proposes from the case and its variable selection (001 §11)."""
    from tilgang.offers.models import LineItem

    def hourly(item: str, hours: Decimal) -> ProposedLine:
        unit, price = unit_price_for(tariff, item)
        return ProposedLine(item, "", unit, Decimal(hours), price)

    def fixed(item: str, key: str) -> ProposedLine:
        unit, price = unit_price_for(tariff, item, key)
        return ProposedLine(item, key, unit, Decimal(1), price)

    lines = [hourly(LineItem.COORDINATION, tariff.hours_coordination),
             hourly(LineItem.POPULATION, tariff.hours_population)]  # fmt: skip
    if application.third_party_data or application.own_data_by_consent:
        lines.append(hourly(LineItem.THIRD_PARTY, tariff.hours_third_party))
    tables: list[str] = []
    areas: list[str] = []
    for selected in application.variables.select_related("variable"):
        group = selected.variable.price_group
        table = selected.variable.fdtrygd_table
        if table:
            if table not in tables:
                tables.append(table)
        elif group and group not in areas:
            areas.append(group)
    # FD-Trygd: a fixed price per table; the variable lists: a fixed price per area, additive.
    lines += [fixed(LineItem.FDTRYGD, table) for table in sorted(tables)]
    lines += [fixed(LineItem.AREA, area) for area in sorted(areas)]
    lines.append(hourly(LineItem.ARCHIVING, tariff.hours_archiving))
    return lines


def change_proposal(tariff: Tariff) -> list[ProposedLine]:
    from tilgang.offers.models import LineItem

    unit, price = unit_price_for(tariff, LineItem.HANDLING)
    return [ProposedLine(LineItem.HANDLING, "", unit, Decimal(1), price)]
