"""The release guard (DOMAIN R-DATA-6/7/8): identifiers never leave."""

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from tilgang.engine import ids
from tilgang.engine.backend import DuckDBBackend
from tilgang.engine.errors import GuardError
from tilgang.engine.extract import OutColumn
from tilgang.engine.guard import GuardPolicy, GuardReport, scan_table
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import fnr, small_scenario, write_registers

FNR = fnr(7, 1961)
ORG = ids.orgnr_with_check_digit("97311111") or ids.orgnr_with_check_digit("97311112")


def scan(table: pa.Table, columns: list[OutColumn] | None = None, **policy) -> GuardReport:
    backend = DuckDBBackend(threads=1)
    try:
        backend.load_arrow("f", table)
        backend.load_arrow("rn_PERSON", pa.table({"unit": [1001, 1002, 1003], "lopenr": [3, 1, 2]}))
        cols = columns or [OutColumn("LOPENR", "number", "LONG", unit_type="PERSON")]
        report = GuardReport()
        scan_table(backend, "f", "T", cols, GuardPolicy(**policy), report)
        return report
    finally:
        backend.close()


def test_clean_table_passes() -> None:
    t = pa.table({"LOPENR": [1, 2, 3], "KODE": ["AAP", "UFT", "DAG"], "BELOP": [100, 200, 300]})
    assert scan(t).passed


def test_guard_catches_planted_national_id_in_text() -> None:
    t = pa.table({"LOPENR": [1, 2, 3], "MERKNAD": ["ok", f"fnr {FNR} her", "ok"]})
    report = scan(t)
    assert any("national IDs" in f for f in report.findings)


def test_guard_catches_national_id_that_lost_its_leading_zero() -> None:
    t = pa.table({"LOPENR": [1, 2, 3], "ID": [int(FNR), 5, 6]})
    assert FNR.startswith("0")
    assert any("leading zero" in f for f in scan(t).findings)


def test_guard_catches_d_number() -> None:
    t = pa.table({"LOPENR": [1, 2], "X": [fnr(3, d_number=True), "a"]})
    assert not scan(t).passed


def test_guard_catches_internal_person_key_of_the_row() -> None:
    t = pa.table({"LOPENR": [3, 1, 2], "NOKKEL": [1001, 1002, 1003]})
    assert any("person key" in f for f in scan(t).findings)


def test_guard_catches_exact_dates_not_allowed() -> None:
    t = pa.table({"LOPENR": [1, 2], "D": [date(2012, 5, 17), date(2013, 1, 2)]})
    assert any("exact date" in f for f in scan(t).findings)
    s = pa.table({"LOPENR": [1, 2], "D": ["2012-05-17", "2012-05"]})
    assert any("exact dates" in f for f in scan(s).findings)
    cols = [OutColumn("LOPENR", "number", "LONG"), OutColumn("D", "value", "DATE", exact_dates_allowed=True)]
    assert scan(t, cols).passed


def test_status_dates_must_be_the_orders() -> None:
    cols = [OutColumn("LOPENR", "number", "LONG"), OutColumn("DATO", "order_date", "DATE")]
    t = pa.table({"LOPENR": [1, 2], "DATO": [date(2013, 1, 1), date(2013, 1, 1)]})
    assert scan(t, cols, order_dates=(date(2013, 1, 1),)).passed
    assert not scan(t, cols, order_dates=(date(2014, 1, 1),)).passed


def test_R_DATA_8_orgnr_only_when_the_order_allows_grunndata() -> None:
    orgs = [ids.orgnr_with_check_digit(str(97311110 + i)) for i in range(12)]
    orgs = [o for o in orgs if o][:4]
    t = pa.table({"LOPENR": list(range(1, len(orgs) + 1)), "ARBEIDSGIVER": orgs})
    assert any("R-DATA-8" in f for f in scan(t).findings)
    assert scan(t, allow_grunndata=True).passed
    # A column marked as grunndata passes only with the order's permission, not by its mark.
    cols = [
        OutColumn("LOPENR", "number", "LONG", unit_type="PERSON"),
        OutColumn("ARBEIDSGIVER", "grunndata", "STRING", unit_type="ESTABLISHMENT"),
    ]
    assert any("R-DATA-8" in f for f in scan(t, cols).findings)
    assert scan(t, cols, allow_grunndata=True).passed


def test_third_party_column_with_ids_stops_the_whole_delivery(tmp_path: Path) -> None:
    sc = small_scenario()
    registers = write_registers(tmp_path / "reg", sc)
    ids_in = [r["national_id"] for r in sc["national_ids"][:3]]
    f = tmp_path / "nav.csv"
    # The owner left a second ID column in the file: it must not reach the project.
    f.write_text(
        "FNR;ANNEN_ID;VERDI\n" + "".join(f"{i};{i};{n}\n" for n, i in enumerate(ids_in)), encoding="utf-8"
    )
    order = parse_order(
        {
            "project": {"id": "P-G"},
            "population": {"kind": "alive_at", "date": "2013-01-01"},
            "variables": [{"name": "KJOENN"}],
            "linkage": {"import": [{"owner": "NAV", "name": "NAV", "file": str(f)}]},
        }
    )
    with pytest.raises(GuardError, match="ANNEN_ID"):
        run_order(order, registers, tmp_path / "out", seal_key=new_office_key())
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
