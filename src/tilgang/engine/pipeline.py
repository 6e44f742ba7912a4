"""Running an order: the Python API the portal's worker calls, and the CLI's engine.

``run_order`` prepares a delivery into a temporary sibling of ``out_dir`` and renames it into
place only when every step, the guard included, has passed: a folder at ``out_dir`` is always a
complete delivery. ``dry_run`` does the same up to the disclosure report and writes nothing.
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pyarrow as pa
from sqlglot import exp

from tilgang.engine import linkage as link
from tilgang.engine.backend import Backend, DuckDBBackend
from tilgang.engine.errors import (
    DiskFullError,
    EmptyPopulationError,
    EngineError,
    OutputExistsError,
    RegisterError,
    StorageError,
)
from tilgang.engine.extract import (
    OutColumn,
    OutTable,
    ambiguous_ids_query,
    delivered_columns,
    final_query,
    identity_query,
    numbered_population_query,
    person_link_domain,
    plan_tables,
    population_query,
)
from tilgang.engine.guard import GuardPolicy, GuardReport, scan_table
from tilgang.engine.metadata import Metadata, Variable
from tilgang.engine.order import Order, check_against_catalog, load_order
from tilgang.engine.running_numbers import bucketed_number_query, number_query, unit_keys
from tilgang.engine.schema import METADATA_FILE, TABLES
from tilgang.engine.seal import Sealed, derive, new_secret, office_key, seal, unseal
from tilgang.engine.sql import SOURCE_DIALECT, ident, literal, query
from tilgang.engine.storage import Location, location
from tilgang.engine.write import (
    SUFFIX,
    CodebookColumn,
    CodebookTable,
    check_name,
    codebook_json,
    manifest,
    write_codebooks,
    write_statistical,
)

Progress = Callable[[str, float], None]

# Step name and its share of a typical run's time, for one overall fraction.
STEPS: tuple[tuple[str, float], ...] = (
    ("check", 1),
    ("identity", 3),
    ("population", 4),
    ("extract", 25),
    ("disclosure", 2),
    ("running_numbers", 8),
    ("linkage", 4),
    ("write", 40),
    ("guard", 9),
    ("codebook", 2),
    ("manifest", 2),
)
DRY_STEPS = ("check", "identity", "population", "extract", "disclosure")


def engine_version() -> str:
    try:
        return version("tilgang")
    except PackageNotFoundError:
        return "unknown"


class _Tracker:
    def __init__(self, callback: Progress | None, steps: tuple[str, ...]) -> None:
        self.callback = callback
        weights = dict(STEPS)
        total = sum(weights[s] for s in steps)
        self.start: dict[str, float] = {}
        self.width: dict[str, float] = {}
        acc = 0.0
        for s in steps:
            self.start[s] = acc / total
            self.width[s] = weights[s] / total
            acc += weights[s]

    def __call__(self, step: str, within: float = 0.0) -> None:
        if self.callback:
            self.callback(step, min(1.0, self.start[step] + self.width[step] * within))

    def done(self) -> None:
        if self.callback:
            self.callback("done", 1.0)


@dataclass
class DisclosureReport:
    quasi_identifiers: list[str]
    k: int
    records: int = 0
    groups: int = 0
    unique_combinations: int = 0
    smallest_group: int = 0
    records_below_k: int = 0
    share_below_k: float = 0.0
    group_sizes_below_k: dict[int, int] = field(default_factory=dict)  # size → number of groups

    def lines(self) -> list[str]:
        if not self.quasi_identifiers:
            return ["No quasi-identifiers declared."]
        return [
            f"Quasi-identifiers: {', '.join(self.quasi_identifiers)} (k = {self.k})",
            f"Records: {self.records}, combinations: {self.groups}",
            f"Unique combinations: {self.unique_combinations}",
            f"Smallest group: {self.smallest_group}",
            f"Records in groups below k: {self.records_below_k} ({self.share_below_k:.2%})",
        ]


@dataclass
class PopulationReport:
    persons: int
    description_nb: str
    description_en: str
    supplied_ids: int = 0
    invalid_ids: int = 0
    unmatched_ids: int = 0


@dataclass
class LinkageReport:
    name: str
    owner: str
    rows: int
    delivered_rows: int
    invalid_ids: int
    missing_ids: int
    unmatched_ids: int  # valid IDs unknown to the registers
    outside_population: int  # known persons outside the project population
    ids_were_numbers: bool


@dataclass
class DryRunReport:
    project_id: str
    population: PopulationReport
    tables: dict[str, int]
    disclosure: DisclosureReport
    estimated_bytes: dict[str, int]
    not_delivered: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DeliveryResult:
    out_dir: Path
    delivery_dir: Path
    office_dir: Path
    population: PopulationReport
    tables: dict[str, int]
    disclosure: DisclosureReport
    guard: GuardReport
    linkage: list[LinkageReport]
    linkage_keys: dict[str, tuple[Path, str]]  # owner → (encrypted file, password to send by SMS)
    files: list[dict]  # the delivery manifest's entries
    sealed_randomness: dict[str, str]  # store with the project: later deliveries keep the numbers
    record_path: Path
    seconds: float
    not_delivered: list[str]


@dataclass
class _State:
    order: Order
    metadata: Metadata
    variables: dict[str, Variable]
    tables: list[OutTable]
    population: PopulationReport
    rows: dict[str, int]
    disclosure: DisclosureReport
    imports: list[tuple[OutTable, LinkageReport, pa.Table]] = field(default_factory=list)
    office_files: dict[str, str] = field(default_factory=dict)  # name → CSV text (reports with IDs)


def _as_order(order: Order | Path | str) -> Order:
    return order if isinstance(order, Order) else load_order(order)


def _attach_registers(backend: Backend, registers: Location) -> Metadata:
    hook = getattr(backend, "attach_registers", None)
    if hook is not None:  # the Spark backend reads local folders and URIs itself
        metadata: Metadata = hook(registers)
        return metadata
    if registers.local is None:
        raise StorageError(
            f"The embedded engine reads registers from a folder on this machine; {registers.uri} needs --engine spark."
        )
    registers_dir = registers.local
    if not (registers_dir / METADATA_FILE).is_file():
        raise RegisterError(f"{registers_dir} is not a register directory: {METADATA_FILE} is missing.")
    metadata = Metadata.load(registers_dir)
    for table in TABLES:
        folder = registers_dir / table
        if folder.is_dir() and any(folder.rglob("*.parquet")):
            backend.attach_table(table, str(folder / "**" / "*.parquet"))
    return metadata


def _require_tables(backend: Backend, registers: Location, names: set[str]) -> None:
    present = getattr(backend, "present_tables", None)
    if registers.local is not None:
        missing = sorted(n for n in names if not (registers.local / n).is_dir())
    else:
        missing = sorted(n for n in names if n not in (present or set()))
    registers_dir = str(registers)
    if missing:
        raise RegisterError(
            f"The register directory {registers_dir} lacks the table(s) {', '.join(missing)}."
        )


def _population(
    backend: Backend, state_order: Order, metadata: Metadata, office: dict[str, str]
) -> PopulationReport:
    pop = state_order.population
    report = PopulationReport(0, pop.describe("nb"), pop.describe("en"))
    id_rel = None
    if pop.kind == "id_list":
        assert pop.file is not None
        raw = link.read_table(pop.file, None, id_column=pop.id_column, encoding=pop.encoding)
        check = link.validate_ids(raw, pop.id_column, source=pop.file.name, keep_columns=False)
        backend.load_arrow("idlist", check.table)
        backend.materialise(
            "idlist_m",
            query(
                "SELECT l.national_id, i.person_key FROM idlist l LEFT JOIN idmap i ON i.national_id = l.national_id "
                "WHERE l.national_id IS NOT NULL"
            ),
        )
        unmatched = [
            r[0]
            for r in backend.fetch_rows(
                query("SELECT national_id FROM idlist_m WHERE person_key IS NULL ORDER BY 1")
            )
        ]
        report.supplied_ids = check.rows
        report.invalid_ids = len(check.invalid) + check.missing
        report.unmatched_ids = len(unmatched)
        # Reported, never silently dropped; the list holds IDs, so it stays at the office.
        office["population_unmatched_ids.csv"] = (
            "FNR;REASON\n"
            + "".join(f"{v};invalid\n" for v in check.invalid)
            + "".join(f"{v};not_in_register\n" for v in unmatched)
        )
        id_rel = "idlist_m"
    report.persons = backend.materialise("pop", population_query(pop, id_rel))
    if report.persons == 0:
        raise EmptyPopulationError(
            f"The population ({pop.describe('en')}) is empty in register version {metadata.register_version}. "
            "Check the dates, years and ID list in the order."
        )
    return report


def _import_tables(backend: Backend, order: Order) -> list[tuple[OutTable, LinkageReport, pa.Table]]:
    out = []
    for imp in order.linkage.imports:
        raw = link.read_table(
            imp.file, imp.format, id_column=imp.id_column, encoding=imp.encoding, delimiter=imp.delimiter
        )
        check = link.validate_ids(
            raw, imp.id_column, source=imp.file.name, max_invalid_share=imp.max_invalid_share
        )
        rel = f"imp_{imp.name.lower()}"
        backend.load_arrow(rel, check.table)
        value_cols = [c for c in check.table.column_names if c != link.ID_FIELD]
        cols_sql = "".join(f", t.{ident(c)}" for c in value_cols)
        stage = query(
            f"SELECT i.person_key AS pk, p.lopenr AS lopenr_{cols_sql} FROM {ident(rel)} t JOIN idmap i ON i.national_id = t.national_id "
            "JOIN pop p ON p.person_key = i.person_key"
        )
        counts = backend.fetch_rows(
            query(
                "SELECT count(*) FILTER (WHERE t.national_id IS NOT NULL AND i.person_key IS NULL), "
                "count(*) FILTER (WHERE i.person_key IS NOT NULL AND p.person_key IS NULL) "
                f"FROM {ident(rel)} t LEFT JOIN idmap i ON i.national_id = t.national_id LEFT JOIN pop p ON p.person_key = i.person_key"
            )
        )[0]
        exact = {check.renamed.get(c, c) for c in imp.exact_date_columns}
        columns = [
            OutColumn(
                name,
                "value",
                "IMPORTED",
                note_nb=f"Fra {imp.owner} ({orig})",
                note_en=f"From {imp.owner} ({orig})",
                exact_dates_allowed=name in exact,
            )
            for orig, name in check.renamed.items()
        ]
        tab = OutTable(imp.name, rel, "IMPORTED", columns, stage)
        report = LinkageReport(
            imp.name,
            imp.owner,
            check.rows,
            0,
            len(check.invalid),
            check.missing,
            int(counts[0] or 0),
            int(counts[1] or 0),
            check.padded,
        )
        out.append((tab, report, pa.table({"invalid": check.invalid})))
    return out


def _disclosure(
    backend: Backend, order: Order, variables: dict[str, Variable], tables: list[OutTable]
) -> DisclosureReport:
    qis = list(order.disclosure.quasi_identifiers)
    k = order.disclosure.k
    report = DisclosureReport(qis, k)
    if not qis:
        return report
    joins, items = [], []
    for n, qi in enumerate(qis):
        tab = next(t for t in tables if any(c.name == qi and c.variable is variables[qi] for c in t.columns))
        req = order.request(qi)
        where = ""
        if tab.dates:
            where = f" WHERE DATO = {literal(req.dates[0]).sql(SOURCE_DIALECT)}"
        elif tab.years:
            where = f" WHERE AAR = {int(req.years[0])}"
        joins.append(
            f"LEFT JOIN (SELECT pk, {ident(qi)} AS v FROM {ident(tab.stage_name)}{where}) AS q{n} ON q{n}.pk = p.person_key"
        )
        items.append(f"q{n}.v")
    group = ", ".join(items)
    sizes = f"SELECT count(*) AS n FROM pop p {' '.join(joins)} GROUP BY {group}"
    row = backend.fetch_rows(
        query(
            f"SELECT sum(n), count(*), sum(CASE WHEN n = 1 THEN 1 ELSE 0 END), min(n), sum(CASE WHEN n < {k} THEN n ELSE 0 END) FROM ({sizes}) AS g"
        )
    )[0]
    report.records, report.groups, report.unique_combinations = (
        int(row[0] or 0),
        int(row[1] or 0),
        int(row[2] or 0),
    )
    report.smallest_group, report.records_below_k = int(row[3] or 0), int(row[4] or 0)
    report.share_below_k = report.records_below_k / report.records if report.records else 0.0
    report.group_sizes_below_k = {
        int(n): int(c)
        for n, c in backend.fetch_rows(
            query(f"SELECT n, count(*) FROM ({sizes}) AS g WHERE n < {k} GROUP BY n ORDER BY n")
        )
    }
    return report


def _reused(tab: OutTable, order: Order) -> bool:
    """Whether a staged table is read more than once (running-number domains, disclosure)."""
    qis = set(order.disclosure.quasi_identifiers)
    return bool(
        any(unit != "PERSON" for unit in tab.links.values())  # persons are numbered from the sources
        or tab.job_column
        or (tab.unit_type != "PERSON" and tab.key_kind == "number")
        or any(c.name in qis for c in tab.columns)
    )


def _prepare(
    backend: Backend,
    order: Order,
    registers: Location,
    track: _Tracker,
    *,
    lazy: bool = False,
    secret: bytes | None = None,
) -> _State:
    """Check, identity, population, extraction and disclosure.

    With ``lazy`` a staged table read only once (by the writer) is defined as a view rather than
    materialised, so its rows pass through memory once; its count is taken from the written file.
    """
    track("check")
    metadata = _attach_registers(backend, registers)
    variables = check_against_catalog(order, metadata)
    tables = plan_tables(order, variables)
    needed = {"national_ids", "persons"} | {v.table for v in variables.values() if v.table}
    if order.population.kind in ("resident_at", "resident_during"):
        needed.add("residence")
    _require_tables(backend, registers, needed)
    track("identity")
    backend.materialise("idmap", identity_query())
    clash = backend.fetch_rows(ambiguous_ids_query())
    if clash:
        raise RegisterError(
            f"{len(clash)}+ national IDs belong to more than one person in the registers; the identity register must be corrected first."
        )
    track("population")
    office: dict[str, str] = {}
    population = _population(backend, order, metadata, office)
    if secret is not None:
        _number_persons(backend, order, variables, secret)
    track("extract")
    rows: dict[str, int] = {}
    for i, tab in enumerate(tables):
        if lazy and not _reused(tab, order):
            check_name(tab.name)
            backend.define(tab.stage_name, tab.stage)
        else:
            rows[check_name(tab.name)] = backend.materialise(tab.stage_name, tab.stage)
        track("extract", (i + 1) / (len(tables) + 1))
    imports = _import_tables(backend, order)
    for tab, rep, _ in imports:
        rows[check_name(tab.name)] = rep.delivered_rows = backend.materialise(tab.stage_name, tab.stage)
    track("disclosure")
    disclosure = _disclosure(backend, order, variables, tables)
    return _State(order, metadata, variables, tables, population, rows, disclosure, imports, office)


def _backend(
    memory_limit: str | None,
    threads: int | None,
    temp: Path | None,
    engine: str = "duckdb",
    spark: object | None = None,
    work_dir: Path | None = None,
    out: Location | None = None,
) -> Backend:
    if engine == "spark":
        from tilgang.engine.spark_backend import SparkOptions, open_spark_backend

        assert work_dir is not None and (spark is None or isinstance(spark, SparkOptions))
        return open_spark_backend(
            spark,
            work_dir,
            out_remote=bool(out and out.remote),
            out_uri=out.uri if out else None,
            memory_limit=memory_limit,
            threads=threads,
        )
    if engine != "duckdb":
        raise EngineError(f"Unknown engine {engine!r}: choose duckdb or spark.")
    return DuckDBBackend(memory_limit=memory_limit, threads=threads, temp_directory=temp)


def _stop(backend: Backend) -> None:
    stop = getattr(backend, "stop", None)
    try:
        (stop or backend.close)()
    except Exception:  # noqa: S110 - closing twice is harmless
        pass


def _estimate(backend: Backend, state: _State) -> dict[str, int]:
    csv_bytes = 0
    digits = len(str(max(state.population.persons, 1)))
    for tab in [t for t in state.tables] + [t for t, _, _ in state.imports]:
        cols = [c for c, _ in backend.columns(tab.stage_name) if c not in ("pk", "lopenr_")]
        if not cols:
            continue
        avg = ", ".join(f"coalesce(avg(length(CAST({ident(c)} AS VARCHAR))), 0)" for c in cols)
        sample = backend.fetch_rows(
            query(f"SELECT {avg} FROM (SELECT * FROM {ident(tab.stage_name)} LIMIT 10000) AS s")
        )[0]
        width = sum(float(v) for v in sample) + len(cols) + digits + 2
        csv_bytes += int(width * state.rows[tab.name])
    # Parquet with zstd typically takes a fifth to a third of the CSV; the upper end is shown.
    estimates = {"csv": csv_bytes, "parquet": csv_bytes // 3}
    return {fmt: estimates.get(fmt, csv_bytes) for fmt in state.order.output.formats}


def dry_run(
    order: Order | Path | str,
    registers_dir: Path | str,
    *,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    engine: str = "duckdb",
    spark: object | None = None,
) -> DryRunReport:
    """Counts, the disclosure report and the estimated output size; writes nothing."""
    order = _as_order(order)
    track = _Tracker(progress, DRY_STEPS)
    work = Path(tempfile.mkdtemp(prefix="tilgang-dry-")) if engine != "duckdb" else None
    try:
        backend = _backend(memory_limit, threads, None, engine, spark, work)
        try:
            state = _prepare(backend, order, _registers(registers_dir), track)
            estimate = _estimate(backend, state)
        finally:
            _stop(backend)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    track.done()
    removed = [r for t in state.tables for r in t.removed]
    return DryRunReport(order.project.id, state.population, state.rows, state.disclosure, estimate, removed)


def _registers(value: Path | str) -> Location:
    return location(value if isinstance(value, Path) else str(value))


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise OutputExistsError(
            f"The output folder {out_dir} already holds files (possibly an earlier delivery). Choose a new folder; "
            "an existing delivery is never overwritten."
        )


def _codebook_tables(state: _State, files: dict[str, list[str]]) -> list[CodebookTable]:
    out = []
    for tab in state.tables:
        cols = []
        for col in delivered_columns(tab):
            var = col.variable
            label_nb = var.label_nb if var else col.note_nb
            label_en = var.label_en if var else col.note_en
            codes: list[dict[str, str]] = []
            method = None
            if var is not None:
                minimise = state.order.request(var.name).minimise
                method = minimise.method if minimise else None
            keeps_codes = var is not None and var.codelist and method in (None, "small_municipality")
            if keeps_codes and var and var.codelist in state.metadata.codelists:
                codes = [
                    {"code": c.code, "label_nb": c.label_nb, "label_en": c.label_en}
                    for c in state.metadata.codelists[var.codelist].codes
                ]
            notes_nb = col.note_nb if var else ""
            notes_en = col.note_en if var else ""
            cols.append(
                CodebookColumn(col.name, label_nb, label_en, col.data_type, notes_nb, notes_en, codes)
            )
        desc = {
            "FIXED": ("Faste opplysninger", "Fixed values"),
            "STATUS": ("Status på gitte tidspunkt", "Status at given times"),
            "ACCUMULATED": ("Summert per år", "Accumulated per year"),
            "EVENT": ("Hendelser klippet til perioden", "Events clipped to the period"),
        }[tab.temporality]
        out.append(
            CodebookTable(
                tab.name,
                state.rows[tab.name],
                f"{desc[0]} fra {tab.source}",
                f"{desc[1]} from {tab.source}",
                cols,
                files.get(tab.name, []),
            )
        )
    for tab, rep, _ in state.imports:
        cols = [
            CodebookColumn(
                "LOPENR",
                "Prosjektets løpenummer for personen",
                "The project's running number of the person",
                "LONG",
            )
        ]
        cols += [CodebookColumn(c.name, c.note_nb, c.note_en, "as supplied") for c in tab.columns]
        out.append(
            CodebookTable(
                tab.name,
                state.rows[tab.name],
                f"Data fra {rep.owner}, koblet på kontoret",
                f"Data from {rep.owner}, linked at the office",
                cols,
                files.get(tab.name, []),
            )
        )
    return out


def run_order(
    order: Order | Path | str,
    registers_dir: Path | str,
    out_dir: Path | str,
    *,
    seal_key: str | bytes | None = None,
    seal_key_file: Path | None = None,
    sealed_randomness: dict[str, str] | None = None,
    progress: Progress | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    engine: str = "duckdb",
    spark: object | None = None,
) -> DeliveryResult:
    """Prepare the delivery of ``order`` into ``out_dir`` (which must not exist or be empty).

    ``sealed_randomness`` from an earlier run of the same project reproduces its running numbers
    (and, on the same registers, its files byte for byte); without it a new secret is drawn.
    """
    started = time.monotonic()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    order = _as_order(order)
    registers = _registers(registers_dir)
    out = location(out_dir if isinstance(out_dir, Path) else str(out_dir))
    if out.remote and engine != "spark":
        raise StorageError(
            f"The embedded engine writes to a folder on this machine; {out.uri} needs --engine spark."
        )
    key = office_key(seal_key, seal_key_file)
    context = f"tilgang/project/{order.project.id}"
    if sealed_randomness is not None:
        secret = unseal(Sealed.from_dict(sealed_randomness), key, context)
    else:
        secret = new_secret()
    sealed = seal(secret, key, context)
    if out.local is not None:
        out_dir = out.local
        _check_out_dir(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = out_dir.parent / f".{out_dir.name}.partial-{secrets.token_hex(4)}"
    else:  # prepared here, published to the URI when complete (docs/spark.md)
        out_dir = Path(tempfile.mkdtemp(prefix="tilgang-delivery-"))
        tmp = out_dir / "partial"
    delivery, office, keys_dir, staging = tmp / "delivery", tmp / "office", tmp / "linkage", tmp / ".staging"
    for d in (delivery / "data", office, staging):
        d.mkdir(parents=True)
    track = _Tracker(progress, tuple(s for s, _ in STEPS))
    try:
        backend = _backend(memory_limit, threads, tmp / ".spill", engine, spark, staging / "spark", out)
    except BaseException:
        shutil.rmtree(tmp if out.local is not None else out_dir, ignore_errors=True)
        raise
    try:
        if out.remote:
            from tilgang.engine.spark_backend import HadoopStore

            store = HadoopStore(backend.spark)  # type: ignore[attr-defined]
            if not store.is_empty_or_missing(out.uri):
                raise OutputExistsError(
                    f"The output {out.uri} already holds files (possibly an earlier delivery). Choose a new "
                    "location; an existing delivery is never overwritten."
                )
        state = _prepare(backend, order, registers, track, lazy=True, secret=secret)

        track("running_numbers")
        _running_numbers(backend, state, secret)

        track("linkage")
        linkage_keys: dict[str, tuple[Path, str]] = {}
        if order.linkage.export:
            keys_dir.mkdir()
            key_rows = [
                (str(a), int(b))
                for a, b in backend.fetch_rows(
                    query(
                        "SELECT i.national_id, r.lopenr FROM idmap i JOIN pop p ON p.person_key = i.person_key "
                        "JOIN rn_PERSON r ON r.unit = i.person_key ORDER BY 2, 1"
                    )
                )
            ]
            for exp_ in order.linkage.export:
                password = base64.urlsafe_b64encode(
                    derive(secret, f"linkage-key-password/{exp_.owner}")[:18]
                ).decode()
                path = keys_dir / f"linkage_key_{link.delivered_name(exp_.owner, set()).lower()}.7z"
                link.write_linkage_key(key_rows, path, password, exp_.owner)
                linkage_keys[exp_.owner] = (out_dir / "linkage" / path.name, password)
        for _, rep, invalid in state.imports:
            state.office_files[f"linkage_{rep.name.lower()}_invalid_ids.csv"] = "VALUE\n" + "".join(
                f"{v}\n" for v in invalid.column(0).to_pylist()
            )

        track("write")
        written: dict[str, list[str]] = {}
        canon: dict[str, tuple[str, Path]] = {}
        all_tables = [(t, delivered_columns(t)) for t in state.tables] + [
            (t, [OutColumn("LOPENR", "number", "LONG", unit_type="PERSON"), *t.columns])
            for t, _, _ in state.imports
        ]
        formats = order.output.formats
        for i, (tab, _cols) in enumerate(all_tables):
            name = check_name(tab.name)
            path = (delivery / "data" if "parquet" in formats else staging) / f"{name}.parquet"
            backend.write_parquet(final_query(tab), path)
            rel = f"f_{name.lower()}"
            backend.attach_table(rel, str(path))
            canon[name] = (rel, path)
            if name not in state.rows:  # a lazily staged table: counted as written
                state.rows[name] = int(backend.fetch_rows(query(f"SELECT count(*) FROM {ident(rel)}"))[0][0])
            track("write", (i + 1) / (2 * len(all_tables)))
        state.rows = {tab.name: state.rows[tab.name] for tab, _ in all_tables}

        track("guard")
        guard = GuardReport()
        policy = GuardPolicy(
            allow_grunndata=order.output.allow_grunndata,
            order_dates=tuple(d for v in order.variables for d in v.dates),
            person_keys_sparse=_sparse_keys(backend),
        )
        for tab, cols in all_tables:
            rel, _ = canon[tab.name]
            scan_table(backend, rel, tab.name, cols, policy, guard)
        if not guard.passed:
            from tilgang.engine.errors import GuardError

            raise GuardError("The release guard stopped the delivery: " + "; ".join(guard.findings))

        track("write", 0.5)
        for tab, _cols in all_tables:
            rel, _ = canon[tab.name]
            files = []
            for fmt in formats:
                target = delivery / "data" / f"{tab.name}{SUFFIX[fmt]}"
                if fmt == "csv":
                    backend.write_csv(query(f"SELECT * FROM {ident(rel)}"), target)
                elif fmt != "parquet":
                    write_statistical(backend, rel, target, fmt)
                files.append(f"data/{target.name}")
            written[tab.name] = files

        track("codebook")
        removed = [r for t in state.tables for r in t.removed]
        pop_words = {"nb": state.population.description_nb, "en": state.population.description_en}
        book = codebook_json(
            order.project.id,
            order.project.title,
            pop_words,
            state.population.persons,
            _codebook_tables(state, written),
            removed,
        )
        write_codebooks(delivery, book, order.output.codebook_pdf)

        track("manifest")
        backend.close()
        delivery_manifest = manifest(delivery, order.project.id, engine_version())
        (delivery / "MANIFEST.json").write_text(json.dumps(delivery_manifest, indent=1), encoding="utf-8")
        for name, text in state.office_files.items():
            (office / name).write_text(text, encoding="utf-8")
        (office / "disclosure.json").write_text(
            json.dumps(asdict(state.disclosure), indent=1), encoding="utf-8"
        )
        order_json = json.dumps(order.to_toml_dict(), sort_keys=True, default=str)
        record = {
            "project": order.project.id,
            "order": json.loads(order_json),
            "order_sha256": hashlib.sha256(order_json.encode()).hexdigest(),
            "register_version": state.metadata.register_version,
            "registers_dir": str(registers.local.resolve()) if registers.local else registers.uri,
            "engine_version": engine_version(),
            "backend": backend.name,
            # Only the sealed form: the secret itself is never written (R-PSEUDO-5).
            "sealed_randomness": sealed.to_dict(),
            "started_at": started_at,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "population": asdict(state.population),
            "tables": state.rows,
            "disclosure": asdict(state.disclosure),
            "guard": asdict(guard),
            "linkage": [asdict(r) for _, r, _ in state.imports],
            "linkage_keys": {
                owner: {"file": p.name, "deleted_by_recipient_at": None}
                for owner, (p, _) in linkage_keys.items()
            },
            "delivery_manifest_sha256": hashlib.sha256((delivery / "MANIFEST.json").read_bytes()).hexdigest(),
        }
        (office / "run_record.json").write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(tmp / ".spill", ignore_errors=True)
        if out.remote:
            store.publish(tmp, out.uri)
        else:
            if out_dir.exists():
                out_dir.rmdir()  # empty, checked above
            os.replace(tmp, out_dir)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if error.errno == errno.ENOSPC:
            raise DiskFullError(
                "The disk filled up while writing the delivery; nothing was delivered. Free space and run again."
            ) from error
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _stop(backend)
        if out.remote:
            shutil.rmtree(out_dir, ignore_errors=True)
    track.done()
    return DeliveryResult(
        out_dir=out_dir,
        delivery_dir=out_dir / "delivery",
        office_dir=out_dir / "office",
        population=state.population,
        tables=state.rows,
        disclosure=state.disclosure,
        guard=guard,
        linkage=[r for _, r, _ in state.imports],
        linkage_keys=linkage_keys,
        files=delivery_manifest["files"],
        sealed_randomness=sealed.to_dict(),
        record_path=out_dir / "office" / "run_record.json",
        seconds=time.monotonic() - started,
        not_delivered=removed,
    )


def _sparse_keys(backend: Backend) -> bool:
    n, lo, hi = backend.fetch_rows(query("SELECT count(*), min(person_key), max(person_key) FROM persons"))[0]
    return bool(n) and (int(hi) - int(lo) + 1) > 1000 * int(n)


def _number_persons(backend: Backend, order: Order, variables: dict[str, Variable], secret: bytes) -> None:
    """Running numbers of the persons, drawn right after the population: the population and every
    person its links name (R-PSEUDO-1). ``pop`` then carries each person's number."""
    links = person_link_domain(order, variables)
    units = " UNION ALL ".join(
        ["SELECT person_key AS unit FROM pop", *(t.sql(SOURCE_DIALECT) for t in links)]
    )
    if links:
        backend.materialise("units_PERSON", query(units))
    else:
        backend.define("units_PERSON", query(units))
    backend.materialise(
        "rn_PERSON", _number_query(backend, "units_PERSON", secret, order.project.id, "PERSON")
    )
    backend.materialise("pop", numbered_population_query())


