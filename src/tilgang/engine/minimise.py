"""Minimisation, DOMAIN R-DATA-6: less detail than the register holds, chosen per variable.

Each method turns a column expression into a coarser SQL expression (DuckDB dialect, values bound
as sqlglot literals, portable to other backends). ``partition`` is the list of time columns of
the output table, so quantile groups and small-municipality counts are taken per date or year.
"""

from __future__ import annotations

from dataclasses import dataclass

from tilgang.engine.order import Minimise
from tilgang.engine.sql import SOURCE_DIALECT, literal


def _lit(value: object) -> str:
    return literal(value).sql(SOURCE_DIALECT)


def _num(value: float) -> str:
    return _lit(int(value) if float(value).is_integer() else value)


def _age(col: str, m: Minimise) -> str:
    ref = m.reference_date
    assert ref is not None
    # Completed years at the reference date; NULL for persons born after it.
    return (
        f"CASE WHEN {col} IS NULL OR {col} > {_lit(ref)} THEN NULL ELSE "
        f"CAST(year({_lit(ref)}) - year({col}) - CASE WHEN month({col}) > {ref.month} "
        f"OR (month({col}) = {ref.month} AND day({col}) > {ref.day}) THEN 1 ELSE 0 END AS INTEGER) END"
    )


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def band_labels(breaks: tuple[float, ...]) -> list[tuple[float, str]]:
    """(lower bound, label) of each band; the last band is open upwards."""
    integral = all(float(b).is_integer() for b in breaks)
    out = []
    for i, lo in enumerate(breaks):
        if i + 1 == len(breaks):
            out.append((lo, f"{_label(lo)}+"))
        elif integral:
            out.append((lo, f"{_label(lo)}-{_label(breaks[i + 1] - 1)}"))
        else:
            out.append((lo, f"[{_label(lo)}, {_label(breaks[i + 1])})"))
    return out


def _bands(col: str, breaks: tuple[float, ...]) -> str:
    whens = " ".join(
        f"WHEN {col} >= {_num(lo)} THEN {_lit(label)}" for lo, label in reversed(band_labels(breaks))
    )
    return f"CASE WHEN {col} IS NULL THEN NULL {whens} ELSE {_lit('<' + _label(breaks[0]))} END"


def _age_breaks(m: Minimise) -> tuple[float, ...]:
    if m.breaks:
        return m.breaks
    assert m.width
    return tuple(float(b) for b in range(0, 100, m.width))


def _partition(partition: list[str], extra: str = "") -> str:
    parts = [*partition, *([extra] if extra else [])]
    return f"PARTITION BY {', '.join(parts)} " if parts else ""


@dataclass(frozen=True)
class Coarsened:
    sql: str
    data_type: str  # of the delivered column: STRING | LONG | DOUBLE | DATE
    note_nb: str
    note_en: str


def coarsen(col: str, m: Minimise | None, data_type: str, partition: list[str], pk: str = "pk") -> Coarsened:
    if m is None:
        return Coarsened(col, data_type, "", "")
    method = m.method
    if method == "age":
        return Coarsened(
            _age(col, m),
            "LONG",
            f"Alder i hele år per {m.reference_date}",
            f"Age in completed years on {m.reference_date}",
        )
    if method == "age_group":
        breaks = _age_breaks(m)
        return Coarsened(
            _bands(f"({_age(col, m)})", breaks),
            "STRING",
            f"Aldersgruppe per {m.reference_date} (grenser {', '.join(map(_label, breaks))})",
            f"Age group on {m.reference_date} (bounds {', '.join(map(_label, breaks))})",
        )
    if method == "month":
        sql = f"CAST(year({col}) AS VARCHAR) || '-' || lpad(CAST(month({col}) AS VARCHAR), 2, '0')"
        return Coarsened(
            sql, "STRING", "Dato grovkornet til måned (ÅÅÅÅ-MM)", "Date coarsened to month (YYYY-MM)"
        )
    if method == "year":
        return Coarsened(
            f"CAST(year({col}) AS INTEGER)", "LONG", "Dato grovkornet til år", "Date coarsened to year"
        )
    if method == "intervals":
        labels = ", ".join(label for _, label in band_labels(m.breaks))
        return Coarsened(_bands(col, m.breaks), "STRING", f"Intervaller: {labels}", f"Intervals: {labels}")
    if method == "quantile_groups":
        g = m.groups
        # NULLs are kept out of the groups; ties broken by the internal key for a reproducible split.
        sql = (
            f"CASE WHEN {col} IS NULL THEN NULL ELSE "
            f"CAST(ntile({g}) OVER ({_partition(partition, f'({col} IS NULL)')}ORDER BY {col}, {pk}) AS INTEGER) END"
        )
        return Coarsened(sql, "LONG", f"Kvantilgruppe 1–{g} (1 lavest)", f"Quantile group 1–{g} (1 lowest)")
    if method == "education_level":
        return Coarsened(
            f"substr({col}, 1, 1)",
            "STRING",
            "Utdanningsnivå (første siffer i NUS2000)",
            "Education level (first digit of NUS2000)",
        )
    if method == "county":
        return Coarsened(
            f"substr({col}, 1, 2)",
            "STRING",
            "Kommune grovkornet til fylke",
            "Municipality coarsened to county",
        )
    if method == "small_municipality":
        t = m.threshold
        sql = (
            f"CASE WHEN {col} IS NULL THEN NULL WHEN count(*) OVER ({_partition(partition, col)}) < {t} "
            f"THEN substr({col}, 1, 2) || '99' ELSE {col} END"
        )
        return Coarsened(
            sql,
            "STRING",
            f"Kommuner med færre enn {t} personer i uttrekket slått sammen til fylke + 99",
            f"Municipalities with fewer than {t} persons in the extract grouped as county + 99",
        )
    if method == "top_bottom":
        sql = col
        parts_nb, parts_en = [], []
        if m.bottom is not None:
            sql = f"greatest({sql}, {_num(m.bottom)})"
            parts_nb.append(f"bunnkodet ved {_label(m.bottom)}")
            parts_en.append(f"bottom-coded at {_label(m.bottom)}")
        if m.top is not None:
            sql = f"least({sql}, {_num(m.top)})"
            parts_nb.append(f"toppkodet ved {_label(m.top)}")
            parts_en.append(f"top-coded at {_label(m.top)}")
        return Coarsened(
            f"CASE WHEN {col} IS NULL THEN NULL ELSE {sql} END",
            data_type,
            ", ".join(parts_nb).capitalize(),
            ", ".join(parts_en).capitalize(),
        )
    raise AssertionError(method)
