"""Delivery files, codebook, manifest, atomic delivery and reproducibility."""

import base64
import errno
import hashlib
import json
from pathlib import Path

import pyreadstat
import pytest

from tilgang.engine import pipeline
from tilgang.engine.errors import DiskFullError, OutputExistsError, SealError
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import reproduce, run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import small_scenario, write_registers

ORDER = {
    "project": {"id": "P-W", "title": "Arbeid og helse"},
    "population": {"kind": "resident_at", "date": "2013-01-01"},
    "variables": [
        {"name": "KJOENN"},
        {"name": "FOEDSELSDATO", "minimise": {"method": "age", "reference_date": "2013-01-01"}},
        {"name": "LONN", "years": [2012]},
    ],
    "output": {"formats": ["parquet", "csv", "sas", "stata", "spss"]},
}


@pytest.fixture(scope="module")
def registers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_registers(tmp_path_factory.mktemp("reg"), small_scenario())


@pytest.fixture(scope="module")
def delivered(registers: Path, tmp_path_factory: pytest.TempPathFactory):
    key = new_office_key()
    result = run_order(parse_order(ORDER), registers, tmp_path_factory.mktemp("w") / "out", seal_key=key)
    return result, key


def test_all_formats_are_written_and_read_back(delivered) -> None:
    result, _ = delivered
    data = result.delivery_dir / "data"
    rows = result.tables["PERSONS"]
    for reader, suffix in [
        (pyreadstat.read_xport, ".xpt"),
        (pyreadstat.read_dta, ".dta"),
        (pyreadstat.read_sav, ".sav"),
    ]:
        frame, meta = reader(str(data / f"PERSONS{suffix}"), output_format="dict")
        assert meta.number_rows in (rows, None) and len(frame["LOPENR"]) == rows
    assert (data / "PERSONS.csv").read_text().splitlines()[0] == "LOPENR;KJOENN;FOEDSELSDATO"


def test_manifest_holds_the_sha256_of_every_file(delivered) -> None:
    result, _ = delivered
    manifest = json.loads((result.delivery_dir / "MANIFEST.json").read_text())
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(result.delivery_dir).as_posix() for p in result.delivery_dir.rglob("*") if p.is_file()
    } - {"MANIFEST.json"}
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((result.delivery_dir / path).read_bytes()).hexdigest() == digest


def test_codebook_in_bokmaal_and_english(delivered) -> None:
    result, _ = delivered
    book = json.loads((result.delivery_dir / "codebook.json").read_text())
    assert book["persons"] == result.population.persons
    persons = next(t for t in book["tables"] if t["name"] == "PERSONS")
    assert persons["rows"] == result.tables["PERSONS"]
    age = next(c for c in persons["columns"] if c["name"] == "FOEDSELSDATO")
    assert "Alder" in age["notes"]["nb"] and "Age" in age["notes"]["en"]
    sex = next(c for c in persons["columns"] if c["name"] == "KJOENN")
    assert {c["code"] for c in sex["codes"]} == {"1", "2"}
    assert "løpenummer" in (result.delivery_dir / "codebook.nb.html").read_text()
    assert "running number" in (result.delivery_dir / "codebook.en.html").read_text()


def test_names_are_at_most_32_characters_a_z_0_9(delivered) -> None:
    result, _ = delivered
    import re

    book = json.loads((result.delivery_dir / "codebook.json").read_text())
    for t in book["tables"]:
        for name in [t["name"], *(c["name"] for c in t["columns"])]:
            assert re.fullmatch(r"[A-Z][A-Z0-9_]{0,31}", name)


def test_randomness_is_sealed_not_in_the_clear(delivered) -> None:
    result, key = delivered
    record = json.loads(result.record_path.read_text())
    assert set(record["sealed_randomness"]) == {"algorithm", "key_id", "nonce", "ciphertext"}
    assert record["register_version"] == "test-1" and record["engine_version"]
    with pytest.raises(SealError):
        pipeline.unseal(
            pipeline.Sealed.from_dict(record["sealed_randomness"]),
            base64.urlsafe_b64decode(new_office_key()),
            "tilgang/project/P-W",
        )


def test_reproduce_gives_byte_identical_delivery(delivered, registers: Path, tmp_path: Path) -> None:
    result, key = delivered
    again = reproduce(result.record_path, registers, tmp_path / "again", seal_key=key)
    assert again.files == result.files
    fresh = run_order(parse_order(ORDER), registers, tmp_path / "fresh", seal_key=key)
    assert fresh.files != result.files  # a new run without the sealed randomness: new numbers


def test_output_folder_with_a_delivery_is_refused(delivered, registers: Path) -> None:
    result, key = delivered
    with pytest.raises(OutputExistsError, match="already holds"):
        run_order(parse_order(ORDER), registers, result.out_dir, seal_key=key)


def test_disk_full_leaves_nothing_that_looks_delivered(
    registers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "write_codebooks", full)
    with pytest.raises(DiskFullError, match="disk filled up"):
        run_order(parse_order(ORDER), registers, tmp_path / "out", seal_key=new_office_key())
    assert list(tmp_path.iterdir()) == []


def test_missing_office_key_is_a_clear_error(
    registers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TILGANG_SEAL_KEY", raising=False)
    with pytest.raises(SealError, match="TILGANG_SEAL_KEY"):
        run_order(parse_order(ORDER), registers, tmp_path / "out")


@pytest.mark.parametrize(("fmt", "suffix"), [("sas", ".xpt"), ("stata", ".dta"), ("spss", ".sav")])
def test_statistical_files_carry_a_fixed_creation_time(fmt: str, suffix: str, tmp_path: Path) -> None:
    """The writers stamp the clock into the header; it is pinned so reproductions are byte-identical."""
    import datetime as dt

    import pyarrow as pa

    from tilgang.engine.backend import DuckDBBackend
    from tilgang.engine.write import write_statistical

    backend = DuckDBBackend(threads=1)
    try:
        backend.load_arrow("t", pa.table({"LOPENR": [1, 2], "KODE": ["a", "b"]}))
        write_statistical(backend, "t", tmp_path / f"T{suffix}", fmt)
    finally:
        backend.close()
    reader = {"sas": pyreadstat.read_xport, "stata": pyreadstat.read_dta, "spss": pyreadstat.read_sav}[fmt]
    data, meta = reader(str(tmp_path / f"T{suffix}"), output_format="dict")
    assert meta.creation_time == dt.datetime(2000, 1, 1)
    assert list(data["KODE"]) == ["a", "b"]
