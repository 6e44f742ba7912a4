import json
from pathlib import Path

import pytest
from microdata_tools import validate_dataset
from typer.testing import CliRunner

from tilgang.engine.cli_registers import app
from tilgang.engine.metadata import Metadata
from tilgang.engine.microdata import ExportError, export_variable

# One variable of every temporality and unit type, plus code lists, derivations and row filters.
VARIABLES = [
    "BEFOLKNING_KJOENN",  # FIXED, person_key unit mapped to the national ID
    "BEFOLKNING_FOEDSELSAAR",  # derived: year of a date
    "BEFOLKNING_KOMMNR_FAKTISK",  # STATUS from intervals, code list
    "BEFOLKNING_FYLKESNR",  # derived: prefix
    "NUDB_BU",  # STATUS per year
    "INNTEKT_WLONN",  # ACCUMULATED
    "ARBEIDSFORHOLD_MND_LONN",  # EVENT, unit JOB
    "REGSYS_ARB_ARBGIVER",  # EVENT per person with parallel jobs: overlaps trimmed
    "FDTRYGD_SYKP_DIAGNOSE",  # EVENT, row filter, art. 9 health
    "FDTRYGD_ALDER_BELOP",
    "FAMILIE_ANTALL_BARN",  # derived count
    "VIRK_FORETAK_SEKTOR",  # ENTERPRISE unit
    "VIRK_BEDRIFT_ANSATTE",  # ESTABLISHMENT unit
]


def _validate(out: Path, name: str, tmp_path: Path) -> list[str]:
    work = tmp_path / f"work-{name}"
    work.mkdir()
    return validate_dataset(name, input_directory=str(out), working_directory=str(work))


@pytest.mark.parametrize("name", VARIABLES)
def test_export_is_accepted_by_microdata_tools(synthetic_registers: Path, tmp_path: Path, name: str) -> None:
    csv_path, json_path, rows = export_variable(synthetic_registers, name, tmp_path / "out")
    assert rows > 0
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == rows and all(line.count(";") == 4 and line.endswith(";") for line in lines)
    meta = json.loads(json_path.read_text(encoding="utf-8"))
    variable = Metadata.load(synthetic_registers).variable(name)
    assert meta["temporalityType"] == variable.temporality
    assert _validate(tmp_path / "out", name, tmp_path) == []


def test_every_deliverable_variable_exports(synthetic_registers: Path, tmp_path: Path) -> None:
    metadata = Metadata.load(synthetic_registers)
    exported = 0
    for variable in metadata.variables:
        if variable.table is None:
            with pytest.raises(ExportError):
                export_variable(synthetic_registers, variable.name, tmp_path)
            continue
        export_variable(synthetic_registers, variable.name, tmp_path / "all")
        exported += 1
    assert exported >= 60


def test_row_shapes_by_temporality(synthetic_registers: Path, tmp_path: Path) -> None:
    fixed = export_variable(synthetic_registers, "BEFOLKNING_KJOENN", tmp_path)[0].read_text().splitlines()
    assert all(line.split(";")[2:] == ["", "", ""] for line in fixed)
    status = export_variable(synthetic_registers, "NUDB_BU", tmp_path)[0].read_text().splitlines()
    assert all(
        line.split(";")[2] == line.split(";")[3] and line.split(";")[2].endswith("-10-01") for line in status
    )
    acc = export_variable(synthetic_registers, "INNTEKT_WLONN", tmp_path)[0].read_text().splitlines()
    assert all(
        line.split(";")[2].endswith("-01-01") and line.split(";")[3].endswith("-12-31") for line in acc
    )


def test_health_register_and_unknown_variables_are_refused(synthetic_registers: Path, tmp_path: Path) -> None:
    # DOMAIN R-DATA-1: central health register variables are never delivered.
    with pytest.raises(ExportError, match="metadata only"):
        export_variable(synthetic_registers, "NPR_HOVEDDIAGNOSE", tmp_path)
    with pytest.raises(ExportError, match="unknown"):
        export_variable(synthetic_registers, "NO_SUCH_VARIABLE", tmp_path)


def test_validator_catches_a_broken_export(synthetic_registers: Path, tmp_path: Path) -> None:
    csv_path, _, _ = export_variable(synthetic_registers, "BEFOLKNING_KJOENN", tmp_path / "out")
    lines = csv_path.read_text().splitlines()
    unit = lines[0].split(";")[0]
    csv_path.write_text(
        "\n".join([*lines, f"{unit};9;;;"]) + "\n"
    )  # duplicate unit, value not in the code list
    assert _validate(tmp_path / "out", "BEFOLKNING_KJOENN", tmp_path) != []


def test_cli(synthetic_registers: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "export-microdata",
            "--registers",
            str(synthetic_registers),
            "--variable",
            "INNTEKT_SKATT",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "INNTEKT_SKATT" / "INNTEKT_SKATT.csv").exists()
    result = runner.invoke(
        app,
        [
            "export-microdata",
            "--registers",
            str(synthetic_registers),
            "--variable",
            "NPR_INNDATO",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    out = tmp_path / "cli-synth"
    result = runner.invoke(app, ["synth", "--persons", "500", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert Metadata.load(out).persons == 500
