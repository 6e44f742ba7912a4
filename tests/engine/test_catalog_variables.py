"""The synthetic registers' catalog, extracted: derivations, row filters, enterprise and
establishment tables, and an order with every deliverable variable.

Expected values are computed here from the register files with pyarrow and plain Python (no SQL),
and running numbers with ``numbers_by_hand``.
"""

import base64
import hashlib
import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tilgang.engine.errors import OrderError, UnknownVariableError
from tilgang.engine.extract import derived_value, plan_tables
from tilgang.engine.metadata import Metadata
from tilgang.engine.order import Order, check_against_catalog, parse_order
from tilgang.engine.pipeline import DeliveryResult, dry_run, run_order
from tilgang.engine.seal import new_office_key, new_secret, seal
from tilgang.engine.testing import numbers_by_hand

D = date(2020, 1, 1)
PERIOD_AAP = (date(2020, 1, 1), date(2020, 12, 31))
PERIOD_SYKP = (date(2019, 7, 1), date(2020, 6, 30))


def rows(registers: Path, table: str, columns: list[str]) -> list[dict]:
    return pq.read_table(registers / table, columns=columns).to_pylist()


class Truth:
    """The registers read into Python: identity, the population resident on D, and numbers."""

    def __init__(self, registers: Path, secret: bytes, project: str) -> None:
        self.registers = registers
        self.persons = {
            p["person_key"]: p
            for p in rows(
                registers, "persons", ["person_key", "birth_date", "death_date", "mother_key", "father_key"]
            )
        }
        self.key = {
            r["national_id"]: r["person_key"]
            for r in rows(registers, "national_ids", ["national_id", "person_key"])
        }
        self.residence = rows(
            registers, "residence", ["national_id", "municipality", "valid_from", "valid_to"]
        )
        self.pop = set()
        for r in self.residence:
            k = self.key[r["national_id"]]
            p = self.persons[k]
            if (
                r["valid_from"] <= D
                and (r["valid_to"] is None or r["valid_to"] > D)
                and p["birth_date"] <= D
                and (p["death_date"] is None or p["death_date"] > D)
            ):
                self.pop.add(k)
        self.secret, self.project = secret, project
        self.number = numbers_by_hand(secret, project, "PERSON", list(self.pop))


def period(p: tuple[date, date]) -> dict[str, str]:
    return {"start": p[0].isoformat(), "end": p[1].isoformat()}


def _sealed(project: str, key: str) -> tuple[bytes, dict[str, str]]:
    secret = new_secret()
    return secret, seal(secret, base64.urlsafe_b64decode(key), f"tilgang/project/{project}").to_dict()


