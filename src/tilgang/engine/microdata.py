"""Export a register variable as a microdata.no dataset: ``NAME.csv`` and ``NAME.json``.

The CSV has ``unit_id;value;start;stop;`` rows (no header) as microdata.no's dataset format wants:
FIXED rows leave start and stop empty; STATUS rows carry the status date in both; ACCUMULATED rows
span the year; EVENT rows span the episode, stop inclusive and empty while ongoing, and never
overlap for one unit (overlapping episodes, e.g. two sick-leave periods in parallel jobs, are
trimmed to the part not already covered). The JSON follows microdata.no's metadata model.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tilgang.engine.metadata import Metadata, Variable
from tilgang.engine.schema import ACCUMULATED, EVENT, FIXED, STATUS
from tilgang.engine.sql import SOURCE_DIALECT, literal

UNIT_TYPES = {
    "PERSON": "PERSON",
    "JOB": "JOBB",
    "ENTERPRISE": "FORETAK",
    "ESTABLISHMENT": "VIRKSOMHET",
    "FAMILY": "FAMILIE",
}
OPEN = np.iinfo(np.int64).max


class ExportError(ValueError):
    pass


def _source(registers: Path, table: str) -> str:
    # A glob is taken only as a literal, never as a bound parameter; the shared helper escapes it.
    glob = literal(f"{(registers / table).as_posix()}/**/*.parquet").sql(SOURCE_DIALECT)
    return f"read_parquet({glob}, hive_partitioning = true)"


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ExportError(f"bad column name {name!r}")
    return f'"{name}"'


def _value_sql(variable: Variable, column: str) -> str:
    derivation = variable.derivation
    if derivation == "":
        return column
    if derivation == "year":
        return f"year({column})"
    if derivation.startswith("prefix:"):
        return f"left({column}, {int(derivation.split(':')[1])})"
    if derivation.startswith("char:"):
        return f"substr({column}, {int(derivation.split(':')[1])}, 1)"
    raise ExportError(f"{variable.name}: derivation {derivation!r} is not exported")


def _rows(con: duckdb.DuckDBPyConnection, registers: Path, variable: Variable, years: list[int]):
    """(unit_id, value, start_day, stop_day) as numpy arrays; days since 1970, OPEN when empty.

    The query text holds only identifiers from metadata.json, each checked by ``_ident``, and the
    register directory path; every value (row filters, years) is a bound parameter.
    """
    assert variable.table and variable.column
    src = _source(registers, variable.table)
    unit = _ident(variable.unit_column)
    where = ["value IS NOT NULL"]
    params: list[object] = []
    filters = "".join(f" AND {_ident(c)} = ?" for c in variable.row_filter)
    params.extend(variable.row_filter.values())

    if variable.derivation == "count_children":
        base = (
            f"SELECT p.person_key AS unit, count(c.person_key) AS value, NULL::DATE AS s, NULL::DATE AS e "  # noqa: S608
            f"FROM {src} p LEFT JOIN {src} c ON c.mother_key = p.person_key OR c.father_key = p.person_key GROUP BY p.person_key"
        )
    else:
        value = _value_sql(variable, _ident(variable.column))
        t = variable.time_columns
        start = (
            _ident(t["start"]) if "start" in t else ("make_date(year, 1, 1)" if "year" in t else "NULL::DATE")
        )
        stop = (
            _ident(t["stop"])
            if "stop" in t
            else ("make_date(year + 1, 1, 1)" if "year" in t else "NULL::DATE")
        )
        base = f"SELECT {unit} AS unit, {value} AS value, {start} AS s, {stop} AS e FROM {src} WHERE TRUE{filters}"  # noqa: S608

    if variable.temporality == STATUS:
        # One row per unit and status date: 1 October for yearly statuses, else 1 January.
        status = "make_date(d, 10, 1)" if "year" in variable.time_columns else "make_date(d, 1, 1)"
        base = (
            f"SELECT b.unit, b.value, {status} AS s, {status} AS e FROM ({base}) b, unnest(?::INTEGER[]) AS y(d) "  # noqa: S608
            f"WHERE b.s <= {status} AND (b.e IS NULL OR b.e > {status})"
        )
        params.append(years)
    if variable.unit_column == "person_key":
        # Persons are known to microdata.no by national ID: the one in force now.
        ids = _source(registers, "national_ids")
        base = (
            f"SELECT n.national_id AS unit, b.value, b.s, b.e FROM ({base}) b "  # noqa: S608
            f"JOIN {ids} n ON n.person_key = b.unit AND n.valid_to IS NULL"
        )
    sql = (
        f"SELECT CAST(unit AS VARCHAR) AS unit, CAST(value AS VARCHAR) AS value, "  # noqa: S608
        f"epoch_ms(s) // 86400000 AS s, epoch_ms(e) // 86400000 AS e FROM ({base}) WHERE {' AND '.join(where)} "
        f"ORDER BY unit, s NULLS FIRST, e"
    )
    table = con.sql(sql, params=params).to_arrow_table()
    unit_ids = np.asarray(table["unit"].to_pylist(), dtype=object)
    values = np.asarray(table["value"].to_pylist(), dtype=object)
    s = pc.fill_null(table["s"].cast(pa.int64()), OPEN).to_numpy()
    e = pc.fill_null(table["e"].cast(pa.int64()), OPEN).to_numpy()
    return unit_ids, values, s, e


def _non_overlapping(unit_ids, values, start, stop):
    """EVENT rows with an inclusive stop, trimmed so a unit's episodes do not overlap."""
    n = unit_ids.shape[0]
    if n == 0:
        return unit_ids, values, start, stop
    group = np.cumsum(np.r_[True, unit_ids[1:] != unit_ids[:-1]]) - 1
    stop_cap = np.where(stop == OPEN, 10**7, stop)
    big = 10**8
    running = np.maximum.accumulate(group * big + stop_cap) - group * big
    prev = np.r_[-1, running[:-1]]
    prev = np.where(np.r_[True, group[1:] != group[:-1]], -1, prev)
    new_start = np.maximum(start, prev + 1)
    keep = (new_start <= stop_cap) & (prev < 10**7)
    return unit_ids[keep], values[keep], new_start[keep], stop[keep]


