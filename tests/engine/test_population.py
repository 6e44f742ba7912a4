"""Identity and population steps on hand-built registers; expectations computed here in Python."""

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tilgang.engine.errors import EmptyPopulationError
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import dry_run, run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import fnr, small_scenario, write_registers

SC = small_scenario()


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_registers(tmp_path_factory.mktemp("reg"), SC)


def key_of(national_id: str) -> int:
    return next(r["person_key"] for r in SC["national_ids"] if r["national_id"] == national_id)


def resident_at(d: date) -> set[int]:
    alive = {
        p["person_key"]
        for p in SC["persons"]
        if p["birth_date"] <= d and (p.get("death_date") is None or p["death_date"] > d)
    }
    return {
        key_of(r["national_id"])
        for r in SC["residence"]
        if r["valid_from"] <= d and (r.get("valid_to") is None or r["valid_to"] > d)
    } & alive


def resident_during(a: date, b: date) -> set[int]:
    return {
        key_of(r["national_id"])
        for r in SC["residence"]
        if r["valid_from"] <= b and (r.get("valid_to") is None or r["valid_to"] > a)
    }


def order(population: dict, variables: list | None = None) -> dict:
    return {
        "project": {"id": "P-POP"},
        "population": population,
        "variables": variables or [{"name": "KJOENN"}],
    }


def test_R_POP_resident_at_date_differs_from_resident_during_period(registers: Path) -> None:
    at = dry_run(parse_order(order({"kind": "resident_at", "date": "2013-01-01"})), registers)
    during = dry_run(
        parse_order(order({"kind": "resident_during", "start": "2012-01-01", "end": "2012-12-31"})), registers
    )
    expected_at = resident_at(date(2013, 1, 1))
    expected_during = resident_during(date(2012, 1, 1), date(2012, 12, 31))
    assert expected_at != expected_during  # the scenario separates them (emigrant, death, newborn)
    assert at.population.persons == len(expected_at)
    assert during.population.persons == len(expected_during)


def test_population_members_are_exactly_the_expected_persons(registers: Path, tmp_path: Path) -> None:
    # A birth-date variable exposes who is in: each person has a distinct birth date.
    o = order(
        {"kind": "resident_during", "start": "2012-01-01", "end": "2012-12-31"},
        [{"name": "FOEDSELSDATO", "minimise": {"method": "year"}}, {"name": "KJOENN"}],
    )
    run_order(parse_order(o), registers, tmp_path / "out", seal_key=new_office_key())
    t = pq.read_table(tmp_path / "out" / "delivery" / "data" / "PERSONS.parquet")
    got = sorted(zip(t.column("FOEDSELSDATO").to_pylist(), t.column("KJOENN").to_pylist(), strict=True))
    members = resident_during(date(2012, 1, 1), date(2012, 12, 31))
    want = sorted((p["birth_date"].year, p["sex"]) for p in SC["persons"] if p["person_key"] in members)
    assert got == want


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (
            {"kind": "birth_cohorts", "from_year": 1970, "to_year": 1989},
            lambda: {p["person_key"] for p in SC["persons"] if 1970 <= p["birth_date"].year <= 1989},
        ),
        (
            {"kind": "alive_at", "date": "2013-01-01"},
            lambda: {
                p["person_key"]
                for p in SC["persons"]
                if p["birth_date"] <= date(2013, 1, 1)
                and (p.get("death_date") is None or p["death_date"] > date(2013, 1, 1))
            },
        ),
        (
            {"kind": "dead_at", "date": "2013-01-01"},
            lambda: {
                p["person_key"]
                for p in SC["persons"]
                if p.get("death_date") and p["death_date"] <= date(2013, 1, 1)
            },
        ),
        (
            {"kind": "resident_at", "date": "2013-01-01", "birth_years": [1900, 1999]},
            lambda: {
                k
                for k in resident_at(date(2013, 1, 1))
                if next(p for p in SC["persons"] if p["person_key"] == k)["birth_date"].year <= 1999
            },
        ),
    ],
)
def test_population_kinds(registers: Path, population: dict, expected) -> None:
    report = dry_run(parse_order(order(population)), registers)
    assert report.population.persons == len(expected())


def test_id_list_reports_unmatched_and_invalid_ids(registers: Path, tmp_path: Path) -> None:
    known = [SC["national_ids"][0]["national_id"], SC["national_ids"][3]["national_id"]]
    unknown = fnr(400, 1999)  # valid, but nobody in the registers
    invalid = "12345678901"
    path = tmp_path / "ids.csv"
    path.write_text("FNR\n" + "\n".join([*known, unknown, invalid]) + "\n", encoding="utf-8")
    o = order({"kind": "id_list", "file": str(path), "id_column": "FNR"})
    report = dry_run(parse_order(o), registers)
    assert report.population.persons == 2
    assert report.population.supplied_ids == 4
    assert report.population.unmatched_ids == 1
    assert report.population.invalid_ids == 1
    result = run_order(parse_order(o), registers, tmp_path / "out", seal_key=new_office_key())
    listing = (result.office_dir / "population_unmatched_ids.csv").read_text()
    assert f"{unknown};not_in_register" in listing and f"{invalid};invalid" in listing
    # IDs stay at the office: the project's delivery holds none of them.
    for f in result.delivery_dir.rglob("*"):
        if f.is_file():
            assert unknown.encode() not in f.read_bytes()


def test_empty_population_is_a_clear_error(registers: Path) -> None:
    with pytest.raises(EmptyPopulationError, match="empty"):
        dry_run(parse_order(order({"kind": "resident_at", "date": "1980-01-01"})), registers)


def test_R_IDENTITY_d_number_and_fnr_are_one_person(registers: Path, tmp_path: Path) -> None:
    o = order({"kind": "resident_at", "date": "2013-01-01"}, [{"name": "LONN", "years": [2011, 2012]}])
    run_order(parse_order(o), registers, tmp_path / "out", seal_key=new_office_key())
    t = pq.read_table(tmp_path / "out" / "delivery" / "data" / "INCOME.parquet").to_pylist()
    # Person 2 earned 300 000 in 2011 under a D-number and 350 000 in 2012 under a fødselsnummer.
    by_number: dict[int, dict[int, int]] = {}
    for r in t:
        by_number.setdefault(r["LOPENR"], {})[r["AAR"]] = r["LONN"]
    assert {2011: 300_000, 2012: 350_000} in by_number.values()
