"""Delivery files: data in the requested formats, the codebook (bokmål and English, HTML and
JSON, optionally PDF) and the manifest with the SHA-256 of every file."""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tilgang.engine.backend import Backend
from tilgang.engine.errors import DiskFullError, OrderError
from tilgang.engine.order import NAME_RE
from tilgang.engine.sql import ident, query

SUFFIX = {"parquet": ".parquet", "csv": ".csv", "sas": ".xpt", "stata": ".dta", "spss": ".sav"}


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise OrderError(f"Delivered name {name!r} is not 1-32 characters from A-Z, 0-9 and _.")
    return name


@dataclass
class CodebookColumn:
    name: str
    label_nb: str
    label_en: str
    data_type: str
    notes_nb: str = ""
    notes_en: str = ""
    codes: list[dict[str, str]] = field(default_factory=list)


@dataclass
class CodebookTable:
    name: str
    rows: int
    description_nb: str
    description_en: str
    columns: list[CodebookColumn]
    files: list[str] = field(default_factory=list)


def write_statistical(backend: Backend, relation: str, path: Path, fmt: str) -> None:
    """SAS transport, Stata or SPSS through pyreadstat (on request; held in memory)."""
    import polars as pl
    import pyreadstat

    frame = pl.from_arrow(backend.fetch_arrow(query(f"SELECT * FROM {ident(relation)}")))
    assert isinstance(frame, pl.DataFrame)
    try:
        if fmt == "sas":
            pyreadstat.write_xport(frame, str(path), file_format_version=8, table_name=path.stem[:32])
        elif fmt == "stata":
            pyreadstat.write_dta(frame, str(path), version=15)
        else:
            pyreadstat.write_sav(frame, str(path))
    except OSError as error:
        if error.errno == 28:
            raise DiskFullError(
                f"The disk filled up while writing {path.name}; nothing was delivered."
            ) from error
        raise
    pin_file_time(path, fmt)


# The creation time the writers put in the file header, and the fixed time it is replaced with,
# so a reproduced delivery is byte for byte the delivered one (the run record keeps the real time).
_HEADER_TIMES = {
    "sas": (re.compile(rb"\d\d[A-Z]{3}\d\d:\d\d:\d\d:\d\d"), b"01JAN00:00:00:00"),
    "stata": (re.compile(rb"(?<=<timestamp>\x11)\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d"), b"01 Jan 2000 00:00"),
    "spss": (re.compile(rb"\d\d [A-Z][a-z]{2} \d\d\d\d:\d\d:\d\d"), b"01 Jan 0000:00:00"),
}
_HEADER_BYTES = 1024


def pin_file_time(path: Path, fmt: str) -> None:
    """Replace the creation time in the header of a SAS transport, Stata or SPSS file."""
    pattern, fixed = _HEADER_TIMES[fmt]
    with path.open("r+b") as fh:
        head = fh.read(_HEADER_BYTES)
        pinned = pattern.sub(fixed, head)
        if pinned != head:
            assert len(pinned) == len(head)
            fh.seek(0)
            fh.write(pinned)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def manifest(root: Path, project_id: str, engine_version: str) -> dict:
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "MANIFEST.json"):
        files.append(
            {
                "path": path.relative_to(root).as_posix(),
                "bytes": path.stat().st_size,
                "sha256": sha256_file(path),
            }
        )
    return {"project": project_id, "engine_version": engine_version, "files": files}


