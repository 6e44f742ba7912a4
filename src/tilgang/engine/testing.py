"""Small register directories built by hand, for tests and examples.

``write_registers`` writes the tables it is given (rows as dicts, columns after ``schema.TABLES``)
as Parquet and a ``metadata.json`` describing ``TEST_VARIABLES``; it computes nothing, so tests
derive their expected results on their own.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tilgang.engine import ids
from tilgang.engine.metadata import Area, Code, CodeList, Metadata, Register, Variable
from tilgang.engine.schema import TABLES

YEARS = tuple(range(2005, 2025))


def _var(
    name: str,
    register: str,
    table: str,
    column: str,
    temporality: str,
    data_type: str,
    label: str,
    unit_column: str = "national_id",
    time_columns: dict[str, str] | None = None,
    codelist: str | None = None,
    unit_type: str = "PERSON",
) -> Variable:
    return Variable(
        name=name,
        register=register,
        area="TEST",
        table=table,
        column=column,
        unit_type=unit_type,
        temporality=temporality,
        data_type=data_type,
        label_nb=label,
        label_en=label,
        definition_nb=label,
        definition_en=label,
        codelist=codelist,
        years=YEARS,
        time_columns=time_columns or {},
        unit_column=unit_column,
    )


TEST_VARIABLES: tuple[Variable, ...] = (
    _var(
        "KJOENN", "BEFOLKNING", "persons", "sex", "FIXED", "STRING", "Kjønn", "person_key", codelist="KJOENN"
    ),
    _var("FOEDSELSDATO", "BEFOLKNING", "persons", "birth_date", "FIXED", "DATE", "Fødselsdato", "person_key"),
    _var("DOEDSDATO", "BEFOLKNING", "persons", "death_date", "FIXED", "DATE", "Dødsdato", "person_key"),
    _var("MOR", "BEFOLKNING", "persons", "mother_key", "FIXED", "LONG", "Mor", "person_key"),
    _var("FAR", "BEFOLKNING", "persons", "father_key", "FIXED", "LONG", "Far", "person_key"),
    _var(
        "BOSTED",
        "BEFOLKNING",
        "residence",
        "municipality",
        "STATUS",
        "STRING",
        "Bostedskommune",
        time_columns={"start": "valid_from", "stop": "valid_to"},
    ),
    _var(
        "UTDANNING",
        "UTDANNING",
        "education",
        "nus2000",
        "STATUS",
        "STRING",
        "Høyeste utdanning",
        time_columns={"year": "year"},
    ),
    _var(
        "LONN",
        "INNTEKT",
        "income",
        "wage_income",
        "ACCUMULATED",
        "LONG",
        "Lønnsinntekt",
        time_columns={"year": "year"},
    ),
    _var(
        "INNTEKT",
        "INNTEKT",
        "income",
        "total_income",
        "ACCUMULATED",
        "LONG",
        "Samlet inntekt",
        time_columns={"year": "year"},
    ),
    _var(
        "YTELSE_TYPE",
        "FDTRYGD",
        "benefits",
        "benefit_type",
        "EVENT",
        "STRING",
        "Ytelse",
        time_columns={"start": "start_date", "stop": "end_date"},
    ),
    _var(
        "YTELSE_BELOP",
        "FDTRYGD",
        "benefits",
        "amount",
        "EVENT",
        "LONG",
        "Beløp",
        time_columns={"start": "start_date", "stop": "end_date"},
    ),
    _var(
        "ARBEIDSGIVER",
        "AORDNING",
        "jobs",
        "employer_orgnr",
        "EVENT",
        "STRING",
        "Arbeidsgiver",
        time_columns={"start": "start_date", "stop": "end_date"},
        unit_type="JOB",
        unit_column="job_id",
    ),
    _var(
        "ARBEIDSTID",
        "AORDNING",
        "jobs",
        "weekly_hours",
        "EVENT",
        "DOUBLE",
        "Avtalt arbeidstid",
        time_columns={"start": "start_date", "stop": "end_date"},
        unit_type="JOB",
        unit_column="job_id",
    ),
)


def test_metadata(
    register_version: str = "test-1", variables: tuple[Variable, ...] = TEST_VARIABLES
) -> Metadata:
    registers = tuple(
        Register(code=code, area="TEST", name_nb=code, name_en=code)
        for code in sorted({v.register for v in variables})
    )
    sex = CodeList("KJOENN", "SSB Klass 2", (Code("1", "Mann", "Male"), Code("2", "Kvinne", "Female")))
    return Metadata(
        register_version=register_version,
        seed=0,
        persons=0,
        areas=(Area("TEST", "Test", "Test"),),
        registers=registers,
        variables=variables,
        codelists={"KJOENN": sex},
    )


def write_registers(
    directory: Path,
    tables: dict[str, list[dict]],
    *,
    register_version: str = "test-1",
    variables: tuple[Variable, ...] = TEST_VARIABLES,
) -> Path:
    """Write ``tables`` (every table of the schema; missing ones empty) and metadata into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in TABLES.items():
        rows = tables.get(name, [])
        table = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)
        (directory / name).mkdir(exist_ok=True)
        pq.write_table(table, directory / name / "part-0.parquet")
    test_metadata(register_version, variables).save(directory)
    return directory


