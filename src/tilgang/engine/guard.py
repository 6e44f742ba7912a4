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


def _screen(backend: Backend, f: str, items: list[str]) -> list[int]:
    if not items:
        return []
    row = backend.fetch_rows(query(f"SELECT {', '.join(items)} FROM {f}"))[0]
    return [int(v or 0) for v in row]


def scan_table(
    backend: Backend,
    relation: str,
    table_name: str,
    columns: list[OutColumn],
    policy: GuardPolicy,
    report: GuardReport,
) -> None:
    """Scan one delivered table: one screening pass over all columns, then a closer look at the
    columns the screening flagged (candidates are validated in Python with ``ids``)."""
    report.tables += 1
    meta = {c.name: c for c in columns}
    f = ident(relation)
    cols = backend.columns(relation)
    report.columns += len(cols)
    # Screening: counts per column in one pass. Cheap length tests keep the regular expressions
    # off the short codes that make up most delivered text.
    items: list[str] = []
    slots: dict[tuple[str, str], int] = {}

    def slot(name: str, check: str, sql: str) -> None:
        slots[(name, check)] = len(items)
        items.append(sql)

    person_checks: list[str] = []
    for name, sql_type in cols:
        col = meta.get(name)
        kind = col.kind if col else "value"
        c = ident(name)
        base_type = sql_type.upper().split("(")[0]
        if base_type in _STRING_TYPES:
            slot(
                name,
                "id",
                f"count(*) FILTER (WHERE CASE WHEN length({c}) >= 11 THEN regexp_matches({c}, '[0-9]{{11}}') ELSE false END)",
            )
            if not policy.allow_grunndata:
                slot(
                    name,
                    "org",
                    f"count(*) FILTER (WHERE CASE WHEN length({c}) = 9 THEN regexp_full_match({c}, '[0-9]{{9}}') ELSE false END)",
                )
            if not (col and col.exact_dates_allowed):
                slot(
                    name,
                    "date",
                    f"count(*) FILTER (WHERE CASE WHEN length({c}) >= 10 THEN regexp_matches({c}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') ELSE false END)",
                )
        elif base_type in _INT_TYPES or base_type in _FLOAT_TYPES:
            slot(
                name,
                "big",
                f"count(*) FILTER (WHERE {c} >= 1000000000 AND {c} < 100000000000 AND {c} = floor({c}))",
            )
            if kind not in ("number", "link") and policy.person_key_relation and "LOPENR" in meta:
                slot(name, "nonnull", f"count({c})")
                person_checks.append(name)
        elif base_type in _DATE_TYPES and kind != "order_date" and not (col and col.exact_dates_allowed):
            slot(name, "dates", f"count({c})")
    counts = _screen(backend, f, items)

    def n(name: str, check: str) -> int:
        return counts[slots[(name, check)]] if (name, check) in slots else 0

    own: dict[str, int] = {}
    if person_checks:
        rk = ident(policy.person_key_relation or "")
        sums = [f"count(*) FILTER (WHERE o.{ident(c)} = k.unit)" for c in person_checks]
        row = backend.fetch_rows(
            query(f"SELECT {', '.join(sums)} FROM {f} AS o JOIN {rk} AS k ON k.lopenr = o.LOPENR")
        )[0]
        own = {c: int(v or 0) for c, v in zip(person_checks, row, strict=True)}

    for name, sql_type in cols:
        col = meta.get(name)
        kind = col.kind if col else "value"
        c = ident(name)
        where = f"{table_name}.{name}"
        base_type = sql_type.upper().split("(")[0]
        if base_type in _STRING_TYPES:
            if n(name, "id"):
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
            # Grunndata columns included: organisation numbers pass only when the order allows them.
            if n(name, "org") >= 3:
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
            dated = n(name, "date")
            if dated:
                report.findings.append(
                    f"{where}: {dated} value(s) are exact dates, finer than the order allows"
                )
        elif base_type in _INT_TYPES or base_type in _FLOAT_TYPES:
            if n(name, "big"):
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
                    report.findings.append(
                        f"{where}: numbers that validate as national IDs (leading zero lost)"
                    )
            if name in own:
                nonnull = n(name, "nonnull")
                if nonnull and own[name] >= max(1, nonnull // 2):
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
            elif n(name, "dates"):
                report.findings.append(
                    f"{where}: {n(name, 'dates')} exact date(s), finer than the order allows"
                )
