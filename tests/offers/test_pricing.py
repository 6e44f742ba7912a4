"""Exact decimal arithmetic, the documented rounding rule, and Norwegian formatting ("Price" in DOMAIN)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tilgang.offers.pricing import NBSP, PriceError, format_nok, line_amount, to_decimal, totals


def test_line_amount_rounds_half_up_to_the_ore():
    assert line_amount(Decimal("1.5"), Decimal("1333.33")) == Decimal("2000.00")  # 1999.995
    assert line_amount(Decimal("0.25"), Decimal("0.02")) == Decimal("0.01")  # 0.005 goes up
    assert line_amount(Decimal("0.75"), Decimal("1250.00")) == Decimal("937.50")
    assert line_amount(Decimal("3"), Decimal("0.10")) == Decimal("0.30")  # no binary noise


def test_vat_is_computed_once_on_the_total_half_up():
    # Per line, VAT would be 2 × round(0.05 × 25 %) = 2 × 0.01 = 0.02; on the total it is round(0.025) = 0.03.
    result = totals([Decimal("0.05"), Decimal("0.05")], Decimal(25))
    assert (result.subtotal, result.vat, result.total) == (Decimal("0.10"), Decimal("0.03"), Decimal("0.13"))
    result = totals([Decimal("10.02")], Decimal(25))  # 2.505 -> 2.51
    assert (result.vat, result.total) == (Decimal("2.51"), Decimal("12.53"))
    result = totals([Decimal("10.01")], Decimal(25))  # 2.5025 -> 2.50
    assert result.vat == Decimal("2.50")


def test_a_typical_offer_to_the_ore():
    amounts = [line_amount(Decimal(h), Decimal("1250.00")) for h in ("6", "4", "3.5")]
    amounts += [Decimal("6500.00"), Decimal("7800.00"), Decimal("4800.00")]
    result = totals(amounts, Decimal(25))
    assert result.subtotal == Decimal("35975.00")
    assert result.vat == Decimal("8993.75")
    assert result.total == Decimal("44968.75")


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        ("12345.5", "nb", f"12{NBSP}345,50{NBSP}kr"),
        ("12345.5", "nn", f"12{NBSP}345,50{NBSP}kr"),
        ("12345.5", "en", f"NOK{NBSP}12,345.50"),
        ("1234567.891", "nb", f"1{NBSP}234{NBSP}567,89{NBSP}kr"),
        ("0", "nb", f"0,00{NBSP}kr"),
        ("999.995", "nb", f"1{NBSP}000,00{NBSP}kr"),
        ("-45.5", "nb", f"-45,50{NBSP}kr"),
        ("100", "en", f"NOK{NBSP}100.00"),
    ],
)
def test_nok_in_norwegian_and_english(amount, language, text):
    assert format_nok(Decimal(amount), language) == text


def test_the_example_of_the_issue_reads_the_same_with_plain_spaces():
    assert format_nok(Decimal("12345.50"), "nb").replace(NBSP, " ") == "12 345,50 kr"


def test_input_is_parsed_exactly_and_garbage_refused():
    assert to_decimal("1,5") == Decimal("1.5")
    assert to_decimal(0.1) == Decimal("0.1")  # through str, not the binary float
    for bad in ("abc", "", "1e", "NaN", "inf"):
        with pytest.raises(PriceError):
            to_decimal(bad)