def _running_numbers(backend: Backend, state: _State, secret: bytes) -> None:
    """One number key per unit type, shared by every table (R-PSEUDO-1); persons are numbered
    already (``_number_persons``)."""
    domains: dict[str, list[str]] = {}
    for tab in state.tables:
        if tab.unit_type != "PERSON" and tab.key_kind == "number":
            domains.setdefault(tab.unit_type, []).append(f"SELECT pk AS unit FROM {ident(tab.stage_name)}")
        for col in tab.columns:
            if col.kind == "link" and col.unit_type and col.unit_type != "PERSON":
                domains.setdefault(col.unit_type, []).append(
                    f"SELECT {ident(col.name)} AS unit FROM {ident(tab.stage_name)}"
                )
        if tab.job_column:
            domains.setdefault("JOB", []).append(f"SELECT job_ AS unit FROM {ident(tab.stage_name)}")
    for unit_type, parts in domains.items():
        backend.materialise(f"units_{unit_type}", query(" UNION ALL ".join(parts)))
        backend.materialise(
            f"rn_{unit_type}",
            _number_query(backend, f"units_{unit_type}", secret, state.order.project.id, unit_type),
        )


def _number_query(
    backend: Backend, units: str, secret: bytes, project_id: str, unit_type: str
) -> exp.Expression:
    """``number_query`` on the embedded engine; on a backend that binds the keys as a relation
    (Spark), the bucketed form of the same numbers (no window over all units, no keys in SQL)."""
    bind = getattr(backend, "bind_keys", None)
    if bind is None:
        return number_query(units, secret, project_id, unit_type)
    k_in, k_out = unit_keys(secret, project_id, unit_type)
    return bucketed_number_query(units, bind(f"keys_{unit_type}", k_in, k_out))


