"""Norwegian identifiers: national IDs (fødselsnummer and its relatives) and organisation numbers.

National IDs have 11 digits: a date part ``DDMMYY``, a 3-digit individual number and two
modulus-11 check digits. Variants share the layout and differ in how the date part is shifted:

=========  =========================================  ======================================
kind       rule                                        issued by
=========  =========================================  ======================================
FNR        plain date                                  the Population Register
DNR        day + 40                                    the Population Register (temporary ID)
HNR        month + 40                                  health services (help number)
FHNR       first digit 8 or 9, no date                 health services (common help number)
SYNTHETIC  month + 80 (Test-Norge), may combine with   test environments: never a real person
           day + 40 for a synthetic D-number
=========  =========================================  ======================================

A synthetic D-number parses as ``kind="SYNTHETIC"`` too, with ``d_number=True``; ``register_kind``
gives the kind to record in a register (FNR or DNR).

The 2032 rules (the Tax Administration's new fødselsnummer, in force from 2032): the individual
number no longer encodes sex or century, and the first check digit may be any of four values,
k1, k1+1, k1+2 or k1+3 (mod 11), so more numbers are available per date. Equivalently, the
weighted sum of the first ten digits with weights 3 7 6 1 8 9 4 5 2 1 is 0, 1, 2 or 3 mod 11.
The second check digit is unchanged. Numbers issued under the old rules are a subset, so both
validate here. ``python-stdnum`` knows only the old rules (and only FNR/DNR), which is why the
rules are implemented here; the tests check agreement with it where both apply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Kind = Literal["FNR", "DNR", "HNR", "FHNR", "SYNTHETIC"]

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ORG_W = (3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class NationalId:
    value: str
    kind: Kind
    synthetic: bool
    # Date of birth when the century can be known: old-rule numbers whose individual number
    # falls in a century range. None for FH-numbers and for numbers valid only under the 2032
    # rules (century no longer encoded).
    birth_date: date | None
    d_number: bool = False  # day + 40 (a D-number, synthetic or not)
    rule: Literal["old", "2032"] = "old"  # "old" when k1 is the classic check digit

    @property
    def register_kind(self) -> Literal["FNR", "DNR", "HNR", "FHNR"]:
        """The ID type a register records: a synthetic number counts as FNR or DNR."""
        if self.kind == "SYNTHETIC":
            return "DNR" if self.d_number else "FNR"
        return self.kind


def _digits(value: str) -> list[int] | None:
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        return None
    return [int(c) for c in value]


def _k1_residue(d: list[int]) -> int:
    """Weighted sum of digits 1–10 (k1 weighted 1), mod 11: 0 under the old rules, 0–3 under 2032."""
    return (sum(w * x for w, x in zip(_W1, d[:9], strict=True)) + d[9]) % 11


def _k2_ok(d: list[int]) -> bool:
    return (sum(w * x for w, x in zip(_W2, d[:10], strict=True)) + d[10]) % 11 == 0


def _old_rule_century(individual: int, yy: int) -> int | None:
    """The century under the old rules (the Population Register's individual-number table)."""
    if individual <= 499:
        return 1900
    if individual <= 749 and yy >= 54:
        return 1800
    if individual >= 500 and yy <= 39:
        return 2000
    if individual >= 900 and yy >= 40:
        return 1900
    return None


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month_exists(day: int, month: int, yy: int) -> bool:
    # Without a known century, a date is possible if it exists in any century a number can have.
    return any(_date_or_none(century + yy, month, day) for century in (1800, 1900, 2000))


def parse_national_id(value: str) -> NationalId | None:
    """Parse an 11-digit national ID under the old or the 2032 rules; None when invalid."""
    d = _digits(value)
    if d is None:
        return None
    residue = _k1_residue(d)
    if residue > 3 or not _k2_ok(d):
        return None
    rule: Literal["old", "2032"] = "old" if residue == 0 else "2032"

    if d[0] in (8, 9):
        # FH-number: no date; digits 2–9 are a serial number.
        return NationalId(value=value, kind="FHNR", synthetic=False, birth_date=None, rule=rule)

    day = d[0] * 10 + d[1]
    month = d[2] * 10 + d[3]
    yy = d[4] * 10 + d[5]
    d_number = day > 40
    if d_number:
        day -= 40
    kind: Kind
    if month > 80:
        kind, month, synthetic = "SYNTHETIC", month - 80, True
    elif month > 40:
        if d_number:  # an H-number is never also a D-number
            return None
        kind, month, synthetic = "HNR", month - 40, False
    else:
        kind, synthetic = ("DNR" if d_number else "FNR"), False
    if not (1 <= month <= 12 and 1 <= day <= 31) or not _day_month_exists(day, month, yy):
        return None

    birth_date = None
    if rule == "old":
        century = _old_rule_century(d[6] * 100 + d[7] * 10 + d[8], yy)
        if century is not None:
            birth_date = _date_or_none(century + yy, month, day)
    return NationalId(
        value=value, kind=kind, synthetic=synthetic, birth_date=birth_date, d_number=d_number, rule=rule
    )


def is_national_id(value: str) -> bool:
    """True for any valid national ID (FNR, DNR, HNR, FHNR, synthetic) under either rule set."""
    return parse_national_id(value) is not None


def orgnr_with_check_digit(base8: str) -> str | None:
    """The 9-digit organisation number for 8 leading digits; None when the check digit would be 10."""
    if len(base8) != 8 or not base8.isascii() or not base8.isdigit():
        return None
    remainder = sum(w * int(c) for w, c in zip(_ORG_W, base8, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else base8 + str(check)


def is_valid_orgnr(value: str) -> bool:
    """A 9-digit organisation number (Enhetsregisteret) with a valid modulus-11 check digit."""
    return len(value) == 9 and orgnr_with_check_digit(value[:8]) == value


class _Rng(Protocol):
    def random(self) -> float: ...


def _check_digits(first9: list[int], k1_offsets: tuple[int, ...]) -> list[str]:
    """All valid (k1, k2) endings for nine digits, one per admissible k1 offset."""
    base = sum(w * x for w, x in zip(_W1, first9, strict=True)) % 11
    endings = []
    for offset in k1_offsets:
        k1 = (-base + offset) % 11
        if k1 == 10:
            continue
        r2 = (sum(w * x for w, x in zip(_W2, [*first9, k1], strict=True))) % 11
        k2 = (-r2) % 11
        if k2 == 10:
            continue
        endings.append(f"{k1}{k2}")
    return endings


def _make(day: int, month: int, birth_date: date, individual: int, rng: _Rng | None) -> str | None:
    if not 0 <= individual <= 999:
        raise ValueError("individual number must be 0–999")
    head = f"{day:02d}{month:02d}{birth_date.year % 100:02d}{individual:03d}"
    first9 = [int(c) for c in head]
    # Old rules when no rng is given (sex and century then follow from the caller's individual
    # number); with an rng, the 2032 rule picks k1 among its four admissible values.
    endings = _check_digits(first9, (0,) if rng is None else (0, 1, 2, 3))
    if not endings:
        return None
    if rng is None:
        return head + endings[0]
    return head + endings[int(rng.random() * len(endings))]


def make_synthetic_fnr(
    birth_date: date, individual: int, rng: _Rng | random.Random | None = None
) -> str | None:
    """A Test-Norge fødselsnummer (month + 80): valid check digits, never a real person.

    Without ``rng`` the old rules apply (for old-rule sex and century, pick ``individual`` from the
    right range: 000–499 for 1900–1999, 500–999 from 2000; odd = male). With ``rng`` (anything with
    ``random()``, e.g. ``random.Random`` or ``numpy.random.Generator``) the 2032 rules apply.
    Returns None when no check digits exist for this individual number (take the next one).
    """
    return _make(birth_date.day, birth_date.month + 80, birth_date, individual, rng)


def make_synthetic_dnr(
    birth_date: date, individual: int, rng: _Rng | random.Random | None = None
) -> str | None:
    """A Test-Norge D-number (day + 40 and month + 80); same conventions as ``make_synthetic_fnr``."""
    return _make(birth_date.day + 40, birth_date.month + 80, birth_date, individual, rng)


# Vectorised form for the register generator: millions of IDs at once.

IntArray = npt.NDArray[np.int64]


def _synthetic_digits(
    day: IntArray, month: IntArray, yy: IntArray, individual: IntArray, d_number: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    dd = day + (40 if d_number else 0)
    mm = month + 80
    digits = np.empty((day.shape[0], 11), dtype=np.int64)
    for i, (value, div) in enumerate(
        (
            (dd, 10),
            (dd, 1),
            (mm, 10),
            (mm, 1),
            (yy, 10),
            (yy, 1),
            (individual, 100),
            (individual, 10),
            (individual, 1),
        )
    ):
        digits[:, i] = value // div % 10
    digits[:, 9] = (-(digits[:, :9] @ np.array(_W1, dtype=np.int64))) % 11
    digits[:, 10] = (-(digits[:, :10] @ np.array(_W2, dtype=np.int64))) % 11
    ok = (digits[:, 9] != 10) & (digits[:, 10] != 10)
    return digits, ok


def synthetic_ids_valid(
    day: IntArray, month: IntArray, yy: IntArray, individual: IntArray, *, d_number: bool
) -> npt.NDArray[np.bool_]:
    """Which (date, individual number) pairs have old-rule check digits (neither would be 10)."""
    return _synthetic_digits(day, month, yy, individual, d_number)[1]


def synthetic_ids_array(
    day: IntArray, month: IntArray, yy: IntArray, individual: IntArray, *, d_number: bool
) -> tuple[npt.NDArray[np.bytes_], npt.NDArray[np.bool_]]:
    """Old-rule synthetic IDs (as 11-byte strings) for arrays of dates and individual numbers.

    Returns the IDs and a mask of which inputs have valid check digits (entries outside the mask are
    meaningless). Element by element the same as ``make_synthetic_fnr``/``make_synthetic_dnr``
    without rng.
    """
    digits, ok = _synthetic_digits(day, month, yy, individual, d_number)
    text = np.ascontiguousarray((np.where(ok[:, None], digits, 0) + 48).astype(np.uint8))
    return text.view("S11").ravel(), ok