def _date(days: int) -> str:
    return "" if days == OPEN else str(np.datetime64(int(days), "D"))


def _ml(nb: str, en: str) -> list[dict[str, str]]:
    return [{"languageCode": "no", "value": nb}, {"languageCode": "en", "value": en}]


def _metadata_json(metadata: Metadata, variable: Variable) -> dict:
    measure: dict = {
        "name": _ml(variable.label_nb, variable.label_en),
        "description": _ml(variable.definition_nb, variable.definition_en),
    }
    if (
        variable.derivation == "count_children"
        or variable.data_type == "LONG"
        and variable.derivation == "year"
    ):
        measure["dataType"] = "LONG"
    else:
        measure["dataType"] = variable.data_type
    if variable.codelist:
        codes = metadata.codelists[variable.codelist].codes
        measure["valueDomain"] = {
            "codeList": [
                {
                    "code": c.code,
                    "categoryTitle": _ml(c.label_nb, c.label_en),
                    "validFrom": c.valid_from or "1900-01-01",
                    **({"validUntil": c.valid_to} if c.valid_to else {}),
                }
                for c in codes
            ]
        }
    else:
        measure["valueDomain"] = {"description": _ml(variable.definition_nb, variable.definition_en)}
    area = next(a for a in metadata.areas if a.code == variable.area)
    special = variable.sensitivity != ""
    sensitivity = (
        "PUBLIC"
        if variable.unit_type in ("ENTERPRISE", "ESTABLISHMENT")
        else ("PERSON_SPECIAL" if special else "PERSON_GENERAL")
    )
    return {
        "temporalityType": variable.temporality,
        "sensitivityLevel": sensitivity,
        "populationDescription": _ml(
            f"Enheter i {variable.table} i de syntetiske registrene",
            f"Units in {variable.table} of the synthetic registers",
        ),
        "subjectFields": [_ml(area.name_nb, area.name_en)],
        "dataRevision": {
            "description": _ml(
                f"Registerversjon {metadata.register_version}",
                f"Register version {metadata.register_version}",
            )
        },
        "identifierVariables": [{"unitType": UNIT_TYPES[variable.unit_type]}],
        "measureVariables": [measure],
    }


def export_variable(registers: Path, name: str, out: Path) -> tuple[Path, Path, int]:
    """Write ``out/NAME/NAME.csv`` and ``out/NAME/NAME.json`` (the directory layout microdata-tools
    validates); returns both paths and the number of rows."""
    registers, out = Path(registers), Path(out)
    metadata = Metadata.load(registers)
    try:
        variable = metadata.variable(name)
    except KeyError:
        raise ExportError(f"unknown variable {name!r}") from None
    register = next(r for r in metadata.registers if r.code == variable.register)
    if register.source_kind == "health_register" or variable.table is None or variable.column is None:
        # DOMAIN R-DATA-1: central health register data are never delivered; metadata-only variables have no data.
        raise ExportError(f"{name} has no data in the registers (metadata only)")
    if variable.unit_type not in UNIT_TYPES:
        raise ExportError(f"{name}: unit type {variable.unit_type} has no microdata.no counterpart")
    years = [int(y) for y in variable.years]
    with duckdb.connect() as con:
        unit_ids, values, start, stop = _rows(con, registers, variable, years)
    if variable.temporality == EVENT:
        stop = np.where(stop == OPEN, OPEN, stop - 1)  # microdata.no's stop date is inclusive
        unit_ids, values, start, stop = _non_overlapping(unit_ids, values, start, stop)
    elif variable.temporality == ACCUMULATED:
        stop = stop - 1
    elif variable.temporality == FIXED:
        start = np.full(unit_ids.shape[0], OPEN)
        stop = start

    target = out / name
    target.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = target / f"{name}.csv", target / f"{name}.json"
    with csv_path.open("w", encoding="utf-8", newline="\n") as f:
        for u, v, s, e in zip(unit_ids, values, start, stop, strict=True):
            f.write(f"{u};{v};{_date(s)};{_date(e)};\n")
    json_path.write_text(
        json.dumps(_metadata_json(metadata, variable), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return csv_path, json_path, int(unit_ids.shape[0])
