import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from tilgang.engine import codelists
from tilgang.engine.ids import is_valid_orgnr, parse_national_id
from tilgang.engine.metadata import Metadata
from tilgang.engine.schema import METADATA_FILE, TABLES, TEMPORALITIES, UNIT_TYPES
from tilgang.engine.synth.generate import generate


def _src(registers: Path, table: str) -> str:
    return f"read_parquet('{registers / table}/**/*.parquet', hive_partitioning = true)"


def _digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def db(synthetic_registers: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in TABLES:
        # Table names come from schema.TABLES, not from input.
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {_src(synthetic_registers, table)}")  # noqa: S608
    return con


@pytest.fixture(scope="module")
def persons(synthetic_registers: Path) -> int:
    return Metadata.load(synthetic_registers).persons


def _one(db: duckdb.DuckDBPyConnection, sql: str):
    return db.execute(sql).fetchone()[0]  # type: ignore[index]


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(
    tmp_path: Path, synthetic_registers: Path
) -> None:
    meta = Metadata.load(synthetic_registers)
    generate(tmp_path / "again", persons=meta.persons, seed=meta.seed)
    assert _digest(tmp_path / "again") == _digest(synthetic_registers)
    generate(tmp_path / "other", persons=meta.persons, seed=meta.seed + 1)
    other = _digest(tmp_path / "other")
    assert other["persons/part-0.parquet"] != _digest(synthetic_registers)["persons/part-0.parquet"]


def test_every_table_matches_the_schema(synthetic_registers: Path) -> None:
    for table, schema in TABLES.items():
        files = sorted((synthetic_registers / table).rglob("*.parquet"))
        assert files, table
        for f in files:
            assert pq.read_schema(f).remove_metadata().equals(schema), (table, f)
    # The benefit table is partitioned by the year its events start.
    parts = sorted(p.name for p in (synthetic_registers / "benefits").iterdir())
    assert all(p.startswith("year=") for p in parts) and len(parts) > 20


def test_row_counts(db: duckdb.DuckDBPyConnection, persons: int) -> None:
    assert _one(db, "SELECT count(*) FROM persons") == persons
    assert _one(db, "SELECT count(DISTINCT person_key) FROM persons") == persons
    # Benefits are the largest table: on the way to 50M+ rows at 5.5M persons.
    per_person = _one(db, "SELECT count(*) FROM benefits") / persons
    assert per_person > 9.1
    assert per_person * 5_500_000 > 50_000_000


def test_every_national_id_is_valid_synthetic_and_unique(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute("SELECT national_id, id_type FROM national_ids").fetchall()
    assert len({r[0] for r in rows}) == len(rows)
    for value, id_type in rows:
        parsed = parse_national_id(value)
        assert parsed is not None, value
        assert parsed.synthetic and parsed.register_kind == id_type
        assert int(value[2:4]) > 80


def test_birth_date_and_sex_agree_with_the_id(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "SELECT n.national_id, p.birth_date, p.sex FROM national_ids n JOIN persons p USING (person_key)"
    ).fetchall()
    for value, birth, sex in rows:
        parsed = parse_national_id(value)
        assert parsed is not None and parsed.birth_date == birth
        assert int(value[8]) % 2 == (1 if sex == "1" else 0)  # old rules: odd individual number = male


def test_source_tables_use_ids_known_in_force_at_the_time(db: duckdb.DuckDBPyConnection) -> None:
    for table, date_sql in (
        ("residence", "t.valid_from"),
        ("jobs", "t.start_date"),
        ("benefits", "t.start_date"),
        ("education", "make_date(t.year, 10, 1)"),
        ("income", "make_date(t.year, 1, 1)"),
    ):
        assert (
            _one(db, f"SELECT count(*) FROM {table} t ANTI JOIN national_ids n USING (national_id)") == 0  # noqa: S608
        ), table
        # The ID a row carries was issued before the row's date (a D-number stays in force until replaced).
        late = _one(
            db,
            f"SELECT count(*) FROM {table} t JOIN national_ids n USING (national_id) "  # noqa: S608
            f"WHERE n.valid_from > {date_sql} + INTERVAL 366 DAY",
        )
        assert late == 0, table


def test_d_numbers_replaced_by_fnr(db: duckdb.DuckDBPyConnection) -> None:
    replaced = db.execute(
        "SELECT d.valid_to, f.valid_from FROM national_ids d JOIN national_ids f USING (person_key) "
        "WHERE d.id_type = 'DNR' AND f.id_type = 'FNR'"
    ).fetchall()
    assert replaced and all(to == frm for to, frm in replaced)
    assert _one(db, "SELECT count(*) FROM national_ids WHERE id_type = 'DNR' AND valid_to IS NULL") > 0
    # Some persons appear in the source tables under both their IDs.
    both = _one(
        db,
        "SELECT count(*) FROM (SELECT n.person_key FROM jobs j JOIN national_ids n USING (national_id) "
        "GROUP BY n.person_key HAVING count(DISTINCT n.id_type) = 2)",
    )
    assert both > 0


def test_foreign_keys(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            db,
            "SELECT count(*) FROM persons c ANTI JOIN persons m ON c.mother_key = m.person_key WHERE c.mother_key IS NOT NULL",
        )
        == 0
    )
    assert (
        _one(
            db,
            "SELECT count(*) FROM persons c ANTI JOIN persons f ON c.father_key = f.person_key WHERE c.father_key IS NOT NULL",
        )
        == 0
    )
    assert (
        _one(
            db,
            "SELECT count(*) FROM persons c JOIN persons m ON c.mother_key = m.person_key WHERE m.sex <> '2'",
        )
        == 0
    )
    assert _one(db, "SELECT count(*) FROM persons c JOIN persons m ON c.mother_key = m.person_key "
                    "WHERE date_diff('year', m.birth_date, c.birth_date) NOT BETWEEN 16 AND 47") == 0  # fmt: skip
    assert _one(db, "SELECT count(*) FROM jobs ANTI JOIN establishments e ON employer_orgnr = e.orgnr") == 0
    assert (
        _one(db, "SELECT count(*) FROM establishments ANTI JOIN enterprises e ON enterprise_orgnr = e.orgnr")
        == 0
    )
    assert _one(db, "SELECT count(*) FROM national_ids ANTI JOIN persons USING (person_key)") == 0


def test_codes_come_from_the_code_lists(db: duckdb.DuckDBPyConnection) -> None:
    def codes(name: str) -> set[str]:
        return {row["code"] for row in codelists.rows(name)}

    for sql, name in (
        ("SELECT DISTINCT municipality FROM residence", "municipalities"),
        ("SELECT DISTINCT municipality FROM enterprises", "municipalities"),
        ("SELECT DISTINCT country_of_birth FROM persons", "countries"),
        ("SELECT DISTINCT immigrant_category FROM persons", "immigrant_categories"),
        ("SELECT DISTINCT nus2000 FROM education", "nus2000"),
        ("SELECT DISTINCT benefit_type FROM benefits", "benefit_types"),
        ("SELECT DISTINCT diagnosis_group FROM benefits WHERE diagnosis_group IS NOT NULL", "icd10_chapters"),
        ("SELECT DISTINCT nace FROM establishments", "nace_subclasses"),
        ("SELECT DISTINCT sector FROM enterprises", "sectors"),
    ):
        found = {r[0] for r in db.execute(sql).fetchall()}
        assert found and found <= codes(name), (sql, found - codes(name))


def test_organisation_numbers_are_valid_and_unique(db: duckdb.DuckDBPyConnection) -> None:
    orgnrs = [
        r[0]
        for r in db.execute(
            "SELECT orgnr FROM enterprises UNION ALL SELECT orgnr FROM establishments"
        ).fetchall()
    ]
    assert len(orgnrs) == len(set(orgnrs))
    assert all(is_valid_orgnr(o) and o[0] in "89" for o in orgnrs)


def test_benefits_follow_the_schemes_history(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _one(
            db, "SELECT count(*) FROM benefits WHERE benefit_type = 'AAP' AND start_date < DATE '2010-03-01'"
        )
        == 0
    )
    assert (
        _one(
            db,
            "SELECT count(*) FROM benefits WHERE benefit_type IN ('REHAB', 'ATTF', 'TIDSU') AND start_date >= DATE '2010-03-01'",
        )
        == 0
    )
    assert (
        _one(
            db, "SELECT count(*) FROM benefits WHERE benefit_type = 'UFOR' AND start_date < DATE '2015-01-01'"
        )
        == 0
    )
    assert _one(db, "SELECT count(*) FROM benefits WHERE end_date <= start_date") == 0
    # Health-related benefits carry a diagnosis; others never do (GDPR art. 9 data only where needed).
    assert (
        _one(
            db,
            "SELECT count(*) FROM benefits WHERE benefit_type IN ('SYKP', 'AAP', 'UFOR') AND diagnosis_group IS NULL",
        )
        == 0
    )
    assert (
        _one(
            db,
            "SELECT count(*) FROM benefits WHERE benefit_type IN ('ALDER', 'BTRY', 'DAGP') AND diagnosis_group IS NOT NULL",
        )
        == 0
    )


def test_residence_histories_are_consistent(db: duckdb.DuckDBPyConnection) -> None:
    # No overlapping rows for one person; the dead and emigrated have a closed last row.
    overlap = _one(
        db,
        "SELECT count(*) FROM (SELECT valid_from, lag(valid_to) OVER (PARTITION BY national_id ORDER BY valid_from) prev "
        "FROM residence) WHERE prev IS NULL AND valid_from IS NULL OR prev > valid_from",
    )
    assert overlap == 0
    assert (
        _one(db, "SELECT count(*) FROM residence WHERE valid_to IS NOT NULL AND valid_to <= valid_from") == 0
    )
    dead_open = _one(
        db,
        "SELECT count(*) FROM residence r JOIN national_ids n USING (national_id) JOIN persons p USING (person_key) "
        "WHERE p.death_date IS NOT NULL AND r.valid_to IS NULL",
    )
    assert dead_open == 0
    moves = _one(db, "SELECT count(*) FROM residence") / _one(
        db, "SELECT count(DISTINCT national_id) FROM residence"
    )
    assert 1.2 < moves < 3.0


def test_distributions_are_plausible(db: duckdb.DuckDBPyConnection, persons: int) -> None:
    ages = np.array(
        [
            r[0]
            for r in db.execute(
                "SELECT date_diff('year', birth_date, DATE '2025-12-31') FROM persons WHERE death_date IS NULL"
            ).fetchall()
        ]
    )
    assert 0 <= ages.min() and ages.max() < 112
    assert 33 < np.median(ages) < 45
    share_old = (ages >= 80).mean()
    assert 0.02 < share_old < 0.08
    sexes = dict(db.execute("SELECT sex, count(*) FROM persons GROUP BY 1").fetchall())
    assert 0.45 < sexes["2"] / persons < 0.52
    dead = _one(db, "SELECT avg((death_date IS NOT NULL)::INT) FROM persons")
    assert 0.1 < dead < 0.3
    # Oslo is the largest municipality, Bergen and Trondheim follow.
    top = [
        r[0]
        for r in db.execute(
            "SELECT municipality FROM residence WHERE valid_to IS NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 3"
        ).fetchall()
    ]
    assert top[0] == "0301" and set(top[1:]) <= {"4601", "5001", "1103", "3201"}
    # Incomes are right-skewed and grow over time.
    mean, median = db.execute(
        "SELECT avg(total_income), median(total_income) FROM income WHERE year = 2024"
    ).fetchone()  # type: ignore[misc]
    assert mean > median > 250_000
    assert _one(
        db, "SELECT median(wage_income) FROM income WHERE year = 2024 AND wage_income > 0"
    ) > 1.6 * _one(db, "SELECT median(wage_income) FROM income WHERE year = 2001 AND wage_income > 0")
    assert _one(db, "SELECT count(*) FROM income WHERE assessed_tax > total_income") == 0
    immigrants = _one(db, "SELECT avg((immigrant_category = 'B')::INT) FROM persons")
    assert 0.12 < immigrants < 0.3


def test_metadata_agrees_with_the_data(synthetic_registers: Path) -> None:
    metadata = Metadata.load(synthetic_registers)
    assert (synthetic_registers / METADATA_FILE).exists()
    rows = pq.read_metadata(synthetic_registers / "persons" / "part-0.parquet").num_rows
    assert metadata.persons == rows and metadata.register_version.endswith(f"persons{rows}")
    assert len(metadata.variables) >= 60 and len({v.area for v in metadata.variables}) >= 8
    names = [v.name for v in metadata.variables]
    assert len(names) == len(set(names))
    kinds = {r.code: r.source_kind for r in metadata.registers}
    for v in metadata.variables:
        assert v.temporality in TEMPORALITIES and v.unit_type in UNIT_TYPES
        assert len(v.name) <= 32 and v.name.replace("_", "").isalnum() and v.name.upper() == v.name
        assert v.label_nb and v.label_en and v.definition_nb and v.definition_en
        assert set(v.publication_dates) == {str(y) for y in v.years}
        if v.codelist:
            assert v.codelist in metadata.codelists
        if v.table is None:
            assert kinds[v.register] in ("health_register", "survey") or v.sensitivity == "crime"
            continue
        schema = TABLES[v.table]
        for column in (v.column, v.unit_column, *v.time_columns.values(), *v.row_filter):
            assert column in schema.names, (v.name, column)
        assert v.price_group == v.area or v.price_group.startswith("FDTRYGD:")
    assert any(kinds[v.register] == "health_register" for v in metadata.variables)
    assert any(kinds[v.register] == "survey" for v in metadata.variables)
    assert {"health", "crime", "trade_union"} <= {v.sensitivity for v in metadata.variables}
    assert any(v.identifying == "exact_date" for v in metadata.variables)
    # DOMAIN R-DATA-2: the 2025 income statistic is still unpublished in late November 2026.
    income = metadata.variable("INNTEKT_WLONN")
    assert income.publication_dates["2025"] > "2026-11-21" > income.publication_dates["2024"]


def test_metadata_codelists_come_from_the_shipped_files(synthetic_registers: Path) -> None:
    metadata = Metadata.load(synthetic_registers)
    municipalities = metadata.codelists["municipalities"]
    assert len(municipalities.codes) == 357 and "Klass" in municipalities.source
    oslo = next(c for c in municipalities.codes if c.code == "0301")
    assert oslo.label_nb == "Oslo"
    assert all(cl.source for cl in metadata.codelists.values())
