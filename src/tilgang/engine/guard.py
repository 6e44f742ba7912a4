"""The release guard: nothing leaves with an identifier in it (DOMAIN R-DATA-6, R-DATA-7, R-DATA-8).

Every column of every delivered table is scanned, as written, before the delivery is moved into
place. The job fails when a column holds values that validate as national IDs or D-numbers
(as text, embedded in text, or as numbers that lost their leading zeros), internal person keys,
organisation numbers when the order does not allow grunndata, or dates finer than the order
allows.
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tilgang.engine import ids
from tilgang.engine.backend import Backend
from tilgang.engine.extract import OutColumn
from tilgang.engine.sql import ident, query

_MAX_CANDIDATES = 100_000
_STRING_TYPES = ("VARCHAR", "STRING")
_INT_TYPES = (
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "HUGEINT",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
)
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "DECIMAL")
_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


@dataclass
class GuardReport:
    tables: int = 0
    columns: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class GuardPolicy:
    allow_grunndata: bool = False
    order_dates: tuple[date, ...] = ()
    person_key_relation: str | None = "rn_PERSON"  # (unit, lopenr) of the delivery
    person_keys_sparse: bool = False  # keys drawn from a space where chance membership is rare


def _first(backend: Backend, sql: str) -> int:
    rows = backend.fetch_rows(query(sql))
    return int(rows[0][0] or 0) if rows else 0


def scan_table(
    backend: Backend,
    relation: str,
    table_name: str,
    columns: list[OutColumn],
    policy: GuardPolicy,
    report: GuardReport,
) -> None:
    report.tables += 1
    meta = {c.name: c for c in columns}
    f = ident(relation)
    for name, sql_type in backend.columns(relation):
        report.columns += 1
        col = meta.get(name)
        kind = col.kind if col else "value"
        c = ident(name)
        where = f"{table_name}.{name}"
        base_type = sql_type.upper().split("(")[0]
        if base_type in _STRING_TYPES:
            found = [
                v
                for (v,) in backend.fetch_rows(
                    query(
                        f"SELECT DISTINCT regexp_extract({c}, '(^|[^0-9])([0-9]{{11}})($|[^0-9])', 2) FROM {f} "
                        f"WHERE regexp_matches({c}, '[0-9]{{11}}') LIMIT {_MAX_CANDIDATES}"
                    )
                )
                if v and ids.is_national_id(v)
            ]
            if found:
                report.findings.append(
                    f"{where}: {len(found)} value(s) validate as national IDs or D-numbers"
                )
            if kind != "grunndata" and not policy.allow_grunndata:
                orgs = [
                    v
                    for (v,) in backend.fetch_rows(
                        query(
                            f"SELECT DISTINCT {c} FROM {f} WHERE regexp_full_match({c}, '[0-9]{{9}}') LIMIT 1000"
                        )
                    )
                ]
                valid = sum(1 for v in orgs if ids.is_valid_orgnr(v))
                # A random 9-digit code passes the check digit 1 time in 11; a column of real
                # organisation numbers passes every time.
                if valid >= 3 and valid >= 0.9 * len(orgs):
                    report.findings.append(
                        f"{where}: holds organisation numbers, which this order does not allow (DOMAIN R-DATA-8)"
                    )
            if not (col and col.exact_dates_allowed):
                dated = _first(
                    backend,
                    f"SELECT count(*) FROM {f} WHERE regexp_matches({c}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')",
                )
                if dated:
                    report.findings.append(
                        f"{where}: {dated} value(s) are exact dates, finer than the order allows"
                    )
        elif base_type in _INT_TYPES or base_type in _FLOAT_TYPES:
            numeric_ids = [
                f"{int(v):011d}"
                for (v,) in backend.fetch_rows(
                    query(
                        f"SELECT DISTINCT CAST({c} AS BIGINT) FROM {f} WHERE {c} >= 1000000000 AND {c} < 100000000000 "
                        f"AND {c} = floor({c}) LIMIT {_MAX_CANDIDATES}"
                    )
                )
            ]
            if any(ids.is_national_id(v) for v in numeric_ids):
                report.findings.append(f"{where}: numbers that validate as national IDs (leading zero lost)")
            if kind not in ("number", "link") and policy.person_key_relation and "LOPENR" in meta:
                rk = ident(policy.person_key_relation)
                nonnull = _first(backend, f"SELECT count({c}) FROM {f}")
                own = _first(
                    backend,
                    f"SELECT count(*) FROM {f} AS o JOIN {rk} AS k ON k.lopenr = o.LOPENR WHERE o.{c} = k.unit",
                )
                if nonnull and own >= max(1, nonnull // 2):
                    report.findings.append(f"{where}: equals the internal person key of the row")
                elif nonnull and policy.person_keys_sparse:
                    member = _first(
                        backend,
                        f"SELECT count(*) FROM {f} AS o WHERE o.{c} IN (SELECT person_key FROM persons)",
                    )
                    if member >= max(1, nonnull // 2):
                        report.findings.append(f"{where}: holds internal person keys")
        elif base_type in _DATE_TYPES:
            if kind == "order_date":
                allowed = set(policy.order_dates)
                seen = {
                    v
                    for (v,) in backend.fetch_rows(
                        query(f"SELECT DISTINCT CAST({c} AS DATE) FROM {f} LIMIT 10000")
                    )
                }
                extra = {v for v in seen if v is not None and v not in allowed}
                if extra:
                    report.findings.append(f"{where}: dates that are not the order's status dates")
            elif not (col and col.exact_dates_allowed):
                n = _first(backend, f"SELECT count({c}) FROM {f}")
                if n:
                    report.findings.append(f"{where}: {n} exact date(s), finer than the order allows")
