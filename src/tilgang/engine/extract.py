"""Identity, population and extraction: the relational core of an order.

Everything here produces sqlglot trees (DuckDB dialect) that a ``Backend`` materialises or defines
as views. Engine relations: ``idmap`` (national_id → person_key), ``pop`` (person_key and, once
drawn, the person's running number ``lopenr``), ``x_<table>_<temporality>[_<filter>]`` (one staged
table per delivered table: ``pk``, ``lopenr_``, time columns, minimised values, raw link columns;
for enterprise/establishment tables ``pk`` is the organisation number). The catalog's row filters
and derivations are applied here (``_row_filter``, ``derived_value``).
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pyarrow as pa
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
    ("jobs", "national_id"): "PERSON",  # the employee of a job (a JOB variable)
    ("jobs", "employer_orgnr"): "ESTABLISHMENT",
    ("establishments", "enterprise_orgnr"): "ENTERPRISE",
}
ORGNR_COLUMN = "ORGNR"  # grunndata key of enterprise/establishment tables (R-DATA-8)
TIME_NAMES = {"date": "DATO", "year": "AAR", "start": "START", "stop": "SLUTT"}


def _lit(value: object) -> str:
    return literal(value).sql(SOURCE_DIALECT)


def identity_query() -> exp.Expression:
    """Every national ID a person has had (fødselsnummer, D-numbers, replaced numbers) → person_key.

    One row per national ID; ``other_key`` differs from ``person_key`` when the ID names two persons.
    """
    return query(
        "SELECT national_id, min(person_key) AS person_key, max(person_key) AS other_key FROM national_ids "
        "WHERE national_id IS NOT NULL GROUP BY national_id"
    )


def ambiguous_ids_query() -> exp.Expression:
    return query("SELECT national_id FROM idmap WHERE other_key <> person_key LIMIT 5")


def population_query(pop: Population, id_list_relation: str | None = None) -> exp.Expression:
    """``person_key`` of every person in the population (distinct), and an empty ``lopenr``."""
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
    # ``lopenr`` is filled by ``numbered_population_query`` once the running numbers are drawn.
    return query(f"SELECT person_key, CAST(NULL AS BIGINT) AS lopenr FROM ({sql}) AS q")


def numbered_population_query() -> exp.Expression:
    """``pop`` with each person's running number, so every staged table carries it (``lopenr_``)
    from the join with ``pop`` that selects its rows anyway, and writing needs no further join."""
    return query("SELECT p.person_key, r.lopenr FROM pop p JOIN rn_PERSON r ON r.unit = p.person_key")


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
    # The unit of a row: PERSON (``pk`` is the person key), or ENTERPRISE/ESTABLISHMENT (``pk`` is
    # the organisation number, delivered as the unit's running number or, as grunndata, as is).
    unit_type: str = "PERSON"
    key_kind: str = "number"  # number | grunndata (unit tables only)
    variant: str = ""  # the row filter's values, for tables that share one register table

    @property
    def stage_name(self) -> str:
        base = f"x_{self.source}_{self.temporality.lower()}"
        return f"{base}_{self.variant.lower()}" if self.variant else base


def _key_column(var: Variable) -> str:
    """The column of ``var.table`` that identifies the person a row belongs to."""
    assert var.table is not None
    names = set(TABLES[var.table].names)
    if var.unit_column in ("national_id", "person_key") and var.unit_column in names:
        return var.unit_column
    return _person_column(var.table)


def _person_column(table: str) -> str:
    names = set(TABLES[table].names)
    if "national_id" in names:
        return "national_id"
    if "person_key" in names:
        return "person_key"
    raise OrderError(f"Register table {table} is not keyed by person; it cannot be extracted for persons.")


def _row_filter(var: Variable, t: str = "t") -> list[str]:
    """The catalog's row filter of ``var`` (column = value) as SQL conditions on alias ``t``."""
    assert var.table is not None
    names = set(TABLES[var.table].names)
    conditions = []
    for column, value in sorted(var.row_filter.items()):
        if column not in names:
            raise OrderError(
                f"Variable {var.name} selects rows by {column}, which table {var.table} does not have."
            )
        conditions.append(f"{t}.{ident(column)} = {_lit(value)}")
    return conditions


