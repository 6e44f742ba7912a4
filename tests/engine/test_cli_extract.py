"""``tilgang extract`` from the command line, with the example orders on the synthetic registers."""

import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from tilgang.engine import cli_extract
from tilgang.engine.seal import new_office_key

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "orders").glob("*.toml"))
EXAMPLE = EXAMPLES[[p.name for p in EXAMPLES].index("resident_2020_work_and_health.toml")]


def app() -> typer.Typer:
    a = typer.Typer()
    a.command("extract")(cli_extract.extract)
    a.command("noop")(lambda: None)  # keeps "extract" a sub-command as in the real CLI
    return a


def test_dry_run_prints_counts_disclosure_and_size(synthetic_registers: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app(), ["extract", "--order", str(EXAMPLE), "--registers", str(synthetic_registers), "--dry-run"]
    )
    assert r.exit_code == 0, r.output
    assert "Population" in r.output and "Unique combinations" in r.output and "Estimated size" in r.output
    assert "BENEFITS_AAP" in r.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_orders_run_on_the_synthetic_registers(
    example: Path, synthetic_registers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TILGANG_SEAL_KEY", new_office_key())
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app(),
        ["extract", "--order", str(example), "--registers", str(synthetic_registers), "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert (out / "delivery" / "MANIFEST.json").exists() and (out / "office" / "run_record.json").exists()
    data = out / "delivery" / "data"
    tables = {p.stem: pq.read_table(p) for p in data.glob("*.parquet")}
    assert tables and all(t.num_rows > 0 for name, t in tables.items() if name != "NAV_TILTAK")
    # Every ordered variable is a delivered column.
    ordered = {v["name"] for v in tomllib.loads(example.read_text())["variables"]}
    assert ordered <= {c for t in tables.values() for c in t.column_names}


def test_run_and_refuse_second_run(synthetic_registers: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TILGANG_SEAL_KEY", new_office_key())
    args = [
        "extract",
        "--order",
        str(EXAMPLE),
        "--registers",
        str(synthetic_registers),
        "--out",
        str(tmp_path / "out"),
    ]
    r = CliRunner().invoke(app(), args)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "delivery" / "MANIFEST.json").exists()
    again = CliRunner().invoke(app(), args)
    assert again.exit_code == 2 and "already holds" in again.output
