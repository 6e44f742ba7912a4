"""Identity, population and extraction: the relational core of an order.

Everything here produces sqlglot trees (DuckDB dialect) that a ``Backend`` materialises. Engine
relations: ``idmap`` (national_id → person_key), ``pop`` (person_key), ``x_<table>`` (one staged
table per register table: ``pk``, time columns, minimised values, raw link columns).
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlglot import exp

from tilgang.engine.errors import OrderError
from tilgang.engine.metadata import Variable
from tilgang.engine.minimise import coarsen
from tilgang.engine.order import Order, Population, VariableRequest
from tilgang.engine.running_numbers import NUMBER_COLUMN
from tilgang.engine.schema import ACCUMULATED, EVENT, FIXED, STATUS, TABLES
from tilgang.engine.sql import SOURCE_DIALECT, ident, literal, query, values_relation

# Columns whose values point at another unit: replaced by that unit's running number or removed
# (DOMAIN R-PSEUDO-1), or delivered as grunndata when the order allows it (R-DATA-8).
LINKS: dict[tuple[str, str], str] = {
    ("persons", "mother_key"): "PERSON",
    ("persons", "father_key"): "PERSON",
    ("jobs", "employer_orgnr"): "ESTABLISHMENT",
    ("establishments", "enterprise_orgnr"): "ENTERPRISE",
}
TIME_NAMES = {"date": "DATO", "year": "AAR", "start": "START", "stop": "SLUTT"}


def _lit(value: object) -> str:
    return literal(value).sql(SOURCE_DIALECT)


def identity_query() -> exp.Expression:
    """Every national ID a person has had (fødselsnummer, D-numbers, replaced numbers) → person_key."""
    return query("SELECT DISTINCT national_id, person_key FROM national_ids WHERE national_id IS NOT NULL")


def ambiguous_ids_query() -> exp.Expression:
    return query(
        "SELECT national_id FROM idmap GROUP BY national_id HAVING count(DISTINCT person_key) > 1 LIMIT 5"
    )


def population_query(pop: Population, id_list_relation: str | None = None) -> exp.Expression:
    """``person_key`` of every person in the population (distinct)."""
    alive_at = "(s.death_date IS NULL OR s.death_date > {d}) AND s.birth_date <= {d}"
    if pop.kind == "resident_at":
        # In force on the date: valid_from <= d < valid_to (valid_to exclusive).
        d = _lit(pop.date)
        sql = (
            "SELECT DISTINCT i.person_key FROM residence r JOIN idmap i ON i.national_id = r.national_id "
            f"JOIN persons s ON s.person_key = i.person_key WHERE r.valid_from <= {d} "
            f"AND (r.valid_to IS NULL OR r.valid_to > {d}) AND " + alive_at.format(d=d)
        )
    elif pop.kind == "resident_during":
        # Any residence spell overlapping [start, end]: a different population from resident_at.
        a, b = _lit(pop.start), _lit(pop.end)
        sql = (
            "SELECT DISTINCT i.person_key FROM residence r JOIN idmap i ON i.national_id = r.national_id "
            f"WHERE r.valid_from <= {b} AND (r.valid_to IS NULL OR r.valid_to > {a})"
        )
    elif pop.kind == "birth_cohorts":
        sql = (
            "SELECT DISTINCT s.person_key FROM persons s "
            f"WHERE year(s.birth_date) BETWEEN {_lit(pop.from_year)} AND {_lit(pop.to_year)}"
        )
    elif pop.kind == "alive_at":
        d = _lit(pop.date)
        sql = "SELECT DISTINCT s.person_key FROM persons s WHERE " + alive_at.format(d=d)
    elif pop.kind == "dead_at":
        sql = f"SELECT DISTINCT s.person_key FROM persons s WHERE s.death_date <= {_lit(pop.date)}"
    else:
        assert id_list_relation is not None
        sql = f"SELECT DISTINCT person_key FROM {ident(id_list_relation)} WHERE person_key IS NOT NULL"
    if pop.birth_years:
        lo, hi = pop.birth_years
        sql = (
            f"SELECT q.person_key FROM ({sql}) AS q JOIN persons s ON s.person_key = q.person_key "
            f"WHERE year(s.birth_date) BETWEEN {_lit(lo)} AND {_lit(hi)}"
        )
    return query(sql)


@dataclass
class OutColumn:
    name: str  # delivered name
    kind: str  # number | link | grunndata | order_date | order_year | event_date | value
    data_type: str  # STRING | LONG | DOUBLE | DATE
    variable: Variable | None = None
    unit_type: str | None = None  # number and link columns
    note_nb: str = ""
    note_en: str = ""
    exact_dates_allowed: bool = False


@dataclass
class OutTable:
    name: str  # delivered name
    source: str  # register table
    temporality: str
    columns: list[OutColumn]
    stage: exp.Expression  # pk, time columns, values, raw link columns
    links: dict[str, str] = field(default_factory=dict)  # stage column → unit type
    removed: list[str] = field(default_factory=list)  # ordered variables left out, with reason
    job_column: bool = False
    period: tuple[date, date] | None = None
    dates: tuple[date, ...] = ()
    years: tuple[int, ...] = ()

    @property
    def stage_name(self) -> str:
        return f"x_{self.source}_{self.temporality.lower()}"


def _person_column(table: str) -> str:
    names = set(TABLES[table].names)
    if "national_id" in names:
        return "national_id"
    if "person_key" in names:
        return "person_key"
    raise OrderError(f"Register table {table} is not keyed by person; it cannot be extracted for persons.")


def _source(table: str) -> str:
    """Rows of ``table`` for the population, with the resolved person key ``pk``."""
    col = _person_column(table)
    if col == "person_key":
        return f"(SELECT t.*, t.person_key AS pk FROM {ident(table)} t JOIN pop p ON p.person_key = t.person_key)"
    return (
        f"(SELECT t.*, i.person_key AS pk FROM {ident(table)} t "
        f"JOIN idmap i ON i.national_id = t.{ident(col)} JOIN pop p ON p.person_key = i.person_key)"
    )


def _value_columns(
    order: Order, reqs: list[tuple[VariableRequest, Variable]], partition: list[str], time_filter: str | None
) -> tuple[list[str], list[OutColumn], dict[str, str], list[str]]:
    """SELECT items and delivered columns for the variables of one staged table."""
    selects: list[str] = []
    cols: list[OutColumn] = []
    links: dict[str, str] = {}
    removed: list[str] = []
    for req, var in reqs:
        assert var.column is not None and var.table is not None
        src = ident(var.column)
        target = LINKS.get((var.table, var.column))
        if target is not None:
            if order.output.allow_grunndata and target in ("ESTABLISHMENT", "ENTERPRISE"):
                selects.append(f"{src} AS {ident(var.name)}")
                cols.append(
                    OutColumn(
                        var.name,
                        "grunndata",
                        "STRING",
                        var,
                        target,
                        "Organisasjonsnummer (grunndata)",
                        "Organisation number (basic data)",
                    )
                )
            elif order.pseudonymise.links == "number" and target in order.pseudonymise.unit_types:
                selects.append(f"{src} AS {ident(var.name)}")
                links[var.name] = target
                cols.append(
                    OutColumn(
                        var.name,
                        "link",
                        "LONG",
                        var,
                        target,
                        f"Prosjektets løpenummer for {target.lower()}",
                        f"The project's running number of the {target.lower()}",
                    )
                )
            else:
                removed.append(
                    f"{var.name}: link to {target.lower()} removed (no running numbers for that unit)"
                )
            continue
        c = coarsen(src, req.minimise, var.data_type, partition)
        sql = c.sql
        if time_filter is not None:
            # Only the dates/years this variable was ordered for (minimisation over the rest is moot).
            wanted = req.dates if time_filter == "ref_date" else req.years
            sql = f"CASE WHEN {time_filter} IN ({', '.join(_lit(w) for w in wanted)}) THEN {sql} END"
        selects.append(f"{sql} AS {ident(var.name)}")
        exact = var.data_type == "DATE" and (req.minimise is None) and req.exact_dates
        cols.append(OutColumn(var.name, "value", c.data_type, var, None, c.note_nb, c.note_en, exact))
    return selects, cols, links, removed


def _event_date(expr: str, precision: str) -> tuple[str, str]:
    if precision == "month":
        return (
            f"CAST(year({expr}) AS VARCHAR) || '-' || lpad(CAST(month({expr}) AS VARCHAR), 2, '0')",
            "STRING",
        )
    if precision == "year":
        return f"CAST(year({expr}) AS INTEGER)", "LONG"
    return expr, "DATE"


def plan_tables(order: Order, variables: dict[str, Variable]) -> list[OutTable]:
    if "PERSON" not in order.pseudonymise.unit_types:
        raise OrderError("Person orders need running numbers for PERSON (DOMAIN R-PSEUDO-1).")
    groups: dict[tuple[str, str], list[tuple[VariableRequest, Variable]]] = {}
    for req in order.variables:
        var = variables[req.name]
        assert var.table is not None
        if var.table not in TABLES:
            raise OrderError(
                f"Variable {var.name} lives in table {var.table}, which the engine does not know."
            )
        groups.setdefault((var.table, var.temporality), []).append((req, var))
    out: list[OutTable] = []
    for (table, temporality), reqs in groups.items():
        name = (
            table.upper()
            if sum(1 for t, _ in groups if t == table) == 1
            else f"{table}_{temporality}".upper()
        )
        time_cols: list[OutColumn] = []
        if temporality == FIXED:
            selects, cols, links, removed = _value_columns(order, reqs, [], None)
            if _person_column(table) == "person_key":
                inner = f"(SELECT * FROM {ident(table)}) AS s"
            else:
                agg = ", ".join(f"max({ident(v.column or '')}) AS {ident(v.column or '')}" for _, v in reqs)
                inner = f"(SELECT pk AS person_key, {agg} FROM {_source(table)} AS q GROUP BY pk) AS s"
            body = ", ".join(["p.person_key AS pk", *selects])
            stage = f"SELECT {body} FROM pop p LEFT JOIN {inner} ON s.person_key = p.person_key"
            tab = OutTable(name, table, temporality, time_cols + cols, query(stage), links, removed)
        elif temporality == STATUS and "year" not in reqs[0][1].time_columns:
            var0 = reqs[0][1]
            start = ident(var0.time_columns.get("start", "valid_from"))
            stop = ident(var0.time_columns.get("stop", "valid_to"))
            dates = tuple(sorted({d for r, _ in reqs for d in r.dates}))
            selects, cols, links, removed = _value_columns(order, reqs, ["ref_date"], "ref_date")
            time_cols.append(
                OutColumn(
                    TIME_NAMES["date"], "order_date", "DATE", note_nb="Statusdato", note_en="Status date"
                )
            )
            stage = (
                f"SELECT pk, ref_date AS {TIME_NAMES['date']}, {', '.join(selects)} FROM ("
                f"SELECT s.*, v.ref_date, row_number() OVER (PARTITION BY s.pk, v.ref_date ORDER BY s.{start} DESC) AS rn_ "
                f"FROM {_source(table)} AS s JOIN {values_relation('ref_date', list(dates))} "
                f"ON s.{start} <= v.ref_date AND (s.{stop} IS NULL OR s.{stop} > v.ref_date)) AS z WHERE rn_ = 1"
            )
            tab = OutTable(
                name, table, temporality, time_cols + cols, query(stage), links, removed, dates=dates
            )
        elif temporality in (STATUS, ACCUMULATED):
            ycol = ident(reqs[0][1].time_columns.get("year", "year"))
            years = tuple(sorted({y for r, _ in reqs for y in r.years}))
            selects, cols, links, removed = _value_columns(order, reqs, ["year_"], "year_")
            time_cols.append(
                OutColumn(TIME_NAMES["year"], "order_year", "LONG", note_nb="År", note_en="Year")
            )
            aggs = []
            for _, v in reqs:
                fn = "sum" if temporality == ACCUMULATED and v.data_type in ("LONG", "DOUBLE") else "max"
                agg = f"{fn}({ident(v.column or '')})"
                if fn == "sum":
                    # Keep the register's type: SQL engines widen sums (DuckDB to a 128-bit integer).
                    agg = f"CAST({agg} AS {'BIGINT' if v.data_type == 'LONG' else 'DOUBLE'})"
                aggs.append(f"{agg} AS {ident(v.column or '')}")
            stage = (
                f"SELECT pk, CAST(year_ AS INTEGER) AS {TIME_NAMES['year']}, {', '.join(selects)} FROM ("
                f"SELECT pk, {ycol} AS year_, {', '.join(aggs)} FROM {_source(table)} AS s "
                f"WHERE {ycol} IN ({', '.join(_lit(y) for y in years)}) GROUP BY pk, {ycol}) AS z"
            )
            tab = OutTable(
                name, table, temporality, time_cols + cols, query(stage), links, removed, years=years
            )
        elif temporality == EVENT:
            periods = {r.period for r, _ in reqs}
            if len(periods) != 1:
                raise OrderError(
                    f"Variables from {table} must share one period; the order gives {len(periods)}."
                )
            period = periods.pop()
            assert period is not None
            var0 = reqs[0][1]
            start = ident(var0.time_columns.get("start", "start_date"))
            stop = ident(var0.time_columns.get("stop", "end_date"))
            a, b, b1 = _lit(period.start), _lit(period.end), _lit(period.end + timedelta(days=1))
            precision = order.output.event_dates
            exact_ok = precision == "exact" and all(r.exact_dates for r, _ in reqs)
            if precision == "exact" and not exact_ok:
                raise OrderError(
                    f"Exact event dates for {table} need exact_dates = true on each of its variables."
                )
            s_sql, s_type = _event_date("start_", precision)
            e_sql, e_type = _event_date("stop_", precision)
            time_cols.append(
                OutColumn(
                    TIME_NAMES["start"],
                    "event_date",
                    s_type,
                    note_nb="Start (klippet til perioden)",
                    note_en="Start (clipped to the period)",
                    exact_dates_allowed=exact_ok,
                )
            )
            time_cols.append(
                OutColumn(
                    TIME_NAMES["stop"],
                    "event_date",
                    e_type,
                    note_nb=f"Slutt, eksklusiv (klippet til {period.end + timedelta(days=1)})",
                    note_en=f"End, exclusive (clipped to {period.end + timedelta(days=1)})",
                    exact_dates_allowed=exact_ok,
                )
            )
            selects, cols, links, removed = _value_columns(order, reqs, [], None)
            job = table == "jobs" and "JOB" in order.pseudonymise.unit_types
            extra = ", job_id AS job_" if job else ""
            stage = (
                f"SELECT pk, {s_sql} AS {TIME_NAMES['start']}, {e_sql} AS {TIME_NAMES['stop']}, {', '.join(selects) or 'NULL AS none_'}{extra} FROM ("
                f"SELECT s.*, greatest(s.{start}, {a}) AS start_, least(coalesce(s.{stop}, {b1}), {b1}) AS stop_ "
                f"FROM {_source(table)} AS s WHERE s.{start} <= {b} AND (s.{stop} IS NULL OR s.{stop} > {a})) AS z"
            )
            tab = OutTable(
                name,
                table,
                temporality,
                time_cols + cols,
                query(stage),
                links,
                removed,
                job_column=job,
                period=(period.start, period.end),
            )
        else:
            raise AssertionError(temporality)
        out.append(tab)
    return out


def final_query(tab: OutTable) -> exp.Expression:
    """The delivered rows: running numbers instead of keys, ordered by running number (R-PSEUDO-1)."""
    items = [f"r.lopenr AS {NUMBER_COLUMN['PERSON']}"]
    joins = ["JOIN rn_PERSON r ON r.unit = x.pk"]
    if tab.job_column:
        items.append(f"j.lopenr AS {NUMBER_COLUMN['JOB']}")
        joins.append("LEFT JOIN rn_JOB j ON j.unit = x.job_")
    for i, col in enumerate(tab.columns):
        if col.kind == "link":
            alias = f"l{i}"
            joins.append(f"LEFT JOIN rn_{col.unit_type} {alias} ON {alias}.unit = x.{ident(col.name)}")
            items.append(f"{alias}.lopenr AS {ident(col.name)}")
        else:
            items.append(f"x.{ident(col.name)}")
    order_by = ", ".join(str(n) for n in range(1, len(items) + 1))
    return query(
        f"SELECT {', '.join(items)} FROM {ident(tab.stage_name)} AS x {' '.join(joins)} ORDER BY {order_by}"
    )


def delivered_columns(tab: OutTable) -> list[OutColumn]:
    first = [
        OutColumn(
            NUMBER_COLUMN["PERSON"],
            "number",
            "LONG",
            unit_type="PERSON",
            note_nb="Prosjektets løpenummer for personen",
            note_en="The project's running number of the person",
        )
    ]
    if tab.job_column:
        first.append(
            OutColumn(
                NUMBER_COLUMN["JOB"],
                "number",
                "LONG",
                unit_type="JOB",
                note_nb="Prosjektets løpenummer for arbeidsforholdet",
                note_en="The project's running number of the job",
            )
        )
    return first + tab.columns
