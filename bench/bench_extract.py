"""Benchmark the data preparation engine against plain DuckDB SQL doing only the raw work.

    uv run python bench/bench_extract.py                      # 50,000 persons, about a minute
    uv run python bench/bench_extract.py --persons 5500000    # national scale

The order (``ORDER`` below): persons resident on 1 January 2020, 14 variables from 5 registers
(population, education, income, a-ordningen jobs and the FD-Trygd benefit table, three benefits out
of it), an age group, running numbers on persons, Parquet output. The baseline reads the same
columns, makes the same joins, filters and final sort and writes the same Parquet files in plain
DuckDB SQL; it skips what only the engine does (running numbers, guard, codebooks, manifest, run
record). Each measurement runs in its own process, so peak RSS is that run's own. A third run limits
the engine to ``--limited`` memory (DuckDB spills to disk) and must complete.

Registers are generated on demand into ``--cache``/registers-<persons> and reused when present.
Prints JSON lines: name, seconds, baseline_seconds, ratio, peak_rss_mb, rows (and step timings).
Below 1M persons engine and baseline run three times, alternating, and the best of each is kept.
"""
# ruff: noqa: S608 - the baseline's SQL is built from constants in this file.

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATE = "2020-01-01"
YEAR = 2019
PERIOD = ("2019-01-01", "2019-12-31")
BENEFITS = ("SYKP", "AAP", "ALDER")

ORDER = (
    f"""
[project]
id = "BENCH-NATIONAL"
title = "Benchmark: national order"

[population]
kind = "resident_at"
date = {DATE}

[[variables]]
name = "BEFOLKNING_KJOENN"

[[variables]]
name = "BEFOLKNING_FOEDSELSDATO"
minimise = {{ method = "age_group", reference_date = {DATE}, width = 10 }}

[[variables]]
name = "BEFOLKNING_FODELAND"

[[variables]]
name = "BEFOLKNING_INVKAT"

[[variables]]
name = "BEFOLKNING_KOMMNR_FAKTISK"
dates = [{DATE}]

[[variables]]
name = "NUDB_BU"
years = [{YEAR}]

[[variables]]
name = "INNTEKT_WLONN"
years = [{YEAR}]

[[variables]]
name = "INNTEKT_SAMINNT"
years = [{YEAR}]

[[variables]]
name = "INNTEKT_SKATT"
years = [{YEAR}]

[[variables]]
name = "REGSYS_ARB_MND_LONN"
period = {{ start = {PERIOD[0]}, end = {PERIOD[1]} }}

[[variables]]
name = "REGSYS_ARB_ARBTID"
period = {{ start = {PERIOD[0]}, end = {PERIOD[1]} }}
"""
    + "".join(
        f"""
[[variables]]
name = "FDTRYGD_{code}_BELOP"
period = {{ start = {PERIOD[0]}, end = {PERIOD[1]} }}
"""
        for code in BENEFITS
    )
    + """
[pseudonymise]
unit_types = ["PERSON"]

[output]
formats = ["parquet"]
event_dates = "month"
"""
)


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ru_maxrss on Linux carries the parent's peak across exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def ensure_registers(cache: Path, persons: int, seed: int) -> Path:
    target = cache / f"registers-{persons}"
    if (target / "metadata.json").is_file():
        return target
    from tilgang.engine.synth.generate import generate

    tmp = cache / f".registers-{persons}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    generate(tmp, persons=persons, seed=seed)
    os.replace(tmp, target)
    return target


def _month(col: str) -> str:
    return f"CAST(year({col}) AS VARCHAR) || '-' || lpad(CAST(month({col}) AS VARCHAR), 2, '0')"


