"""The engine's scenarios on both backends, compared file by file and row by row."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from spark_compare import assert_same_delivery, table_rows

from tilgang.engine.metadata import Metadata
from tilgang.engine.order import Order, load_order, parse_order
from tilgang.engine.pipeline import DeliveryResult, dry_run, reproduce, run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import fnr, small_scenario, write_registers

EXAMPLES = sorted((Path(__file__).parents[3] / "examples" / "orders").glob("*.toml"))


def both(
    order: Order, registers: Path, tmp: Path, spark_options: Any
) -> tuple[DeliveryResult, DeliveryResult]:
    """The order on the embedded engine, then on Spark with the same sealed randomness."""
    key = new_office_key()
    embedded = run_order(order, registers, tmp / "duckdb", seal_key=key)
    on_spark = run_order(
        order,
        registers,
        tmp / "spark",
        seal_key=key,
        sealed_randomness=embedded.sealed_randomness,
        engine="spark",
        spark=spark_options,
    )
    assert not list(tmp.glob(".*partial*")), "a temporary folder was left behind"
    return embedded, on_spark


@pytest.fixture(scope="module")
def small_registers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_registers(tmp_path_factory.mktemp("small") / "reg", small_scenario())


def test_small_scenario_every_format(small_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    """Every temporality, exact dates, the person whose ID changed; all five formats."""
    period = {"start": "2012-01-01", "end": "2012-12-31"}
    order = parse_order(
        {
            "project": {"id": "P-X"},
            "population": {"kind": "alive_at", "date": "2012-01-01"},
            "variables": [
                {"name": "FOEDSELSDATO", "exact_dates": True},
                {"name": "KJOENN"},
                {"name": "MOR"},
                {"name": "FAR"},
                {"name": "BOSTED", "dates": ["2012-07-01", "2013-01-01"]},
                {"name": "UTDANNING", "years": [2012, 2013]},
                {"name": "LONN", "years": [2011, 2012]},
                {"name": "YTELSE_TYPE", "period": period, "exact_dates": True},
                {"name": "YTELSE_BELOP", "period": period, "exact_dates": True},
                {"name": "ARBEIDSTID", "period": period, "exact_dates": True},
            ],
            "pseudonymise": {"unit_types": ["PERSON", "JOB"]},
            "output": {"event_dates": "exact", "formats": ["parquet", "csv", "sas", "stata", "spss"]},
        }
    )
    embedded, on_spark = both(order, small_registers, tmp_path, spark_options)
    assert on_spark.tables == embedded.tables and sum(embedded.tables.values()) > 0
    assert_same_delivery(embedded.out_dir, on_spark.out_dir)
    # The person numbers cover the population and the parents named by the links.
    _, persons = table_rows(on_spark.delivery_dir / "data" / "PERSONS.parquet")
    numbers = {r["LOPENR"] for r in persons}
    assert len(numbers) == embedded.population.persons
    assert {r["MOR"] for r in persons if r["MOR"] is not None} <= set(range(1, 20))


def test_id_list_population_and_disclosure(small_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text(
        "fnr\n" + "\n".join([fnr(n, 1950 + n) for n in (1, 2, 3, 7)] + ["12345678901", fnr(99, 1999)]) + "\n"
    )
    order = parse_order(
        {
            "project": {"id": "P-ID"},
            "population": {"kind": "id_list", "file": str(ids), "id_column": "fnr"},
            "variables": [
                {"name": "KJOENN"},
                {
                    "name": "FOEDSELSDATO",
                    "minimise": {"method": "age_group", "reference_date": "2012-12-31", "width": 10},
                },
                {"name": "INNTEKT", "years": [2012], "minimise": {"method": "quantile_groups", "groups": 2}},
            ],
            "disclosure": {"quasi_identifiers": ["KJOENN", "FOEDSELSDATO"], "k": 2},
            "output": {"formats": ["parquet", "csv"]},
        }
    )
    embedded, on_spark = both(order, small_registers, tmp_path, spark_options)
    assert on_spark.population == embedded.population and embedded.population.unmatched_ids == 1
    assert on_spark.disclosure == embedded.disclosure and embedded.disclosure.records == 4
    assert_same_delivery(embedded.out_dir, on_spark.out_dir)
    assert (on_spark.office_dir / "population_unmatched_ids.csv").read_text().count("\n") == 3


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_orders(example: Path, synthetic_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    import py7zr

    order = load_order(example)
    embedded, on_spark = both(order, synthetic_registers, tmp_path, spark_options)
    assert on_spark.tables == embedded.tables and all(
        n > 0 for n in embedded.tables.values() if n is not None
    )
    assert on_spark.guard.passed and on_spark.linkage == embedded.linkage
    assert_same_delivery(embedded.out_dir, on_spark.out_dir)
    for owner, (path_e, password) in embedded.linkage_keys.items():
        path_s, password_s = on_spark.linkage_keys[owner]
        assert password_s == password
        contents = []
        for path, target in ((path_e, tmp_path / "ke"), (path_s, tmp_path / "ks")):
            with py7zr.SevenZipFile(path, "r", password=password) as archive:
                archive.extractall(target)
            contents.append(sorted((p.name, p.read_bytes()) for p in target.iterdir()))
        assert contents[0] == contents[1] and len(contents[0][0][1]) > 1000


def every_variable(md: Metadata) -> Order:
    """Every deliverable catalog variable, with a minimisation for each kind of value."""
    health = {r.code for r in md.registers if r.source_kind == "health_register"}
    requests = []
    for v in md.variables:
        if v.table is None or v.register in health:
            continue
        y = 2019 if 2019 in v.years else max(v.years)
        r: dict = {"name": v.name}
        if v.temporality == "ACCUMULATED" or (v.temporality == "STATUS" and "year" in v.time_columns):
            r["years"] = [y, y - 1] if y - 1 in v.years else [y]
        elif v.temporality == "STATUS":
            r["dates"] = [f"{y}-01-01", f"{y}-07-01"]
        elif v.temporality == "EVENT":
            r["period"] = {"start": f"{y}-01-01", "end": f"{y}-12-31"}
        if v.data_type == "DATE":
            r["minimise"] = {"method": "year" if v.temporality == "FIXED" else "month"}
        elif v.data_type in ("LONG", "DOUBLE") and v.temporality == "ACCUMULATED":
            r["minimise"] = {"method": "quantile_groups", "groups": 5}
        elif v.codelist and "KOMMUNE" in v.codelist.upper():
            r["minimise"] = {"method": "small_municipality", "threshold": 20}
        requests.append(r)
    return parse_order(
        {
            "project": {"id": "P-ALL"},
            "population": {"kind": "resident_during", "start": "2019-01-01", "end": "2019-12-31"},
            "variables": requests,
            "pseudonymise": {"unit_types": ["PERSON", "JOB", "ESTABLISHMENT", "ENTERPRISE"]},
            "output": {"formats": ["parquet", "csv"], "event_dates": "month"},
        }
    )


def test_every_catalog_variable(synthetic_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    order = every_variable(Metadata.load(synthetic_registers))
    assert len(order.variables) >= 60
    embedded, on_spark = both(order, synthetic_registers, tmp_path, spark_options)
    assert on_spark.tables == embedded.tables and len(embedded.tables) >= 10
    assert on_spark.guard == embedded.guard and on_spark.guard.passed
    assert_same_delivery(embedded.out_dir, on_spark.out_dir)


def test_dry_run_and_reproduce(synthetic_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    example = next(p for p in EXAMPLES if p.stem == "resident_2020_work_and_health")
    e = dry_run(example, synthetic_registers)
    s = dry_run(example, synthetic_registers, engine="spark", spark=spark_options)
    assert (s.population, s.tables, s.disclosure) == (e.population, e.tables, e.disclosure)
    assert s.estimated_bytes.keys() == e.estimated_bytes.keys()
    # A Spark delivery reproduced on Spark is the same delivery, byte for byte.
    key = new_office_key()
    first = run_order(
        example, synthetic_registers, tmp_path / "a", seal_key=key, engine="spark", spark=spark_options
    )
    again = reproduce(
        first.record_path,
        synthetic_registers,
        tmp_path / "b",
        seal_key=key,
        engine="spark",
        spark=spark_options,
    )
    digest = {f["path"]: f["sha256"] for f in first.files}
    assert digest == {f["path"]: f["sha256"] for f in again.files} and digest


def test_file_uri_registers(small_registers: Path, tmp_path: Path, spark_options: Any) -> None:
    order = parse_order(
        {
            "project": {"id": "P-URI"},
            "population": {"kind": "birth_cohorts", "from_year": 1950, "to_year": 1990},
            "variables": [{"name": "KJOENN"}, {"name": "LONN", "years": [2012]}],
        }
    )
    key = new_office_key()
    plain = run_order(order, small_registers, tmp_path / "plain", seal_key=key)
    uri = run_order(
        order,
        small_registers.as_uri(),
        (tmp_path / "uri").as_uri(),
        seal_key=key,
        sealed_randomness=plain.sealed_randomness,
        engine="spark",
        spark=spark_options,
    )
    assert uri.out_dir == tmp_path / "uri"
    assert_same_delivery(plain.out_dir, uri.out_dir)
    assert hashlib.sha256((uri.delivery_dir / "data" / "INCOME.parquet").read_bytes()).hexdigest()
    assert date(2012, 1, 1)  # the order's year is within the registers' coverage