def reproduce(
    record_path: Path | str,
    registers_dir: Path | str,
    out_dir: Path | str,
    *,
    seal_key: str | bytes | None = None,
    seal_key_file: Path | None = None,
    progress: Progress | None = None,
    engine: str = "duckdb",
    spark: object | None = None,
) -> DeliveryResult:
    """Run the order of an earlier delivery again with its sealed randomness (complaint handling)."""
    from tilgang.engine.order import parse_order

    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    order = parse_order(record["order"])
    reg = _registers(registers_dir)
    owned = None
    if reg.local is not None:
        metadata = Metadata.load(reg.local)
    else:
        from tilgang.engine.spark_backend import SparkOptions, start_session

        opts = spark if isinstance(spark, SparkOptions) else SparkOptions()
        session, started = start_session(opts)
        owned = session if started else None
        spark = SparkOptions(opts.master, opts.conf, opts.scratch, session, opts.app_name)
        rows = session.read.text(reg.child(METADATA_FILE), wholetext=True).collect()
        metadata = Metadata.from_dict(json.loads(rows[0][0]))
    if metadata.register_version != record["register_version"]:
        raise EngineError(
            f"The delivery was made from register version {record['register_version']}; {registers_dir} holds "
            f"{metadata.register_version}. Reproduce against the register version of the delivery."
        )
    try:
        return run_order(
            order,
            registers_dir,
            out_dir,
            seal_key=seal_key,
            seal_key_file=seal_key_file,
            sealed_randomness=record["sealed_randomness"],
            progress=progress,
            engine=engine,
            spark=spark,
        )
    finally:
        if owned is not None:
            owned.stop()
