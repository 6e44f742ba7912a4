"""Running numbers (DOMAIN R-PSEUDO-1, R-CASE-9): a secret random permutation per unit type per project."""

import base64
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tilgang.engine.backend import DuckDBBackend
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.running_numbers import number_query
from tilgang.engine.seal import Sealed, new_office_key, new_secret, unseal
from tilgang.engine.testing import numbers_by_hand, small_scenario, write_registers

SC = small_scenario()


def numbers(
    units: list[int], secret: bytes, project: str = "P1", unit_type: str = "PERSON"
) -> dict[int, int]:
    backend = DuckDBBackend(threads=1)
    try:
        backend.load_arrow("units", pa.table({"unit": pa.array(units, pa.int64())}))
        backend.materialise("rn", number_query("units", secret, project, unit_type))
        return dict(backend.fetch_rows(parse("SELECT unit, lopenr FROM rn")))
    finally:
        backend.close()


def parse(sql: str):
    from tilgang.engine.sql import query

    return query(sql)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=0, max_value=2**62), min_size=1, max_size=300, unique=True),
    st.binary(min_size=32, max_size=32),
)
def test_R_PSEUDO_1_numbers_are_a_bijection_onto_1_to_n(units: list[int], secret: bytes) -> None:
    got = numbers(units, secret)
    assert set(got) == set(units)
    assert sorted(got.values()) == list(range(1, len(units) + 1))
    assert got == numbers_by_hand(secret, "P1", "PERSON", units)  # the specified PRF, computed independently


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=30, max_size=200, unique=True))
def test_R_CASE_9_two_projects_get_different_numbers(units: list[int]) -> None:
    a = numbers(units, new_secret(), "P1")
    b = numbers(units, new_secret(), "P1")  # the same order reused for a new project: new secret
    c = numbers(units, new_secret(), "P2")
    assert a != b and a != c
    # Statistically unrelated: few units keep their number (about one expected by chance).
    assert sum(a[u] == b[u] for u in units) <= 6


def test_unit_types_get_independent_permutations() -> None:
    units = list(range(1, 200))
    secret = new_secret()
    assert numbers(units, secret, unit_type="PERSON") != numbers(units, secret, unit_type="JOB")


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(v: list[float]) -> list[int]:
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0] * len(v)
        for rank, i in enumerate(order):
            r[i] = rank
        return r

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_R_PSEUDO_1_output_order_does_not_betray_register_order() -> None:
    # Registers sorted by national ID are sorted by birth date; the output is sorted by number.
    units = list(range(1_000_000, 1_000_000 + 5000))
    got = numbers(units, new_secret())
    output_position = sorted(units, key=lambda u: got[u])
    rho = spearman([float(units.index(u)) for u in output_position], [float(i) for i in range(len(units))])
    assert abs(rho) < 0.05  # |rho| for a random permutation of 5000 has sd ≈ 0.014


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    base = tmp_path_factory.mktemp("rn")
    registers = write_registers(base / "reg", SC)
    key = new_office_key()
    order = parse_order(
        {
            "project": {"id": "P-RN"},
            "population": {"kind": "resident_during", "start": "2012-01-01", "end": "2012-12-31"},
            "variables": [
                {"name": "FOEDSELSDATO", "exact_dates": True},
                {"name": "MOR"},
                {"name": "FAR"},
                {"name": "LONN", "years": [2012]},
            ],
        }
    )
    result = run_order(order, registers, base / "out", seal_key=key)
    secret = unseal(
        Sealed.from_dict(result.sealed_randomness), base64.urlsafe_b64decode(key), "tilgang/project/P-RN"
    )
    return result.delivery_dir, secret


def test_R_PSEUDO_1_same_unit_same_number_across_tables(delivery: tuple[Path, bytes]) -> None:
    out, _ = delivery
    persons = pq.read_table(out / "data" / "PERSONS.parquet").to_pylist()
    income = pq.read_table(out / "data" / "INCOME.parquet").to_pylist()
    birth = {p["person_key"]: p["birth_date"] for p in SC["persons"]}
    wage = {}
    for r in SC["income"]:
        if r["year"] == 2012:
            key = next(n["person_key"] for n in SC["national_ids"] if n["national_id"] == r["national_id"])
            wage[birth[key]] = r["wage_income"]
    number_to_birth = {r["LOPENR"]: r["FOEDSELSDATO"] for r in persons}
    for r in income:  # the income row's number leads to the same person's birth date
        assert wage[number_to_birth[r["LOPENR"]]] == r["LONN"]


def test_R_PSEUDO_1_links_are_project_numbers(delivery: tuple[Path, bytes]) -> None:
    out, secret = delivery
    persons = pq.read_table(out / "data" / "PERSONS.parquet").to_pylist()
    by_birth = {p["birth_date"]: p for p in SC["persons"]}
    numbers_of = {by_birth[r["FOEDSELSDATO"]]["person_key"]: r["LOPENR"] for r in persons}
    for r in persons:
        src = by_birth[r["FOEDSELSDATO"]]
        if src.get("mother_key") in numbers_of:
            assert r["MOR"] == numbers_of[src["mother_key"]]
        if src.get("mother_key") is None:
            assert r["MOR"] is None
        else:
            assert r["MOR"] != src["mother_key"]  # never the internal key


def test_rows_are_ordered_by_running_number(delivery: tuple[Path, bytes]) -> None:
    out, _ = delivery
    for name in ("PERSONS", "INCOME"):
        col = pq.read_table(out / "data" / f"{name}.parquet").column("LOPENR").to_pylist()
        assert col == sorted(col)
