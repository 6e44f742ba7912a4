"""Extraction by temporality: FIXED, STATUS at dates and per year, ACCUMULATED per year, EVENT clipped."""

from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import small_scenario, write_registers

SC = small_scenario()
KEY = {r["national_id"]: r["person_key"] for r in SC["national_ids"]}
BIRTH = {p["person_key"]: p["birth_date"] for p in SC["persons"]}
A, B = date(2012, 1, 1), date(2012, 12, 31)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("x")
    registers = write_registers(base / "reg", SC)
    order = parse_order(
        {
            "project": {"id": "P-X"},
            "population": {"kind": "alive_at", "date": "2012-01-01"},
            "variables": [
                {"name": "FOEDSELSDATO", "exact_dates": True},
                {"name": "BOSTED", "dates": ["2012-07-01", "2013-01-01"]},
                {"name": "UTDANNING", "years": [2012, 2013]},
                {"name": "LONN", "years": [2011, 2012]},
                {
                    "name": "YTELSE_TYPE",
                    "period": {"start": "2012-01-01", "end": "2012-12-31"},
                    "exact_dates": True,
                },
                {
                    "name": "YTELSE_BELOP",
                    "period": {"start": "2012-01-01", "end": "2012-12-31"},
                    "exact_dates": True,
                },
            ],
            "output": {"event_dates": "exact"},
        }
    )
    result = run_order(order, registers, base / "out", seal_key=new_office_key())
    return result.delivery_dir / "data"


def born(out: Path) -> dict[int, int]:
    """LOPENR → person key, through the exactly delivered (and distinct) birth dates."""
    by_birth = {b: k for k, b in BIRTH.items()}
    return {
        r["LOPENR"]: by_birth[r["FOEDSELSDATO"]] for r in pq.read_table(out / "PERSONS.parquet").to_pylist()
    }


def test_status_at_each_requested_date(out: Path) -> None:
    who = born(out)
    got = {
        (who[r["LOPENR"]], r["DATO"]): r["BOSTED"]
        for r in pq.read_table(out / "RESIDENCE.parquet").to_pylist()
    }
    want = {}
    for r in SC["residence"]:
        for d in (date(2012, 7, 1), date(2013, 1, 1)):
            k = KEY[r["national_id"]]
            if (
                k in who.values()
                and r["valid_from"] <= d
                and (r.get("valid_to") is None or r["valid_to"] > d)
            ):
                want[(k, d)] = r["municipality"]
    assert got == want


def test_status_per_year(out: Path) -> None:
    who = born(out)
    got = {
        (who[r["LOPENR"]], r["AAR"]): r["UTDANNING"]
        for r in pq.read_table(out / "EDUCATION.parquet").to_pylist()
    }
    want = {
        (KEY[r["national_id"]], r["year"]): r["nus2000"]
        for r in SC["education"]
        if KEY[r["national_id"]] in who.values()
    }
    assert got == want


def test_accumulated_per_year_across_id_changes(out: Path) -> None:
    who = born(out)
    got = {(who[r["LOPENR"]], r["AAR"]): r["LONN"] for r in pq.read_table(out / "INCOME.parquet").to_pylist()}
    want: dict[tuple[int, int], int] = {}
    for r in SC["income"]:
        k = KEY[r["national_id"]]
        if k in who.values() and r["year"] in (2011, 2012):
            want[(k, r["year"])] = want.get((k, r["year"]), 0) + r["wage_income"]
    assert got == want


def test_events_clipped_to_the_period(out: Path) -> None:
    who = born(out)
    got = sorted(
        (who[r["LOPENR"]], r["START"], r["SLUTT"], r["YTELSE_TYPE"], r["YTELSE_BELOP"])
        for r in pq.read_table(out / "BENEFITS.parquet").to_pylist()
    )
    end = B + timedelta(days=1)
    want = sorted(
        (
            KEY[r["national_id"]],
            max(r["start_date"], A),
            min(r.get("end_date") or end, end),
            r["benefit_type"],
            r["amount"],
        )
        for r in SC["benefits"]
        if KEY[r["national_id"]] in who.values()
        and r["start_date"] <= B
        and (r.get("end_date") is None or r["end_date"] > A)
    )
    assert got == want and len(want) >= 2
