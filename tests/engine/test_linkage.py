"""Linkage (DOMAIN R-PSEUDO-2, R-CASE-5): key export and third-party files keyed by national ID."""

import base64
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pyreadstat
import pytest

from tilgang.engine.errors import InvalidIdsError, ThirdPartyFileError
from tilgang.engine.linkage import read_table, validate_ids
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.seal import Sealed, new_office_key, unseal
from tilgang.engine.testing import fnr, numbers_by_hand, small_scenario, write_registers

STAT = Path("/work/shared/testdata/statfiles")
SC = small_scenario()
IDS = [r["national_id"] for r in SC["national_ids"]]


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_registers(tmp_path_factory.mktemp("reg"), SC)


def order(imports: list[dict] | None = None, export: list[dict] | None = None) -> object:
    return parse_order(
        {
            "project": {"id": "P-LINK"},
            "population": {"kind": "alive_at", "date": "2013-01-01"},
            "variables": [{"name": "KJOENN"}],
            "linkage": {"import": imports or [], "export": export or []},
        }
    )


def test_R_PSEUDO_2_linkage_key_export_is_encrypted_and_matches_numbers(
    registers: Path, tmp_path: Path
) -> None:
    import py7zr

    key = new_office_key()
    result = run_order(
        order(export=[{"owner": "Kreftregisteret"}]), registers, tmp_path / "out", seal_key=key
    )
    path, password = result.linkage_keys["Kreftregisteret"]
    with pytest.raises(Exception):  # noqa: B017 - any failure: without the password nothing opens
        with py7zr.SevenZipFile(path, "r") as archive:
            archive.readall()
    with py7zr.SevenZipFile(path, "r", password=password) as archive:
        archive.extractall(tmp_path / "key")
    text = next((tmp_path / "key").iterdir()).read_text()
    rows = [line.split(";") for line in text.strip().splitlines()[1:]]
    secret = unseal(
        Sealed.from_dict(result.sealed_randomness), base64.urlsafe_b64decode(key), "tilgang/project/P-LINK"
    )
    pop = [p["person_key"] for p in SC["persons"] if p.get("death_date") is None]
    expected = numbers_by_hand(secret, "P-LINK", "PERSON", pop)
    id_to_key = {r["national_id"]: r["person_key"] for r in SC["national_ids"]}
    assert {(nid, int(num)) for nid, num in rows} == {
        (nid, expected[k]) for nid, k in id_to_key.items() if k in expected
    }
    # The key goes to the owner, never into the project's delivery.
    assert not any("koblingsnokkel" in p.name for p in result.delivery_dir.rglob("*"))


def _check_import(registers: Path, tmp_path: Path, spec: dict, n_rows: int) -> None:
    result = run_order(order([spec]), registers, tmp_path / "out", seal_key=new_office_key())
    rep = result.linkage[0]
    assert rep.rows == n_rows
    t = pq.read_table(result.delivery_dir / "data" / f"{spec['name']}.parquet")
    assert "LOPENR" in t.column_names and "FNR" not in t.column_names
    return rep, t


def test_csv_with_text_ids_links_and_reports_unmatched_and_invalid(registers: Path, tmp_path: Path) -> None:
    f = tmp_path / "nav.csv"
    outside = SC["national_ids"][4]["national_id"]  # person 5 died in 2012: outside the population
    rows = [(IDS[0], 10), (IDS[1], 20), (fnr(450, 1999), 30), ("1234", 40), (outside, 50)]
    f.write_text("FNR;VERDI\n" + "".join(f"{a};{b}\n" for a, b in rows), encoding="utf-8")
    rep, t = _check_import(
        registers, tmp_path, {"owner": "NAV", "name": "NAV_DATA", "file": str(f), "max_invalid_share": 0.5}, 5
    )
    assert (rep.invalid_ids, rep.unmatched_ids, rep.outside_population, rep.delivered_rows) == (1, 1, 1, 2)
    assert sorted(t.column("VERDI").to_pylist()) == [10, 20]


def test_wrong_encoding_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes(f"FNR;STED\n{IDS[0]};Tromsø\n".encode("latin-1"))
    with pytest.raises(ThirdPartyFileError, match="not valid utf-8"):
        read_table(f, id_column="FNR")
    assert read_table(f, id_column="FNR", encoding="latin-1").column("STED").to_pylist() == ["Tromsø"]


def test_broken_sas_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sas7bdat"
    data = (STAT / "sample.sas7bdat").read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(ThirdPartyFileError, match="damaged or truncated"):
        read_table(broken, id_column="mychar")


@pytest.mark.parametrize(
    "name", ["sample.sas7bdat", "sample_bincompressed.sas7bdat", "sample.dta", "sample.sav"]
)
def test_real_statistical_files_are_read(name: str) -> None:
    t = read_table(STAT / name, id_column="mychar")
    assert t.num_rows == 5 and "mynum" in t.column_names
    with pytest.raises(ThirdPartyFileError, match="no ID column"):
        read_table(STAT / name, id_column="FNR")


@pytest.mark.parametrize(
    ("suffix", "writer"), [(".dta", pyreadstat.write_dta), (".sav", pyreadstat.write_sav)]
)
def test_stata_and_spss_files_with_ids_link(registers: Path, tmp_path: Path, suffix: str, writer) -> None:
    f = tmp_path / f"owner{suffix}"
    writer(pl.DataFrame({"FNR": IDS[:3], "SCORE": [1.5, 2.5, 3.5]}), str(f))
    rep, t = _check_import(registers, tmp_path, {"owner": "Owner", "name": "OWNER", "file": str(f)}, 3)
    assert rep.invalid_ids == 0 and rep.delivered_rows == 3


def test_sas_file_with_numeric_ids_gets_leading_zeros_back(registers: Path, tmp_path: Path) -> None:
    # A SAS/Stata numeric ID loses its leading zero; the engine pads it back to 11 characters.
    f = tmp_path / "num.dta"
    assert IDS[0].startswith("0")
    pyreadstat.write_dta(pl.DataFrame({"FNR": [float(i) for i in IDS[:2]], "X": [1, 2]}), str(f))
    rep, _ = _check_import(registers, tmp_path, {"owner": "O", "name": "NUM", "file": str(f)}, 2)
    assert rep.ids_were_numbers and rep.invalid_ids == 0 and rep.delivered_rows == 2


def test_parquet_third_party_file(registers: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    f = tmp_path / "p.parquet"
    pq.write_table(pa.table({"fnr": IDS[:2], "værdi": [1, 2]}), f)
    rep, t = _check_import(
        registers, tmp_path, {"owner": "O", "name": "PQ", "file": str(f), "id_column": "fnr"}, 2
    )
    assert "VAERDI" in t.column_names  # delivered names: A-Z, 0-9, _


def test_too_many_bad_ids_refuses_the_file(tmp_path: Path) -> None:
    import pyarrow as pa

    t = pa.table({"FNR": ["1", "2", IDS[0]]})
    with pytest.raises(InvalidIdsError, match="2 of 3"):
        validate_ids(t, "FNR", source="x.csv", max_invalid_share=0.05)


def test_sas_transport_copy_is_read_by_declared_format(tmp_path: Path) -> None:
    # .xpt is not a third-party intake format by suffix; an order must state it.
    f = tmp_path / "sample.xpt"
    shutil.copy(STAT / "sample.xpt", f)
    with pytest.raises(ThirdPartyFileError, match="unknown file type"):
        read_table(f, id_column="MYCHAR")