_TEXT = {
    "nb": {
        "title": "Kodebok",
        "project": "Prosjekt",
        "population": "Populasjon",
        "persons": "Personer i populasjonen",
        "tables": "Tabeller",
        "rows": "Rader",
        "name": "Navn",
        "label": "Beskrivelse",
        "type": "Type",
        "notes": "Minimering og merknader",
        "codes": "Kodeliste",
        "files": "Filer",
        "running": (
            "Direkte identifikatorer er erstattet av prosjektspesifikke løpenummer (LOPENR). Samme enhet har "
            "samme løpenummer i alle tabeller i prosjektet. Radene er sortert etter løpenummer. Løpenumrene "
            "kan ikke kobles til løpenummer i andre prosjekter."
        ),
        "removed": "Variabler som ikke er levert",
    },
    "en": {
        "title": "Codebook",
        "project": "Project",
        "population": "Population",
        "persons": "Persons in the population",
        "tables": "Tables",
        "rows": "Rows",
        "name": "Name",
        "label": "Label",
        "type": "Type",
        "notes": "Minimisation and notes",
        "codes": "Code list",
        "files": "Files",
        "running": (
            "Direct identifiers are replaced by project-specific running numbers (LOPENR). The same unit has "
            "the same running number in every table of the project. Rows are sorted by running number. The "
            "numbers cannot be linked to the running numbers of other projects."
        ),
        "removed": "Variables not delivered",
    },
}


def codebook_json(
    project_id: str,
    title: str,
    population: dict[str, str],
    persons: int,
    tables: list[CodebookTable],
    removed: list[str],
) -> dict:
    return {
        "project": project_id,
        "title": title,
        "population": population,
        "persons": persons,
        "running_numbers": {lang: _TEXT[lang]["running"] for lang in ("nb", "en")},
        "tables": [
            {
                "name": t.name,
                "rows": t.rows,
                "description": {"nb": t.description_nb, "en": t.description_en},
                "files": t.files,
                "columns": [
                    {
                        "name": c.name,
                        "label": {"nb": c.label_nb, "en": c.label_en},
                        "type": c.data_type,
                        "notes": {"nb": c.notes_nb, "en": c.notes_en},
                        "codes": c.codes,
                    }
                    for c in t.columns
                ],
            }
            for t in tables
        ],
        "not_delivered": removed,
    }


def codebook_html(book: dict, lang: str) -> str:
    t = _TEXT[lang]
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{t["title"]} {e(book["project"])}</title>',
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
        "td,th{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}</style></head><body>",
        f"<h1>{t['title']}: {e(book['project'])}</h1>",
        f"<p>{e(book['title'])}</p>" if book["title"] else "",
        f"<p><strong>{t['population']}:</strong> {e(book['population'][lang])}</p>",
        f"<p><strong>{t['persons']}:</strong> {book['persons']}</p>",
        f"<p>{e(t['running'])}</p>",
        f"<h2>{t['tables']}</h2>",
    ]
    for table in book["tables"]:
        parts.append(f'<h3 id="{e(table["name"])}">{e(table["name"])}</h3>')
        parts.append(
            f"<p>{e(table['description'][lang])}. {t['rows']}: {table['rows']}. {t['files']}: {e(', '.join(table['files']))}</p>"
        )
        parts.append(
            f"<table><tr><th>{t['name']}</th><th>{t['label']}</th><th>{t['type']}</th><th>{t['notes']}</th><th>{t['codes']}</th></tr>"
        )
        for c in table["columns"]:
            codes = "<br>".join(f"{e(code['code'])} {e(code['label_' + lang])}" for code in c["codes"][:200])
            parts.append(
                f"<tr><td>{e(c['name'])}</td><td>{e(c['label'][lang])}</td><td>{e(c['type'])}</td>"
                f"<td>{e(c['notes'][lang])}</td><td>{codes}</td></tr>"
            )
        parts.append("</table>")
    if book["not_delivered"]:
        parts.append(
            f"<h2>{t['removed']}</h2><ul>"
            + "".join(f"<li>{e(r)}</li>" for r in book["not_delivered"])
            + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def write_codebooks(directory: Path, book: dict, pdf: bool) -> list[Path]:
    paths = [directory / "codebook.json"]
    paths[0].write_text(json.dumps(book, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    for lang in ("nb", "en"):
        page = codebook_html(book, lang)
        html_path = directory / f"codebook.{lang}.html"
        html_path.write_text(page, encoding="utf-8")
        paths.append(html_path)
        if pdf:
            from weasyprint import HTML

            pdf_path = directory / f"codebook.{lang}.pdf"
            HTML(string=page).write_pdf(pdf_path)
            paths.append(pdf_path)
    return paths