def _source(var: Variable) -> str:
    """Rows of the variable's table (its row filter applied) for the population, with the person key ``pk``."""
    assert var.table is not None
    table, col = var.table, _key_column(var)
    where = " AND ".join(_row_filter(var))
    where = f" WHERE {where}" if where else ""
    if col == "person_key":
        return (
            f"(SELECT t.*, t.person_key AS pk, p.lopenr AS lopenr_ FROM {ident(table)} t "
            f"JOIN pop p ON p.person_key = t.person_key{where})"
        )
    return (
        f"(SELECT t.*, i.person_key AS pk, p.lopenr AS lopenr_ FROM {ident(table)} t "
        f"JOIN idmap i ON i.national_id = t.{ident(col)} JOIN pop p ON p.person_key = i.person_key{where})"
    )


_POSITIONAL = re.compile(r"^(prefix|char):([1-9][0-9]?)$")
# Number of children per parent: persons whose mother_key or father_key is the parent's key.
_CHILDREN = (
    "(SELECT parent_, CAST(count(*) AS BIGINT) AS n_ FROM (SELECT mother_key AS parent_ FROM persons "
    "UNION ALL SELECT father_key AS parent_ FROM persons) AS u WHERE parent_ IS NOT NULL GROUP BY parent_)"
)


def derived_value(var: Variable, t: str = "t") -> str:
    """The variable's value as an SQL expression over one source row (alias ``t``, with ``pk``).

    Applies the catalog's ``derivation``: ``year`` of a date, ``prefix:N`` / ``char:N`` of a code,
    ``count_children`` (needs the ``ch_`` relation joined, see ``_CHILDREN``). A national ID that
    names a person (the employee of a job) becomes that person's key, later their running number.
    """
    assert var.table is not None and var.column is not None
    schema = TABLES[var.table]
    if var.column not in schema.names:
        raise OrderError(f"Variable {var.name}: table {var.table} has no column {var.column}.")
    col = f"{t}.{ident(var.column)}"
    if var.column == "national_id" and LINKS.get((var.table, var.column)) == "PERSON":
        return f"{t}.pk"
    source_type = schema.field(var.column).type
    d = var.derivation
    if not d:
        return col
    if d == "year":
        if not pa.types.is_date(source_type):
            raise OrderError(f"Variable {var.name}: derivation 'year' needs a date column, not {var.column}.")
        return f"CAST(year({col}) AS BIGINT)"
    m = _POSITIONAL.match(d)
    if m:
        if not pa.types.is_string(source_type):
            raise OrderError(f"Variable {var.name}: derivation {d!r} needs a code (text) column.")
        n = int(m.group(2))
        return f"substring({col}, 1, {n})" if m.group(1) == "prefix" else f"substring({col}, {n}, 1)"
    if d == "count_children":
        if var.table != "persons" or var.temporality != FIXED:
            raise OrderError(f"Variable {var.name}: count_children is defined on the persons table only.")
        return "coalesce(ch_.n_, 0)"
    raise OrderError(f"Variable {var.name}: the catalog's derivation {d!r} is unknown to this engine.")


def _raw(reqs: list[tuple[VariableRequest, Variable]], agg: str | None = None, temporality: str = "") -> str:
    """``<value> AS "<VARIABLE>"`` for every variable, aggregated when ``agg`` is given."""
    items = []
    for _, v in reqs:
        value = derived_value(v)
        if agg is not None:
            fn = "sum" if temporality == ACCUMULATED and v.data_type in ("LONG", "DOUBLE") else agg
            value = f"{fn}({value})"
            if fn == "sum":
                # Keep the register's type: SQL engines widen sums (DuckDB to a 128-bit integer).
                value = f"CAST({value} AS {'BIGINT' if v.data_type == 'LONG' else 'DOUBLE'})"
        items.append(f"{value} AS {ident(v.name)}")
    return ", ".join(items)


