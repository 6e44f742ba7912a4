"""``tilgang extract``: run an order from the command line, with progress bars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tilgang.engine.errors import EngineError
from tilgang.engine.pipeline import dry_run, reproduce, run_order
from tilgang.engine.seal import new_office_key

console = Console(stderr=True)


def _human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def extract(
    order: Annotated[Path | None, typer.Option("--order", help="Order file (TOML).")] = None,
    registers: Annotated[
        str,
        typer.Option(
            "--registers", help="Register directory: a path, file://, or (Spark) s3a:// or hdfs:// URI."
        ),
    ] = "registers",
    out: Annotated[
        str | None,
        typer.Option("--out", help="Output folder (path or, with Spark, a URI); must not hold a delivery."),
    ] = None,
    dry: Annotated[
        bool, typer.Option("--dry-run", help="Counts, disclosure report and size only; writes nothing.")
    ] = False,
    reproduce_record: Annotated[
        Path | None,
        typer.Option("--reproduce", help="run_record.json of an earlier delivery to re-run exactly."),
    ] = None,
    seal_key_file: Annotated[
        Path | None, typer.Option("--seal-key-file", help="Office key file (else TILGANG_SEAL_KEY).")
    ] = None,
    randomness: Annotated[
        Path | None,
        typer.Option(
            "--project-randomness",
            help="run_record.json of an earlier delivery to the same project: keep its running numbers.",
        ),
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option("--memory-limit", help="e.g. 4GB; spills to disk beyond it.")
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads")] = None,
    keygen: Annotated[bool, typer.Option("--new-seal-key", help="Print a new office key and exit.")] = False,
    engine: Annotated[
        str, typer.Option("--engine", help="duckdb (embedded, default) or spark (docs/spark.md).")
    ] = "duckdb",
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master", help="local[*] (default), spark://…, yarn, k8s://… or sc://… (Connect)."
        ),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(
            "--spark-conf", help="KEY=VALUE Spark setting, repeatable (e.g. spark.driver.memory=8g)."
        ),
    ] = None,
    spark_scratch: Annotated[
        str | None,
        typer.Option("--spark-scratch", help="URI for intermediate files every executor reaches (clusters)."),
    ] = None,
) -> None:
    """Prepare the delivery of an order: population, extraction, minimisation, running numbers, files."""
    if keygen:
        typer.echo(new_office_key())
        return
    if order is None and reproduce_record is None:
        raise typer.BadParameter("--order is required (or --reproduce RECORD)")
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("--engine is duckdb or spark")
    spark = None
    if engine == "spark":
        from tilgang.engine.spark_backend import SparkOptions

        conf = {}
        for item in spark_conf or []:
            k, sep, v = item.partition("=")
            if not sep or not k.strip():
                raise typer.BadParameter(f"--spark-conf {item!r}: expected KEY=VALUE")
            conf[k.strip()] = v.strip()
        spark = SparkOptions(master=spark_master, conf=conf, scratch=spark_scratch)
    elif spark_master or spark_conf or spark_scratch:
        raise typer.BadParameter("--spark-master, --spark-conf and --spark-scratch need --engine spark")
    try:
        with Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("check", total=1.0)

            def progress(step: str, fraction: float) -> None:
                bar.update(task, description=step, completed=fraction)

            if dry:
                assert order is not None
                report = dry_run(
                    order,
                    registers,
                    progress=progress,
                    memory_limit=memory_limit,
                    threads=threads,
                    engine=engine,
                    spark=spark,
                )
            elif reproduce_record is not None:
                if out is None:
                    raise typer.BadParameter("--out is required")
                result = reproduce(
                    reproduce_record,
                    registers,
                    out,
                    seal_key_file=seal_key_file,
                    progress=progress,
                    engine=engine,
                    spark=spark,
                )
            else:
                if out is None:
                    raise typer.BadParameter("--out is required")
                assert order is not None
                sealed = None
                if randomness is not None:
                    sealed = json.loads(randomness.read_text(encoding="utf-8"))["sealed_randomness"]
                result = run_order(
                    order,
                    registers,
                    out,
                    seal_key_file=seal_key_file,
                    sealed_randomness=sealed,
                    progress=progress,
                    memory_limit=memory_limit,
                    threads=threads,
                    engine=engine,
                    spark=spark,
                )
    except EngineError as error:
        console.print(f"[bold red]Stopped:[/] {error}")
        raise typer.Exit(code=2) from None

    out_console = Console()
    if dry:
        table = Table(title=f"Dry run: {report.project_id}")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, rows in report.tables.items():
            table.add_row(name, str(rows))
        out_console.print(
            f"Population: {report.population.description_en}: {report.population.persons} persons"
        )
        if report.population.supplied_ids:
            out_console.print(
                f"  supplied IDs {report.population.supplied_ids}, invalid {report.population.invalid_ids}, "
                f"not in the registers {report.population.unmatched_ids}"
            )
        out_console.print(table)
        for line in report.disclosure.lines():
            out_console.print(line)
        for fmt, size in report.estimated_bytes.items():
            out_console.print(f"Estimated size, {fmt}: about {_human(size)}")
        for note in report.not_delivered:
            out_console.print(f"Not delivered: {note}")
        return
    out_console.print(
        f"Delivered to {result.delivery_dir} in {result.seconds:.1f} s: population {result.population.persons}"
    )
    for name, rows in result.tables.items():
        out_console.print(f"  {name}: {rows} rows")
    for line in result.disclosure.lines():
        out_console.print(line)
    for rep in result.linkage:
        out_console.print(
            f"Linked {rep.name} from {rep.owner}: {rep.delivered_rows} of {rep.rows} rows; invalid IDs "
            f"{rep.invalid_ids}, not in registers {rep.unmatched_ids}, outside population {rep.outside_population}"
        )
    for owner, (path, password) in result.linkage_keys.items():
        out_console.print(f"Linkage key for {owner}: {path} (send the password by SMS: {password})")
    out_console.print(f"Run record (sealed randomness): {result.record_path}")
