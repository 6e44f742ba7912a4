"""``tilgang extract`` from the command line."""

from pathlib import Path

import typer
from typer.testing import CliRunner

from tilgang.engine import cli_extract
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import small_scenario, write_registers

EXAMPLE = Path(__file__).parents[2] / "examples" / "orders" / "resident_2013_income.toml"


def app() -> typer.Typer:
    a = typer.Typer()
    a.command("extract")(cli_extract.extract)
    a.command("noop")(lambda: None)  # keeps "extract" a sub-command as in the real CLI
    return a


def test_dry_run_prints_counts_disclosure_and_size(tmp_path: Path) -> None:
    reg = write_registers(tmp_path / "reg", small_scenario())
    r = CliRunner().invoke(app(), ["extract", "--order", str(EXAMPLE), "--registers", str(reg), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "Population" in r.output and "Unique combinations" in r.output and "Estimated size" in r.output
    assert not (tmp_path / "out").exists()


def test_run_and_refuse_second_run(tmp_path: Path, monkeypatch) -> None:
    reg = write_registers(tmp_path / "reg", small_scenario())
    monkeypatch.setenv("TILGANG_SEAL_KEY", new_office_key())
    args = ["extract", "--order", str(EXAMPLE), "--registers", str(reg), "--out", str(tmp_path / "out")]
    r = CliRunner().invoke(app(), args)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "delivery" / "MANIFEST.json").exists()
    again = CliRunner().invoke(app(), args)
    assert again.exit_code == 2 and "already holds" in again.output