@pytest.fixture(scope="module")
def derived(
    synthetic_registers: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[DeliveryResult, Truth]:
    key = new_office_key()
    secret, sealed = _sealed("P-DERIVED", key)
    order = parse_order(
        {
            "project": {"id": "P-DERIVED"},
            "population": {"kind": "resident_at", "date": D.isoformat()},
            "variables": [
                {"name": "BEFOLKNING_FOEDSELSAAR"},
                {"name": "FAMILIE_ANTALL_BARN"},
                {"name": "BEFOLKNING_FYLKESNR", "dates": [D.isoformat()]},
                {"name": "NUDB_BU_NIVAA", "years": [2019]},
                {"name": "NUDB_BU_FAGFELT", "years": [2019]},
                {"name": "NUDB_BU", "years": [2019]},
                {"name": "FDTRYGD_AAP_BELOP", "period": period(PERIOD_AAP), "exact_dates": True},
                {"name": "FDTRYGD_AAP_DIAGNOSE", "period": period(PERIOD_AAP), "exact_dates": True},
                {"name": "FDTRYGD_SYKP_BELOP", "period": period(PERIOD_SYKP), "exact_dates": True},
            ],
            "output": {"formats": ["parquet"], "event_dates": "exact"},
        }
    )
    out = tmp_path_factory.mktemp("derived") / "out"
    result = run_order(order, synthetic_registers, out, seal_key=key, sealed_randomness=sealed)
    return result, Truth(synthetic_registers, secret, "P-DERIVED")


def delivered(result: DeliveryResult, table: str) -> list[dict]:
    return pq.read_table(result.delivery_dir / "data" / f"{table}.parquet").to_pylist()


def test_derivation_year_and_count_children(derived: tuple[DeliveryResult, Truth]) -> None:
    result, truth = derived
    children: Counter[int] = Counter()
    for p in truth.persons.values():
        for parent in (p["mother_key"], p["father_key"]):
            if parent is not None:
                children[parent] += 1
    want = {truth.number[k]: (truth.persons[k]["birth_date"].year, children[k]) for k in truth.pop}
    got = {
        r["LOPENR"]: (r["BEFOLKNING_FOEDSELSAAR"], r["FAMILIE_ANTALL_BARN"])
        for r in delivered(result, "PERSONS")
    }
    assert got == want
    assert any(n >= 2 for _, n in got.values())  # parents are present, so the count is exercised


def test_derivation_prefix_of_status_at_a_date(derived: tuple[DeliveryResult, Truth]) -> None:
    result, truth = derived
    in_force: dict[int, tuple[date, str]] = {}
    for r in truth.residence:
        k = truth.key[r["national_id"]]
        if k in truth.pop and r["valid_from"] <= D and (r["valid_to"] is None or r["valid_to"] > D):
            if k not in in_force or r["valid_from"] > in_force[k][0]:
                in_force[k] = (r["valid_from"], r["municipality"])
    want = {(truth.number[k], D, m[:2]) for k, (_, m) in in_force.items()}
    got = {(r["LOPENR"], r["DATO"], r["BEFOLKNING_FYLKESNR"]) for r in delivered(result, "RESIDENCE")}
    assert got == want


def test_derivation_prefix_and_char_per_year(derived: tuple[DeliveryResult, Truth]) -> None:
    result, truth = derived
    want = {}
    for r in rows(truth.registers, "education", ["national_id", "year", "nus2000"]):
        k = truth.key[r["national_id"]]
        if k in truth.pop and r["year"] == 2019:
            code = r["nus2000"]
            want[truth.number[k]] = (code, code[0], code[1])
    got = {
        r["LOPENR"]: (r["NUDB_BU"], r["NUDB_BU_NIVAA"], r["NUDB_BU_FAGFELT"])
        for r in delivered(result, "EDUCATION")
        if r["AAR"] == 2019
    }
    assert got == want and len({v[1] for v in got.values()}) > 2


def _benefit_rows(truth: Truth, code: str, period: tuple[date, date]) -> list[tuple]:
    a, b1 = period[0], period[1] + timedelta(days=1)
    out = []
    cols = ["national_id", "benefit_type", "start_date", "end_date", "amount", "diagnosis_group"]
    for r in rows(truth.registers, "benefits", cols):
        k = truth.key[r["national_id"]]
        if r["benefit_type"] != code or k not in truth.pop:
            continue
        stop = r["end_date"] or b1
        if r["start_date"] <= period[1] and stop > a:
            out.append(
                (truth.number[k], max(r["start_date"], a), min(stop, b1), r["amount"], r["diagnosis_group"])
            )
    return sorted(out, key=repr)


def test_row_filter_delivers_one_benefit_per_table(derived: tuple[DeliveryResult, Truth]) -> None:
    result, truth = derived
    aap = [
        (r["LOPENR"], r["START"], r["SLUTT"], r["FDTRYGD_AAP_BELOP"], r["FDTRYGD_AAP_DIAGNOSE"])
        for r in delivered(result, "BENEFITS_AAP")
    ]
    want = _benefit_rows(truth, "AAP", PERIOD_AAP)
    assert sorted(aap, key=repr) == want and want
    sykp = [
        (r["LOPENR"], r["START"], r["SLUTT"], r["FDTRYGD_SYKP_BELOP"])
        for r in delivered(result, "BENEFITS_SYKP")
    ]
    # Its own period, independent of the AAP table's.
    assert sorted(sykp, key=repr) == sorted(
        (x[:4] for x in _benefit_rows(truth, "SYKP", PERIOD_SYKP)), key=repr
    )
    assert set(result.tables) == {"PERSONS", "RESIDENCE", "EDUCATION", "BENEFITS_AAP", "BENEFITS_SYKP"}


def test_relational_steps_transpile_to_spark(synthetic_registers: Path) -> None:
    """The stage trees are sqlglot trees: a Spark backend renders the same steps."""
    order = all_variables_order(Metadata.load(synthetic_registers))
    variables = check_against_catalog(order, Metadata.load(synthetic_registers))
    for tab in plan_tables(order, variables):
        spark = tab.stage.sql("spark")
        assert "SELECT" in spark and tab.stage.sql("duckdb")
    derivations = {v.derivation for v in variables.values()} | {
        "" if not v.row_filter else "filter" for v in variables.values()
    }
    assert {"year", "prefix:2", "prefix:1", "char:2", "count_children", "filter"} <= derivations


def test_unknown_or_misplaced_derivation_is_refused(synthetic_registers: Path) -> None:
    md = Metadata.load(synthetic_registers)
    with pytest.raises(OrderError, match="unknown"):
        derived_value(replace(md.variable("NUDB_BU"), derivation="suffix:2"))
    with pytest.raises(OrderError, match="date column"):
        derived_value(replace(md.variable("NUDB_BU"), derivation="year"))
    with pytest.raises(OrderError, match="text"):
        derived_value(replace(md.variable("INNTEKT_WLONN"), derivation="prefix:1"))
    with pytest.raises(OrderError, match="selects rows by"):
        order = parse_order(
            {
                "project": {"id": "P"},
                "population": {"kind": "alive_at", "date": "2020-01-01"},
                "variables": [
                    {"name": "FDTRYGD_AAP_BELOP", "period": {"start": "2020-01-01", "end": "2020-12-31"}}
                ],
            }
        )
        var = replace(md.variable("FDTRYGD_AAP_BELOP"), row_filter={"no_such_column": "AAP"})
        plan_tables(order, {"FDTRYGD_AAP_BELOP": var})


def test_R_DATA_1_health_register_variables_are_refused(synthetic_registers: Path) -> None:
    md = Metadata.load(synthetic_registers)
    health = [v.name for v in md.variables if v.register == "NPR"]
    assert health
    for name in health:
        order = parse_order(
            {
                "project": {"id": "P"},
                "population": {"kind": "alive_at", "date": "2020-01-01"},
                "variables": [{"name": name, "period": {"start": "2020-01-01", "end": "2020-12-31"}}],
            }
        )
        with pytest.raises(OrderError, match=r"central health register.*R-DATA-1.*helsedata\.no"):
            check_against_catalog(order, md)
    survey = parse_order(
        {
            "project": {"id": "P"},
            "population": {"kind": "alive_at", "date": "2020-01-01"},
            "variables": [{"name": "LKU_TILFREDSHET"}],
        }
    )
    with pytest.raises(UnknownVariableError, match="no data"):
        check_against_catalog(survey, md)


# Enterprises and establishments (grunndata, DOMAIN R-DATA-8).

GRUNNDATA_VARS = [
    {"name": "REGSYS_ARB_ARBGIVER", "period": {"start": "2020-01-01", "end": "2020-12-31"}},
    {"name": "VIRK_BEDRIFT_NACE"},
    {"name": "VIRK_BEDRIFT_FORETAK"},
    {"name": "VIRK_FORETAK_SEKTOR"},
]


def _grunndata_order(**output: object) -> dict:
    return {
        "project": {"id": "P-VIRK"},
        "population": {"kind": "resident_at", "date": D.isoformat()},
        "variables": GRUNNDATA_VARS,
        "output": {"formats": ["parquet"], **output},
    }


def test_R_DATA_8_establishments_keyed_by_orgnr_when_the_order_allows(
    synthetic_registers: Path, tmp_path: Path
) -> None:
    result = run_order(
        parse_order(_grunndata_order(allow_grunndata=True)),
        synthetic_registers,
        tmp_path / "out",
        seal_key=new_office_key(),
    )
    assert result.guard.passed
    est = {
        r["orgnr"]: r
        for r in rows(synthetic_registers, "establishments", ["orgnr", "nace", "enterprise_orgnr"])
    }
    ent = {r["orgnr"]: r["sector"] for r in rows(synthetic_registers, "enterprises", ["orgnr", "sector"])}
    got = {
        r["ORGNR"]: (r["VIRK_BEDRIFT_NACE"], r["VIRK_BEDRIFT_FORETAK"])
        for r in delivered(result, "ESTABLISHMENTS")
    }
    assert got == {o: (r["nace"], r["enterprise_orgnr"]) for o, r in est.items()}
    assert {r["ORGNR"]: r["VIRK_FORETAK_SEKTOR"] for r in delivered(result, "ENTERPRISES")} == ent
    employers = {r["REGSYS_ARB_ARBGIVER"] for r in delivered(result, "JOBS")}
    assert employers and employers <= set(est)


def test_establishments_keyed_by_running_numbers_shared_with_the_jobs(
    synthetic_registers: Path, tmp_path: Path
) -> None:
    key = new_office_key()
    secret, sealed = _sealed("P-VIRK", key)
    spec = _grunndata_order()
    spec["pseudonymise"] = {"unit_types": ["PERSON", "ESTABLISHMENT", "ENTERPRISE"]}
    result = run_order(
        parse_order(spec), synthetic_registers, tmp_path / "out", seal_key=key, sealed_randomness=sealed
    )
    assert result.guard.passed
    est = {
        r["orgnr"]: r
        for r in rows(synthetic_registers, "establishments", ["orgnr", "nace", "enterprise_orgnr"])
    }
    truth = Truth(synthetic_registers, secret, "P-VIRK")
    employers = {}
    for r in rows(synthetic_registers, "jobs", ["national_id", "employer_orgnr", "start_date", "end_date"]):
        if truth.key[r["national_id"]] in truth.pop and r["start_date"] <= date(2020, 12, 31):
            if r["end_date"] is None or r["end_date"] > date(2020, 1, 1):
                employers[r["employer_orgnr"]] = True
    est_no = numbers_by_hand(secret, "P-VIRK", "ESTABLISHMENT", [*est, *employers])
    ent_no = numbers_by_hand(
        secret,
        "P-VIRK",
        "ENTERPRISE",
        [r["orgnr"] for r in rows(synthetic_registers, "enterprises", ["orgnr"])]
        + [r["enterprise_orgnr"] for r in est.values()],
    )
    got = {
        r["LOPENR_VIRKSOMHET"]: (r["VIRK_BEDRIFT_NACE"], r["VIRK_BEDRIFT_FORETAK"])
        for r in delivered(result, "ESTABLISHMENTS")
    }
    assert got == {est_no[o]: (r["nace"], ent_no[r["enterprise_orgnr"]]) for o, r in est.items()}
    assert {r["REGSYS_ARB_ARBGIVER"] for r in delivered(result, "JOBS")} == {est_no[o] for o in employers}
    assert "ORGNR" not in pq.read_schema(result.delivery_dir / "data" / "ESTABLISHMENTS.parquet").names


def test_R_DATA_8_unit_variables_need_numbers_or_grunndata(synthetic_registers: Path) -> None:
    with pytest.raises(OrderError, match="R-DATA-8"):
        dry_run(parse_order(_grunndata_order()), synthetic_registers)


# Every deliverable variable of the catalog in one order.


def all_variables_order(md: Metadata) -> Order:
    health = {r.code for r in md.registers if r.source_kind == "health_register"}
    requests = []
    for v in md.variables:
        if v.table is None or v.register in health:
            continue
        y = 2020 if 2020 in v.years else max(v.years)
        r: dict = {"name": v.name}
        if v.temporality == "ACCUMULATED" or (v.temporality == "STATUS" and "year" in v.time_columns):
            r["years"] = [y]
        elif v.temporality == "STATUS":
            r["dates"] = [f"{y}-01-01"]
        elif v.temporality == "EVENT":
            r["period"] = {"start": f"{y}-01-01", "end": f"{y}-12-31"}
        if v.data_type == "DATE":
            r["minimise"] = {"method": "month"}
        requests.append(r)
    return parse_order(
        {
            "project": {"id": "P-ALL"},
            "population": {"kind": "resident_at", "date": D.isoformat()},
            "variables": requests,
            "pseudonymise": {"unit_types": ["PERSON", "JOB", "ESTABLISHMENT", "ENTERPRISE"]},
            "output": {"formats": ["parquet"], "event_dates": "month"},
        }
    )


def test_every_deliverable_catalog_variable_extracts(synthetic_registers: Path, tmp_path: Path) -> None:
    md = Metadata.load(synthetic_registers)
    order = all_variables_order(md)
    deliverable = {v.name for v in md.variables if v.table is not None}
    assert {r.name for r in order.variables} == deliverable and len(deliverable) >= 60
    result = run_order(order, synthetic_registers, tmp_path / "out", seal_key=new_office_key())
    assert result.guard.passed and not result.not_delivered
    # The dry run materialises every stage; the delivery stages most as views and counts the files.
    assert dry_run(order, synthetic_registers).tables == result.tables
    # The manifest lists every delivered file with its SHA-256.
    manifest = json.loads((result.delivery_dir / "MANIFEST.json").read_text())
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {
        str(p.relative_to(result.delivery_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in result.delivery_dir.rglob("*")
        if p.is_file() and p.name != "MANIFEST.json"
    }
    assert listed == on_disk
    # Every variable is a column with values (the fixture is large enough for each to occur).
    filled: dict[str, int] = {}
    for path in (result.delivery_dir / "data").glob("*.parquet"):
        table = pq.read_table(path)
        for name in table.column_names:
            filled[name] = table.num_rows - table.column(name).null_count
    assert {n for n in deliverable if filled.get(n, 0) == 0} == set()