def _value_columns(
    order: Order, reqs: list[tuple[VariableRequest, Variable]], partition: list[str], time_filter: str | None
) -> tuple[list[str], list[OutColumn], dict[str, str], list[str]]:
    """SELECT items and delivered columns for the variables of one staged table.

    The inner query has already put each variable's raw (derived) value under the variable's name.
    """
    selects: list[str] = []
    cols: list[OutColumn] = []
    links: dict[str, str] = {}
    removed: list[str] = []
    for req, var in reqs:
        assert var.column is not None and var.table is not None
        src = ident(var.name)
        target = LINKS.get((var.table, var.column)) if not var.derivation else None
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


def _slug(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").upper() or "X"


def _unit_table(
    order: Order,
    name: str,
    table: str,
    temporality: str,
    reqs: list[tuple[VariableRequest, Variable]],
    variant: str,
) -> OutTable:
    """A table of enterprises or establishments (grunndata, DOMAIN R-DATA-8), one row per unit.

    Rows are every unit of the register's snapshot, keyed by the unit's running number (the same
    number its links carry in the person tables, R-PSEUDO-1) or, when the order allows grunndata,
    by the organisation number itself.
    """
    units = {v.unit_type for _, v in reqs}
    if len(units) != 1:
        raise OrderError(f"Table {table} mixes variables about {', '.join(sorted(units))}; order them apart.")
    unit = units.pop()
    if temporality != FIXED:
        raise OrderError(f"Variables about {unit.lower()}s are delivered as fixed values only.")
    key = reqs[0][1].unit_column
    if key not in TABLES[table].names:
        raise OrderError(f"Register table {table} has no unit column {key}.")
    if order.output.allow_grunndata:
        key_kind = "grunndata"
    elif unit in order.pseudonymise.unit_types:
        key_kind = "number"
    else:
        raise OrderError(
            f"Variables about {unit.lower()}s need either running numbers for {unit} "
            "([pseudonymise] unit_types) or organisation numbers as grunndata "
            "([output] allow_grunndata, DOMAIN R-DATA-8)."
        )
    selects, cols, links, removed = _value_columns(order, reqs, [], None)
    where = " AND ".join([f"t.{ident(key)} IS NOT NULL", *_row_filter(reqs[0][1])])
    stage = (
        f"SELECT pk, {', '.join(selects) or 'NULL AS none_'} FROM (SELECT t.{ident(key)} AS pk, "
        f"{_raw(reqs, 'max')} FROM {ident(table)} t WHERE {where} GROUP BY t.{ident(key)}) AS z"
    )
    return OutTable(
        name,
        table,
        temporality,
        cols,
        query(stage),
        links,
        removed,
        unit_type=unit,
        key_kind=key_kind,
        variant=variant,
    )


def plan_tables(order: Order, variables: dict[str, Variable]) -> list[OutTable]:
    if "PERSON" not in order.pseudonymise.unit_types:
        raise OrderError("Person orders need running numbers for PERSON (DOMAIN R-PSEUDO-1).")
    # One delivered table per register table, temporality and row filter (one benefit of the
    # shared FD-Trygd table is one table, as in FD-Trygd itself).
    groups: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[tuple[VariableRequest, Variable]]] = {}
    for req in order.variables:
        var = variables[req.name]
        assert var.table is not None
        if var.table not in TABLES:
            raise OrderError(
                f"Variable {var.name} lives in table {var.table}, which the engine does not know."
            )
        key = (var.table, var.temporality, tuple(sorted(var.row_filter.items())))
        groups.setdefault(key, []).append((req, var))
    out: list[OutTable] = []
    for (table, temporality, filt), reqs in groups.items():
        variant = "_".join(_slug(v) for _, v in filt)
        base = f"{table}_{variant}" if variant else table
        shared = sum(1 for t, _, f in groups if t == table and f == filt) > 1
        name = (f"{base}_{temporality}" if shared else base).upper()
        if {v.unit_type for _, v in reqs} & {"ENTERPRISE", "ESTABLISHMENT"}:
            out.append(_unit_table(order, name, table, temporality, reqs, variant))
            continue
        var0 = reqs[0][1]
        time_cols: list[OutColumn] = []
        if temporality == FIXED:
            selects, cols, links, removed = _value_columns(order, reqs, [], None)
            if _key_column(var0) == "person_key":
                children = any(v.derivation == "count_children" for _, v in reqs)
                join = f" LEFT JOIN {_CHILDREN} AS ch_ ON ch_.parent_ = t.person_key" if children else ""
                where = " AND ".join(_row_filter(var0))
                where = f" WHERE {where}" if where else ""
                inner = f"(SELECT t.person_key, {_raw(reqs)} FROM {ident(table)} t{join}{where}) AS s"
            else:
                inner = f"(SELECT t.pk AS person_key, {_raw(reqs, 'max')} FROM {_source(var0)} AS t GROUP BY t.pk) AS s"
            body = ", ".join(["p.person_key AS pk", "p.lopenr AS lopenr_", *selects])
            stage = f"SELECT {body} FROM pop p LEFT JOIN {inner} ON s.person_key = p.person_key"
            tab = OutTable(
                name, table, temporality, time_cols + cols, query(stage), links, removed, variant=variant
            )
        elif temporality == STATUS and "year" not in var0.time_columns:
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
                f"SELECT pk, lopenr_, ref_date AS {TIME_NAMES['date']}, {', '.join(selects)} FROM ("
                f"SELECT t.pk, t.lopenr_, v.ref_date, {_raw(reqs)}, row_number() OVER (PARTITION BY t.pk, v.ref_date "
                f"ORDER BY t.{start} DESC) AS rn_ FROM {_source(var0)} AS t JOIN {values_relation('ref_date', list(dates))} "
                f"ON t.{start} <= v.ref_date AND (t.{stop} IS NULL OR t.{stop} > v.ref_date)) AS z WHERE rn_ = 1"
            )
            tab = OutTable(
                name,
                table,
                temporality,
                time_cols + cols,
                query(stage),
                links,
                removed,
                dates=dates,
                variant=variant,
            )
        elif temporality in (STATUS, ACCUMULATED):
            ycol = ident(var0.time_columns.get("year", "year"))
            years = tuple(sorted({y for r, _ in reqs for y in r.years}))
            selects, cols, links, removed = _value_columns(order, reqs, ["year_"], "year_")
            time_cols.append(
                OutColumn(TIME_NAMES["year"], "order_year", "LONG", note_nb="År", note_en="Year")
            )
            stage = (
                f"SELECT pk, lopenr_, CAST(year_ AS INTEGER) AS {TIME_NAMES['year']}, {', '.join(selects)} FROM ("
                f"SELECT t.pk, max(t.lopenr_) AS lopenr_, t.{ycol} AS year_, {_raw(reqs, 'max', temporality)} FROM {_source(var0)} AS t "
                f"WHERE t.{ycol} IN ({', '.join(_lit(y) for y in years)}) GROUP BY t.pk, t.{ycol}) AS z"
            )
            tab = OutTable(
                name,
                table,
                temporality,
                time_cols + cols,
                query(stage),
                links,
                removed,
                years=years,
                variant=variant,
            )
        elif temporality == EVENT:
            periods = {r.period for r, _ in reqs}
            if len(periods) != 1:
                raise OrderError(
                    f"Variables of table {name} must share one period; the order gives {len(periods)}."
                )
            period = periods.pop()
            assert period is not None
            start = ident(var0.time_columns.get("start", "start_date"))
            stop = ident(var0.time_columns.get("stop", "end_date"))
            a, b, b1 = _lit(period.start), _lit(period.end), _lit(period.end + timedelta(days=1))
            precision = order.output.event_dates
            exact_ok = precision == "exact" and all(r.exact_dates for r, _ in reqs)
            if precision == "exact" and not exact_ok:
                raise OrderError(
                    f"Exact event dates for {name} need exact_dates = true on each of its variables."
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
            stage = (
                f"SELECT pk, lopenr_, {s_sql} AS {TIME_NAMES['start']}, {e_sql} AS {TIME_NAMES['stop']}, "
                f"{', '.join(selects) or 'NULL AS none_'}{', job_' if job else ''} FROM ("
                f"SELECT t.pk, t.lopenr_, {_raw(reqs)}{', t.job_id AS job_' if job else ''}, "
                f"greatest(t.{start}, {a}) AS start_, least(coalesce(t.{stop}, {b1}), {b1}) AS stop_ "
                f"FROM {_source(var0)} AS t WHERE t.{start} <= {b} AND (t.{stop} IS NULL OR t.{stop} > {a})) AS z"
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
                variant=variant,
            )
        else:
            raise AssertionError(temporality)
        out.append(tab)
    return out


def person_link_domain(order: Order, variables: dict[str, Variable]) -> list[exp.Expression]:
    """Persons the ordered PERSON links point at (mothers, fathers), read from the sources, so that
    the persons' running numbers can be drawn before extraction over every person the delivery
    names (DOMAIN R-PSEUDO-1: one number per person in every table)."""
    if order.pseudonymise.links != "number":
        return []
    out = []
    for req in order.variables:
        var = variables[req.name]
        if var.table is None or var.column is None or var.derivation:
            continue
        if LINKS.get((var.table, var.column)) == "PERSON" and var.column != "national_id":
            out.append(query(f"SELECT {derived_value(var)} AS unit FROM {_source(var)} AS t"))
    return out


def final_query(tab: OutTable) -> exp.Expression:
    """The delivered rows: running numbers instead of keys, ordered by running number (R-PSEUDO-1)."""
    where = ""
    joins: list[str] = []
    if tab.unit_type == "PERSON":
        # The number came with the population (``lopenr_``), so no join is needed; like a join,
        # the filter keeps a row without a number from going out bare.
        items = [f"x.lopenr_ AS {NUMBER_COLUMN['PERSON']}"]
        where = " WHERE x.lopenr_ IS NOT NULL"
    elif tab.key_kind == "number":
        items = [f"r.lopenr AS {NUMBER_COLUMN[tab.unit_type]}"]
        joins = [f"JOIN rn_{tab.unit_type} r ON r.unit = x.pk"]
    else:
        items = [f"x.pk AS {ORGNR_COLUMN}"]
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
        f"SELECT {', '.join(items)} FROM {ident(tab.stage_name)} AS x {' '.join(joins)}{where} ORDER BY {order_by}"
    )


_UNIT_WORDS = {
    "PERSON": ("personen", "person"),
    "ENTERPRISE": ("foretaket", "enterprise"),
    "ESTABLISHMENT": ("virksomheten", "establishment"),
}


def delivered_columns(tab: OutTable) -> list[OutColumn]:
    nb, en = _UNIT_WORDS[tab.unit_type]
    if tab.unit_type != "PERSON" and tab.key_kind == "grunndata":
        first = [
            OutColumn(
                ORGNR_COLUMN,
                "grunndata",
                "STRING",
                unit_type=tab.unit_type,
                note_nb=f"Organisasjonsnummeret til {nb} (grunndata)",
                note_en=f"The {en}'s organisation number (basic data)",
            )
        ]
    else:
        first = [
            OutColumn(
                NUMBER_COLUMN[tab.unit_type],
                "number",
                "LONG",
                unit_type=tab.unit_type,
                note_nb=f"Prosjektets løpenummer for {nb}",
                note_en=f"The project's running number of the {en}",
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
