"""Minimisation methods (DOMAIN R-DATA-6), each checked against a Python computation."""

from datetime import date

import duckdb
import pytest

from tilgang.engine.minimise import coarsen
from tilgang.engine.order import Minimise


def run(values: list, m: dict, data_type: str = "LONG", parts: list | None = None) -> list:
    con = duckdb.connect()
    rows = [(i, v, (parts or [0] * len(values))[i]) for i, v in enumerate(values)]
    con.execute(
        "CREATE TABLE t(pk INTEGER, v "
        + {"LONG": "BIGINT", "DATE": "DATE", "STRING": "VARCHAR"}[data_type]
        + ", y INTEGER)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
    c = coarsen('"v"', Minimise(**m), data_type, ["y"])
    return [r[1] for r in con.execute(f"SELECT pk, {c.sql} FROM t ORDER BY pk").fetchall()]  # noqa: S608


def py_age(b: date, ref: date) -> int:
    return ref.year - b.year - ((ref.month, ref.day) < (b.month, b.day))


BIRTHS = [date(1980, 1, 1), date(1980, 1, 2), date(2000, 2, 29), date(1999, 12, 31), date(2013, 1, 1)]


def test_age_at_reference_date() -> None:
    ref = date(2013, 1, 1)
    assert run(BIRTHS, {"method": "age", "reference_date": ref}, "DATE") == [py_age(b, ref) for b in BIRTHS]


def test_age_groups_by_width() -> None:
    ref = date(2013, 1, 1)
    got = run(BIRTHS, {"method": "age_group", "reference_date": ref, "width": 5}, "DATE")
    want = [f"{py_age(b, ref) // 5 * 5}-{py_age(b, ref) // 5 * 5 + 4}" for b in BIRTHS]
    assert got == want


def test_dates_to_month_and_year() -> None:
    assert run(BIRTHS, {"method": "month"}, "DATE") == [f"{b.year}-{b.month:02d}" for b in BIRTHS]
    assert run(BIRTHS, {"method": "year"}, "DATE") == [b.year for b in BIRTHS]


def test_income_intervals() -> None:
    values = [0, 99_999, 100_000, 250_000, 1_000_000, None, -5]
    got = run(values, {"method": "intervals", "breaks": [0, 100_000, 500_000]})
    assert got == ["0-99999", "0-99999", "100000-499999", "100000-499999", "500000+", None, "<0"]


def test_quantile_groups_are_balanced_and_monotone() -> None:
    values = [v * 7919 % 1000 for v in range(100)]
    got = run(values, {"method": "quantile_groups", "groups": 4})
    assert sorted(got.count(g) for g in range(1, 5)) == [25, 25, 25, 25]
    pairs = sorted(zip(values, got, strict=True))
    assert all(a[1] <= b[1] for a, b in zip(pairs, pairs[1:], strict=False))


def test_quantile_groups_per_year() -> None:
    got = run(
        [1, 2, 3, 4, 10, 20, 30, 40],
        {"method": "quantile_groups", "groups": 2},
        parts=[0, 0, 0, 0, 1, 1, 1, 1],
    )
    assert got == [1, 1, 2, 2, 1, 1, 2, 2]


def test_education_level_and_county() -> None:
    assert run(["601101", "201101"], {"method": "education_level"}, "STRING") == ["6", "2"]
    assert run(["0301", "4601"], {"method": "county"}, "STRING") == ["03", "46"]


def test_small_municipalities_grouped() -> None:
    values = ["0301"] * 5 + ["1103"] * 2 + ["4601"]
    got = run(values, {"method": "small_municipality", "threshold": 3}, "STRING")
    assert got == ["0301"] * 5 + ["1199"] * 2 + ["4699"]


@pytest.mark.parametrize(("top", "bottom"), [(1000, None), (None, 10), (1000, 10)])
def test_top_and_bottom_coding(top, bottom) -> None:
    values = [5, 10, 500, 1000, 5000, None]
    got = run(values, {"method": "top_bottom", "top": top, "bottom": bottom})
    lo, hi = bottom if bottom is not None else -(10**18), top if top is not None else 10**18
    assert got == [None if v is None else min(max(v, lo), hi) for v in values]