def baseline_tables(reg: Path) -> dict[str, str]:
    """Each delivered table as plain DuckDB SQL over the register files, ordered as delivered."""
    a, b = PERIOD
    b1 = f"(DATE '{b}' + INTERVAL 1 DAY)::DATE"

    def event(source: str, values: str, where: str = "") -> str:
        return (
            f"SELECT pk, {_month('start_')} AS START, {_month('stop_')} AS SLUTT, {values} FROM ("
            f"SELECT i.person_key AS pk, t.*, greatest(t.start_date, DATE '{a}') AS start_, "
            f"least(coalesce(t.end_date, {b1}), {b1}) AS stop_ FROM {source} t "
            "JOIN idmap i ON i.national_id = t.national_id JOIN pop p ON p.person_key = i.person_key "
            f"WHERE t.start_date <= DATE '{b}' AND (t.end_date IS NULL OR t.end_date > DATE '{a}'){where}) z "
            "ORDER BY ALL"
        )

    age = (
        f"year(DATE '{DATE}') - year(s.birth_date) - CASE WHEN strftime(s.birth_date, '%m-%d') > "
        f"strftime(DATE '{DATE}', '%m-%d') THEN 1 ELSE 0 END"
    )
    tables = {
        "PERSONS": (
            f"SELECT p.person_key AS pk, s.sex, CAST(10 * floor(({age}) / 10) AS INTEGER) AS age_group, "
            "s.country_of_birth, s.immigrant_category FROM pop p LEFT JOIN persons s ON s.person_key = p.person_key "
            "ORDER BY ALL"
        ),
        "RESIDENCE": (
            f"SELECT pk, DATE '{DATE}' AS DATO, municipality FROM (SELECT i.person_key AS pk, r.municipality, "
            "row_number() OVER (PARTITION BY i.person_key ORDER BY r.valid_from DESC) AS rn FROM residence r "
            "JOIN idmap i ON i.national_id = r.national_id JOIN pop p ON p.person_key = i.person_key "
            f"WHERE r.valid_from <= DATE '{DATE}' AND (r.valid_to IS NULL OR r.valid_to > DATE '{DATE}')) z "
            "WHERE rn = 1 ORDER BY ALL"
        ),
        "EDUCATION": (
            f"SELECT i.person_key AS pk, e.year AS AAR, max(e.nus2000) AS nus2000 FROM education e "
            "JOIN idmap i ON i.national_id = e.national_id JOIN pop p ON p.person_key = i.person_key "
            f"WHERE e.year = {YEAR} GROUP BY ALL ORDER BY ALL"
        ),
        "INCOME": (
            "SELECT i.person_key AS pk, n.year AS AAR, sum(n.wage_income)::BIGINT, sum(n.total_income)::BIGINT, "
            "sum(n.assessed_tax)::BIGINT FROM income n JOIN idmap i ON i.national_id = n.national_id "
            f"JOIN pop p ON p.person_key = i.person_key WHERE n.year = {YEAR} GROUP BY ALL ORDER BY ALL"
        ),
        "JOBS": event("jobs", "monthly_pay, weekly_hours"),
    }
    for code in BENEFITS:
        tables[f"BENEFITS_{code}"] = event("benefits", "amount", f" AND t.benefit_type = '{code}'")
    return tables


def _path_literal(path: str | Path) -> str:
    """A file path as an SQL string literal (quotes escaped): DuckDB takes COPY targets and globs only as
    literals, so they cannot be bound parameters."""
    from tilgang.engine.sql import SOURCE_DIALECT, literal

    return literal(str(path)).sql(SOURCE_DIALECT)