def fnr(n: int, birth_year: int = 1980, d_number: bool = False) -> str:
    """A distinct synthetic national ID for person number ``n`` (valid check digits)."""
    from datetime import date

    day, month = 1 + n % 28, 1 + (n // 28) % 12
    make = ids.make_synthetic_dnr if d_number else ids.make_synthetic_fnr
    # Each n owns a block of ten individual numbers; some have no valid check digits.
    for individual in range((n // 336) * 10, (n // 336) * 10 + 10):
        value = make(date(birth_year, month, day), individual)
        if value is not None:
            return value
    raise ValueError(f"no synthetic ID for {n}")


def small_scenario() -> dict[str, list[dict]]:
    """Eight persons whose histories hit the edges: ID change, emigration, immigration, death, birth.

    Keys 1001..1008. Person 2 had a D-number until 2011-05-01; sources before then use it.
    """
    from datetime import date as d

    p = {n: 1000 + n for n in range(1, 9)}
    fn = {n: fnr(n, 1950 + n) for n in range(1, 9)}
    dnr2 = fnr(2, 1990, d_number=True)
    persons = [
        dict(
            person_key=p[1],
            sex="2",
            birth_date=d(1950, 3, 15),
            country_of_birth="000",
            immigrant_category="C",
        ),
        dict(
            person_key=p[2],
            sex="1",
            birth_date=d(1990, 6, 30),
            country_of_birth="138",
            immigrant_category="B",
        ),
        dict(
            person_key=p[3], sex="2", birth_date=d(1970, 1, 1), country_of_birth="000", immigrant_category="C"
        ),
        dict(
            person_key=p[4],
            sex="1",
            birth_date=d(1985, 12, 31),
            country_of_birth="106",
            immigrant_category="B",
        ),
        dict(
            person_key=p[5],
            sex="1",
            birth_date=d(1940, 7, 7),
            death_date=d(2012, 11, 10),
            country_of_birth="000",
        ),
        dict(
            person_key=p[6],
            sex="2",
            birth_date=d(2012, 12, 1),
            country_of_birth="000",
            mother_key=p[1],
            father_key=p[2],
        ),
        dict(person_key=p[7], sex="1", birth_date=d(1980, 1, 1), country_of_birth="000", mother_key=p[3]),
        dict(person_key=p[8], sex="2", birth_date=d(1975, 5, 5), country_of_birth="000"),
    ]
    national_ids = [
        dict(person_key=p[n], national_id=fn[n], id_type="FNR", valid_from=d(1950, 1, 1)) for n in range(1, 9)
    ]
    national_ids[1]["valid_from"] = d(2011, 5, 1)
    national_ids.append(
        dict(
            person_key=p[2], national_id=dnr2, id_type="DNR", valid_from=d(2010, 1, 1), valid_to=d(2011, 5, 1)
        )
    )
    residence = [
        dict(national_id=fn[1], municipality="0301", valid_from=d(2000, 1, 1)),
        dict(national_id=dnr2, municipality="1103", valid_from=d(2010, 1, 1), valid_to=d(2011, 5, 1)),
        dict(national_id=fn[2], municipality="1103", valid_from=d(2011, 5, 1)),
        dict(national_id=fn[3], municipality="0301", valid_from=d(2005, 1, 1), valid_to=d(2012, 7, 1)),
        dict(national_id=fn[4], municipality="4601", valid_from=d(2013, 1, 2)),
        dict(national_id=fn[5], municipality="0301", valid_from=d(1990, 1, 1), valid_to=d(2012, 11, 10)),
        dict(national_id=fn[6], municipality="3001", valid_from=d(2012, 12, 1)),
        dict(national_id=fn[7], municipality="5001", valid_from=d(2000, 1, 1), valid_to=d(2012, 6, 1)),
        dict(national_id=fn[7], municipality="0301", valid_from=d(2012, 6, 1)),
        dict(national_id=fn[8], municipality="0301", valid_from=d(1990, 1, 1), valid_to=d(2000, 1, 1)),
    ]
    education = [
        dict(national_id=fn[1], year=2012, nus2000="601101"),
        dict(national_id=fn[2], year=2012, nus2000="201101"),
        dict(national_id=fn[7], year=2012, nus2000="301101"),
        dict(national_id=fn[7], year=2013, nus2000="401101"),
    ]
    income = [
        dict(national_id=fn[1], year=2012, wage_income=400_000, total_income=500_000, assessed_tax=150_000),
        dict(national_id=dnr2, year=2011, wage_income=300_000, total_income=310_000, assessed_tax=90_000),
        dict(national_id=fn[2], year=2012, wage_income=350_000, total_income=360_000, assessed_tax=100_000),
        dict(national_id=fn[3], year=2012, wage_income=100_000, total_income=120_000, assessed_tax=20_000),
        dict(national_id=fn[7], year=2012, wage_income=600_000, total_income=650_000, assessed_tax=200_000),
        dict(national_id=fn[7], year=2013, wage_income=610_000, total_income=660_000, assessed_tax=210_000),
    ]
    benefits = [
        dict(
            national_id=fn[1],
            benefit_type="AAP",
            start_date=d(2011, 6, 1),
            end_date=d(2012, 3, 1),
            amount=100_000,
        ),
        dict(
            national_id=dnr2,
            benefit_type="DAG",
            start_date=d(2010, 6, 15),
            end_date=d(2011, 1, 1),
            amount=50_000,
        ),
        dict(national_id=fn[2], benefit_type="UFT", start_date=d(2012, 2, 10), amount=200_000),
        dict(
            national_id=fn[7],
            benefit_type="AAP",
            start_date=d(2013, 5, 1),
            end_date=d(2013, 6, 1),
            amount=90_000,
        ),
        dict(
            national_id=fn[3],
            benefit_type="DAG",
            start_date=d(2012, 1, 20),
            end_date=d(2012, 2, 20),
            amount=40_000,
        ),
    ]
    org1 = ids.orgnr_with_check_digit("97311111") or ids.orgnr_with_check_digit("97311112")
    org2 = ids.orgnr_with_check_digit("98122222") or ids.orgnr_with_check_digit("98122223")
    jobs = [
        dict(
            job_id=501,
            national_id=fn[7],
            employer_orgnr=org1,
            start_date=d(2010, 1, 1),
            weekly_hours=37.5,
            monthly_pay=50_000,
        ),
        dict(
            job_id=502,
            national_id=fn[2],
            employer_orgnr=org2,
            start_date=d(2012, 8, 15),
            end_date=d(2012, 10, 1),
            weekly_hours=20.0,
            monthly_pay=20_000,
        ),
        dict(
            job_id=503,
            national_id=fn[1],
            employer_orgnr=org1,
            start_date=d(2012, 3, 1),
            weekly_hours=10.0,
            monthly_pay=9_000,
        ),
    ]
    return dict(
        persons=persons,
        national_ids=national_ids,
        residence=residence,
        education=education,
        income=income,
        benefits=benefits,
        jobs=jobs,
    )


def numbers_by_hand(secret: bytes, project_id: str, unit_type: str, units: list[object]) -> dict[object, int]:
    """Reference implementation of the running numbers in plain Python (hashlib, no SQL), for tests."""
    import hashlib

    from tilgang.engine.running_numbers import unit_keys

    k_in, k_out = unit_keys(secret, project_id, unit_type)

    def prf(u: object) -> str:
        inner = hashlib.sha256((k_in + str(u)).encode()).hexdigest()
        return hashlib.sha256((k_out + inner).encode()).hexdigest()

    ordered = sorted(set(units), key=lambda u: (prf(u), u))  # type: ignore[arg-type]
    return {u: i + 1 for i, u in enumerate(ordered)}
