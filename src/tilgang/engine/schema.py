"""The layout of a register directory: the contract between the synthetic register generator,
the catalog metadata and the extraction engine.

A register directory holds one sub-directory per table; each table is one or more Parquet files,
optionally hive-partitioned (``benefits/year=2015/part-0.parquet``), readable as
``read_parquet('<dir>/<table>/**/*.parquet', hive_partitioning = true)``. ``metadata.json`` at the
top describes the registers and every variable (see ``METADATA_FILE``).

Sources are keyed the way real registers are: by the national ID in force when the fact was
recorded (a fødselsnummer or a D-number). Only the population register knows the internal
``person_key``; the engine's identity step resolves IDs to it through ``national_ids``.
"""

import pyarrow as pa

METADATA_FILE = "metadata.json"

TABLES: dict[str, pa.Schema] = {
    # Population register: one row per person ever registered.
    "persons": pa.schema(
        [
            ("person_key", pa.int64()),  # internal, never delivered
            ("sex", pa.string()),  # "1" male, "2" female
            ("birth_date", pa.date32()),
            ("death_date", pa.date32()),  # null while alive
            ("country_of_birth", pa.string()),  # 3-digit SSB country code, "000" Norway
            ("immigrant_category", pa.string()),  # SSB innvandringskategori code (A, B, C, E, F, G)
            ("mother_key", pa.int64()),  # person_key of mother, null if unknown
            ("father_key", pa.int64()),
        ]
    ),
    # Every national ID a person has had. A D-number replaced by a fødselsnummer gets valid_to.
    "national_ids": pa.schema(
        [
            ("person_key", pa.int64()),
            ("national_id", pa.string()),  # 11 digits
            ("id_type", pa.string()),  # "FNR" or "DNR"
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),  # null while in force
        ]
    ),
    # Residence history in Norway; a gap or an end without a new row is emigration.
    "residence": pa.schema(
        [
            ("national_id", pa.string()),
            ("municipality", pa.string()),  # 4-digit municipality code
            ("valid_from", pa.date32()),
            ("valid_to", pa.date32()),  # exclusive end; null while ongoing
        ]
    ),
    "education": pa.schema(
        [
            ("national_id", pa.string()),
            ("year", pa.int16()),  # status at 1 October of the year
            ("nus2000", pa.string()),  # 6-digit NUS2000 code of highest completed education
        ]
    ),
    "income": pa.schema(
        [
            ("national_id", pa.string()),
            ("year", pa.int16()),
            ("wage_income", pa.int64()),  # NOK
            ("total_income", pa.int64()),
            ("assessed_tax", pa.int64()),
        ]
    ),
    # a-ordningen style jobs; employer is the establishment's organisation number.
    "jobs": pa.schema(
        [
            ("job_id", pa.int64()),
            ("national_id", pa.string()),
            ("employer_orgnr", pa.string()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),  # exclusive; null while ongoing
            ("weekly_hours", pa.float64()),
            ("monthly_pay", pa.int64()),
        ]
    ),
    # FD-Trygd style benefit events; the largest table.
    "benefits": pa.schema(
        [
            ("national_id", pa.string()),
            ("benefit_type", pa.string()),  # code from the benefit_types code list
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),  # exclusive; null while ongoing
            ("amount", pa.int64()),  # NOK per year
            # ICD-10 chapter (icd10_chapters code list) behind a health-related benefit, else null.
            # Health data, GDPR art. 9 (DOMAIN R-DATA-3).
            ("diagnosis_group", pa.string()),
        ]
    ),
    # Enterprise register ("grunndata", DOMAIN R-DATA-8).
    "enterprises": pa.schema(
        [
            ("orgnr", pa.string()),
            ("name", pa.string()),
            ("nace", pa.string()),  # e.g. "62.010"
            ("sector", pa.string()),  # institutional sector code, e.g. "2100"
            ("municipality", pa.string()),
            ("employees", pa.int32()),
            ("start_date", pa.date32()),
        ]
    ),
    "establishments": pa.schema(
        [
            ("orgnr", pa.string()),
            ("enterprise_orgnr", pa.string()),
            ("name", pa.string()),
            ("nace", pa.string()),
            ("municipality", pa.string()),
            ("employees", pa.int32()),
            ("start_date", pa.date32()),
        ]
    ),
}

# Temporality of a variable, after the microdata.no metadata model.
FIXED = "FIXED"  # one value per unit (birth date, sex)
STATUS = "STATUS"  # value in force at a date (residence, education at 1 Oct)
ACCUMULATED = "ACCUMULATED"  # total over a year (income)
EVENT = "EVENT"  # episodes with start and stop (jobs, benefits)
TEMPORALITIES = (FIXED, STATUS, ACCUMULATED, EVENT)

UNIT_TYPES = ("PERSON", "FAMILY", "ENTERPRISE", "ESTABLISHMENT", "JOB")
