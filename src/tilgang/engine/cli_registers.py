"""``tilgang registers``: generate synthetic registers and export variables for microdata.no."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from tilgang.engine.synth.generate import DEFAULT_PERSONS, generate

app = typer.Typer(help="Synthetic registers and their catalog metadata.", no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Register directory to write (replaced if it exists).")],
    persons: Annotated[
        int, typer.Option("--persons", min=100, help="Persons ever registered in 2000-2025.")
    ] = DEFAULT_PERSONS,
    seed: Annotated[int, typer.Option("--seed", help="Same seed and persons give byte-identical files.")] = 1,
) -> None:
    """Generate every register table as Parquet, plus metadata.json."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("persons", total=persons)

        def report(what: str, done: int) -> None:
            progress.update(task, description=what, completed=done)

        rows = generate(out, persons=persons, seed=seed, progress=report)
    for table, count in sorted(rows.items()):
        console.print(f"{table:16} {count:>14,} rows")
    console.print(f"wrote {out}")


@app.command("export-microdata")
def export_microdata(
    registers: Annotated[
        Path, typer.Option("--registers", exists=True, file_okay=False, help="Register directory.")
    ],
    variable: Annotated[str, typer.Option("--variable", help="Variable name from metadata.json.")],
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write NAME/NAME.csv and NAME/NAME.json into.")
    ],
) -> None:
    """Export one variable as a microdata.no dataset (NAME.csv and NAME.json)."""
    from tilgang.engine.microdata import ExportError, export_variable

    try:
        csv_path, json_path, rows = export_variable(registers, variable, out)
    except ExportError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"{rows:,} rows: {csv_path} and {json_path}")
