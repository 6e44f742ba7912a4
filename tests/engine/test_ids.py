import random
from datetime import date

import numpy as np
import pytest
from stdnum.no import fodselsnummer, orgnr

from tilgang.engine.ids import (
    is_national_id,
    is_valid_orgnr,
    make_synthetic_dnr,
    make_synthetic_fnr,
    orgnr_with_check_digit,
    parse_national_id,
    synthetic_ids_array,
)

# Published test numbers: FNR, D-number, H-number, FH-number.
KNOWN_VALID = {"15076500565": "FNR", "70019950032": "DNR", "01410199935": "HNR", "88888888831": "FHNR"}


def _k1_k2(first9: str, offset: int = 0) -> str | None:
    w1, w2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    k1 = (-sum(a * int(b) for a, b in zip(w1, first9, strict=True)) + offset) % 11
    if k1 == 10:
        return None
    k2 = -sum(a * int(b) for a, b in zip(w2, first9 + str(k1), strict=True)) % 11
    return None if k2 == 10 else f"{first9}{k1}{k2}"


@pytest.mark.parametrize(("value", "kind"), KNOWN_VALID.items())
def test_known_numbers_parse_with_their_kind(value: str, kind: str) -> None:
    parsed = parse_national_id(value)
    assert parsed is not None and parsed.kind == kind and not parsed.synthetic and parsed.rule == "old"


def test_known_fnr_birth_date() -> None:
    assert parse_national_id("15076500565").birth_date == date(1965, 7, 15)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        "98019800546",
        "15076500566",
        "15076500575",
        "1507650056",
        "150765005650",
        "1507650056a",
        "32016500565",
        "",
        "15136500565",
    ],
)
def test_invalid_numbers_rejected(value: str) -> None:
    assert parse_national_id(value) is None
    assert not is_national_id(value)


def test_2032_rule_accepts_k1_plus_one_to_three_which_stdnum_rejects() -> None:
    base = "150765005"
    accepted = []
    for offset in (1, 2, 3):
        number = _k1_k2(base, offset)
        if number is None:
            continue
        parsed = parse_national_id(number)
        assert parsed is not None and parsed.rule == "2032" and parsed.kind == "FNR"
        assert parsed.birth_date is None  # century is no longer encoded
        assert not fodselsnummer.is_valid(number)
        accepted.append(number)
    assert accepted
    # Offsets 4..10 are never valid.
    for offset in range(4, 11):
        number = _k1_k2(base, offset)
        if number is not None:
            assert parse_national_id(number) is None


def test_agrees_with_stdnum_on_old_rule_numbers() -> None:
    rng = random.Random(3)
    checked = 0
    for _ in range(4000):
        d = date.fromordinal(rng.randint(date(1901, 1, 1).toordinal(), date(2024, 12, 31).toordinal()))
        individual = rng.randint(0, 499) if d.year < 2000 else rng.randint(500, 999)
        d_number = rng.random() < 0.3
        head = f"{d.day + (40 if d_number else 0):02d}{d.month:02d}{d.year % 100:02d}{individual:03d}"
        number = _k1_k2(head)
        if number is None:
            continue
        parsed = parse_national_id(number)
        assert parsed is not None and fodselsnummer.is_valid(number)
        assert parsed.kind == ("DNR" if d_number else "FNR")
        assert parsed.birth_date == fodselsnummer.get_birth_date(number) == d
        # A single changed digit is rejected by both.
        broken = number[:10] + str((int(number[10]) + 1) % 10)
        assert parse_national_id(broken) is None and not fodselsnummer.is_valid(broken)
        checked += 1
    assert checked > 2500


def test_synthetic_numbers_are_valid_and_never_real() -> None:
    rng = random.Random(5)
    for birth in (date(1950, 2, 28), date(2000, 2, 29), date(2024, 12, 31), date(1985, 1, 1)):
        for individual in range(0, 999, 37):
            for make, d_number in ((make_synthetic_fnr, False), (make_synthetic_dnr, True)):
                for r in (None, rng):
                    number = make(birth, individual, r)
                    if number is None:
                        continue
                    parsed = parse_national_id(number)
                    assert parsed is not None and parsed.synthetic and parsed.kind == "SYNTHETIC"
                    assert parsed.d_number is d_number
                    assert parsed.register_kind == ("DNR" if d_number else "FNR")
                    assert int(number[2:4]) > 80  # Test-Norge: month + 80, no real person has it
                    assert not fodselsnummer.is_valid(number)


def test_old_rule_synthetic_number_keeps_birth_date_and_individual() -> None:
    number = make_synthetic_fnr(date(1980, 5, 17), 123)
    assert number == "17858012392"
    parsed = parse_national_id(number)
    assert parsed is not None and parsed.birth_date == date(1980, 5, 17) and parsed.rule == "old"


def test_vectorised_generator_matches_scalar() -> None:
    rng = np.random.default_rng(1)
    days = rng.integers(1, 29, 500)
    months = rng.integers(1, 13, 500)
    years = rng.integers(1930, 2024, 500)
    individual = np.where(years < 2000, rng.integers(0, 500, 500), rng.integers(500, 1000, 500))
    for d_number, make in ((False, make_synthetic_fnr), (True, make_synthetic_dnr)):
        ids, ok = synthetic_ids_array(days, months, years % 100, individual, d_number=d_number)
        for i in range(500):
            expected = make(date(int(years[i]), int(months[i]), int(days[i])), int(individual[i]))
            assert (ids[i].decode() if ok[i] else None) == expected


def test_orgnr() -> None:
    assert is_valid_orgnr("987654325") and orgnr.is_valid("987654325")
    assert not is_valid_orgnr("987654321")
    assert not is_valid_orgnr("98765432")
    assert orgnr_with_check_digit("98765432") == "987654325"
    rng = random.Random(2)
    for _ in range(2000):
        base = f"{rng.randint(80000000, 99999999)}"
        full = orgnr_with_check_digit(base)
        if full is None:
            assert not any(orgnr.is_valid(base + str(c)) for c in range(10))
        else:
            assert is_valid_orgnr(full) and orgnr.is_valid(full)
