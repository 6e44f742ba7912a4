"""Real code lists shipped as CSV files (UTF-8). Each file opens with ``#`` lines naming its source.

Loaded here for the generator and the catalog metadata; the files are the single source of truth.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from tilgang.engine.metadata import Code, CodeList

NAMES = (
    "municipalities",
    "counties",
    "countries",
    "sex",
    "immigrant_categories",
    "nus2000",
    "nus2000_levels",
    "nus2000_fields",
    "nace_sections",
    "nace_divisions",
    "nace_subclasses",
    "sectors",
    "benefit_types",
    "icd10_chapters",
)


def _text(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.csv").read_text(encoding="utf-8")


@cache
def source(name: str) -> str:
    """The header comment of a code list file: where the codes come from."""
    lines = [line[1:].strip() for line in _text(name).splitlines() if line.startswith("#")]
    return " ".join(lines)


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a code list file as dicts keyed by its header (all values strings)."""
    body = "\n".join(line for line in _text(name).splitlines() if not line.startswith("#"))
    return tuple(dict(row) for row in csv.DictReader(io.StringIO(body)))


@cache
def codelist(name: str) -> CodeList:
    codes = tuple(
        Code(
            code=row["code"],
            label_nb=row["name_nb"],
            label_en=row["name_en"],
            valid_from=row.get("valid_from") or None,
            valid_to=row.get("valid_to") or None,
        )
        for row in rows(name)
    )
    return CodeList(name=name, source=source(name), codes=codes)