def run_baseline(reg: Path, out: Path, memory_limit: str | None) -> dict:
    import duckdb

    out.mkdir(parents=True)
    start = time.perf_counter()
    config = {"memory_limit": memory_limit} if memory_limit else {}
    con = duckdb.connect(":memory:", config=config)
    for table in ("persons", "national_ids", "residence", "education", "income", "jobs", "benefits"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM "
            f"read_parquet({_path_literal(f'{reg / table}/**/*.parquet')}, hive_partitioning = true)"
        )
    con.execute("CREATE TABLE idmap AS SELECT DISTINCT national_id, person_key FROM national_ids")
    con.execute(
        "CREATE TABLE pop AS SELECT DISTINCT i.person_key FROM residence r JOIN idmap i ON i.national_id = r.national_id "
        f"JOIN persons s ON s.person_key = i.person_key WHERE r.valid_from <= DATE '{DATE}' AND "
        f"(r.valid_to IS NULL OR r.valid_to > DATE '{DATE}') AND (s.death_date IS NULL OR s.death_date > DATE '{DATE}') "
        f"AND s.birth_date <= DATE '{DATE}'"
    )
    rows = {}
    for name, sql in baseline_tables(reg).items():
        path = out / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO {_path_literal(path)} (FORMAT parquet, COMPRESSION zstd)")
        rows[name] = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]  # type: ignore[index]
    con.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def run_engine(reg: Path, out: Path, memory_limit: str | None) -> dict:
    from tilgang.engine.pipeline import run_order
    from tilgang.engine.seal import new_office_key

    order = out.parent / "bench_order.toml"
    order.write_text(ORDER, encoding="utf-8")
    steps: dict[str, float] = {}
    last = [None, time.perf_counter()]

    def progress(step: str, _fraction: float) -> None:
        now = time.perf_counter()
        if last[0] is not None:
            steps[str(last[0])] = steps.get(str(last[0]), 0.0) + now - float(last[1])  # type: ignore[arg-type]
        last[0], last[1] = step, now

    start = time.perf_counter()
    result = run_order(
        order, reg, out, seal_key=new_office_key(), progress=progress, memory_limit=memory_limit
    )
    seconds = time.perf_counter() - start
    assert result.guard.passed
    return {"seconds": seconds, "rows": result.tables, "steps": {k: round(v, 2) for k, v in steps.items()}}


def child(kind: str, reg: Path, out: Path, memory_limit: str | None) -> dict:
    """Run one measurement in a fresh process; its peak RSS is its own."""
    cmd = [sys.executable, __file__, "--child", kind, "--registers", str(reg), "--out", str(out)]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--limited", default="4GB", help="memory limit of the second engine run")
    parser.add_argument(
        "--memory-limit", default=None, help="memory limit of the main runs (default: DuckDB's)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of engine and baseline, best kept (default 3, 1 from 1M persons)",
    )
    parser.add_argument("--child", choices=("engine", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--registers", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run = run_engine if args.child == "engine" else run_baseline
        result = run(args.registers, args.out, args.memory_limit)
        result["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(json.dumps(result), flush=True)
        return

    reg = ensure_registers(args.cache, args.persons, args.seed)
    work = args.cache / f"work-{args.persons}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        name = f"extract.persons_{args.persons}"
        repeat = args.repeat or (3 if args.persons < 1_000_000 else 1)
        engines, bases = [], []
        for _ in range(repeat):  # alternating, so load from other work on the machine hits both
            engines.append(child("engine", reg, work / "engine", args.memory_limit))
            shutil.rmtree(work / "engine")
            bases.append(child("baseline", reg, work / "baseline", args.memory_limit))
            shutil.rmtree(work / "baseline")
        engine = min(engines, key=lambda r: r["seconds"])
        base = min(bases, key=lambda r: r["seconds"])
        if engine["rows"] != base["rows"]:
            raise SystemExit(f"engine and baseline disagree on rows: {engine['rows']} vs {base['rows']}")
        rows = sum(engine["rows"].values())
        print(
            json.dumps(
                {
                    "name": name,
                    "seconds": round(engine["seconds"], 2),
                    "baseline_seconds": round(base["seconds"], 2),
                    "ratio": round(engine["seconds"] / base["seconds"], 2),
                    "peak_rss_mb": engine["peak_rss_mb"],
                    "baseline_peak_rss_mb": base["peak_rss_mb"],
                    "rows": rows,
                    "runs": repeat,
                    "tables": engine["rows"],
                    "steps": engine["steps"],
                }
            ),
            flush=True,
        )
        limited = child("engine", reg, work / "limited", args.limited)
        shutil.rmtree(work / "limited")
        print(
            json.dumps(
                {
                    "name": f"{name}.memory_limit_{args.limited}",
                    "seconds": round(limited["seconds"], 2),
                    "baseline_seconds": round(base["seconds"], 2),
                    "ratio": round(limited["seconds"] / base["seconds"], 2),
                    "peak_rss_mb": limited["peak_rss_mb"],
                    "rows": sum(limited["rows"].values()),
                    "completed": limited["rows"] == engine["rows"],
                    "steps": limited["steps"],
                }
            ),
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
