"""Reading the official lists (DOMAIN R-ELIG-1) from the files their publishers put out.

- The Research Council of Norway (NFR): "Godkjente forskningsorganisasjoner", a spreadsheet (XLSX) or
  CSV with one organisation a row: organisation number, name, and optionally the category and the date
  of approval.
- Eurostat: "Recognised research entities", a PDF table (read with ``pdftotext -layout``) or the same
  table as XLSX/CSV: country, name of the entity, and optionally the date of recognition and a national
  registration number.

Headers are matched case-insensitively against the aliases below; the header row may come after a few
title lines. A file whose header lacks a required column is refused with the columns expected and found.
docs/institutions.md documents the assumed layouts.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess  # noqa: S404 (pdftotext, a fixed argument list, no shell)
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tilgang.core.validators import normalise_orgnr
from tilgang.institutions.models import ApprovalSource

MAX_LIST_BYTES = 10 * 1024 * 1024
HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header as the publisher writes it, shown when a column is missing
    aliases: tuple[str, ...]
    required: bool = True


LAYOUTS: dict[str, tuple[Column, ...]] = {
    ApprovalSource.NFR: (
        Column(
            "orgnr",
            "Organisasjonsnummer",
            ("organisasjonsnummer", "orgnr", "org.nr.", "org nr", "organisation number"),
        ),
        Column("name", "Navn", ("navn", "organisasjon", "organisasjonsnavn", "name", "organisation")),
        Column("category", "Kategori", ("kategori", "type", "category", "sektor"), required=False),
        Column(
            "since",
            "Godkjent fra",
            ("godkjent fra", "godkjent", "godkjenningsdato", "approved from"),
            required=False,
        ),
    ),
    ApprovalSource.EUROSTAT: (
        Column("country", "Country", ("country", "land", "member state")),
        Column(
            "name",
            "Name of the research entity",
            (
                "name of the research entity",
                "research entity",
                "name of the organisation",
                "organisation",
                "name",
            ),
        ),
        Column(
            "since",
            "Date of recognition",
            ("date of recognition", "recognised since", "recognition date"),
            required=False,
        ),
        Column(
            "national_id",
            "National registration number",
            ("national registration number", "registration number", "national id"),
            required=False,
        ),
    ),
}

COUNTRY_CODES = {
    "austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY",
    "czechia": "CZ", "czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI",
    "france": "FR", "germany": "DE", "greece": "GR", "hungary": "HU", "ireland": "IE", "italy": "IT",
    "latvia": "LV", "lithuania": "LT", "luxembourg": "LU", "malta": "MT", "netherlands": "NL",
    "poland": "PL", "portugal": "PT", "romania": "RO", "slovakia": "SK", "slovenia": "SI",
    "spain": "ES", "sweden": "SE", "iceland": "IS", "liechtenstein": "LI", "norway": "NO",
    "switzerland": "CH", "united kingdom": "GB", "united states": "US", "canada": "CA",
    "australia": "AU", "japan": "JP", "serbia": "RS", "north macedonia": "MK", "montenegro": "ME",
    "albania": "AL", "türkiye": "TR", "turkey": "TR", "ukraine": "UA", "israel": "IL",
}  # fmt: skip


class ListLayoutError(ValidationError):
    """The file is not in the layout of the list; the message names the columns expected and found."""

    def __init__(self, message: str, *, expected: list[str], found: list[str]):
        super().__init__(message, code="layout")
        self.expected, self.found = expected, found


@dataclass
class ParsedList:
    source: str
    file_format: str
    columns_found: list[str]
    rows: list[dict] = field(default_factory=list)  # {"line", "orgnr", "name", "country", "since"}
    errors: list[dict] = field(default_factory=list)  # {"line", "message"}


def normalise_name(name: str) -> str:
    """For matching by name: case, accents' composition, punctuation and spacing do not count."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def _header_key(text: str) -> str:
    return " ".join(str(text or "").strip().casefold().replace("\n", " ").split())


def _country_code(value: str) -> str | None:
    text = value.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return COUNTRY_CODES.get(text.casefold())


def _parse_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y"):
        try:
            parsed = datetime.strptime(text, pattern)  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
        return parsed.date()
    raise ValueError(text)


# --- reading the table -------------------------------------------------------------------------


def _table_from_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise ValidationError(
            _("The spreadsheet could not be read: it is damaged or not an XLSX file.")
        ) from error
    sheet = book.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    return table


def _table_from_csv(data: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _table_from_pdf(data: bytes) -> list[list]:
    """Eurostat's PDF table: pdftotext keeps the columns apart by runs of spaces with -layout."""
    binary = shutil.which("pdftotext")
    if binary is None:
        raise ValidationError(
            _(
                "PDF lists cannot be read on this server (pdftotext is missing). Upload the list as XLSX or CSV."
            )
        )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list.pdf"
        path.write_bytes(data)
        result = subprocess.run(  # noqa: S603
            [binary, "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=60, check=False
        )
    if result.returncode != 0:
        raise ValidationError(_("The PDF could not be read. Upload the list as XLSX or CSV instead."))
    text = result.stdout.decode("utf-8", "replace")
    if not text.strip():
        raise ValidationError(
            _(
                "The PDF holds no readable text (it may be a scanned image). Upload the list as XLSX or CSV instead."
            )
        )
    table = []
    for line in text.replace("\f", "\n").splitlines():
        if line.strip():
            table.append([cell.strip() for cell in re.split(r"\s{2,}", line.strip())])
    return table


def _locate_header(table: list[list], columns: tuple[Column, ...]) -> tuple[int, dict[str, int], list[str]]:
    best: tuple[int, dict[str, int], list[str]] = (-1, {}, [])
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        headers = [_header_key(cell) for cell in row]
        positions = {}
        for column in columns:
            for position, header in enumerate(headers):
                if header in column.aliases:
                    positions[column.key] = position
                    break
        if len(positions) > len(best[1]):
            best = (index, positions, [str(cell).strip() for cell in row if str(cell or "").strip()])
    if not best[1]:
        # Nothing recognised: report the first of the widest rows, most likely the header.
        rows = [
            [str(cell).strip() for cell in row if str(cell or "").strip()]
            for row in table[:HEADER_SEARCH_ROWS]
        ]
        widest = max((len(cells) for cells in rows), default=0)
        found = next((cells for cells in rows if len(cells) == widest), [])
        return -1, {}, found
    return best


def _expected(columns: tuple[Column, ...]) -> list[str]:
    return [column.label + ("" if column.required else " " + _("(optional)")) for column in columns]


def parse_list(*, source: str, file_name: str, data: bytes) -> ParsedList:
    """Read a list file into rows; raises ValidationError (ListLayoutError for a wrong layout)."""
    if source not in LAYOUTS:
        raise ValidationError(_("Choose which list the file is."))
    if len(data) > MAX_LIST_BYTES:
        raise ValidationError(_("The file is larger than 10 MB; the official lists are much smaller."))
    if data.startswith(b"%PDF-"):
        file_format, table = "pdf", _table_from_pdf(data)
    elif data.startswith(b"PK\x03\x04"):
        file_format, table = "xlsx", _table_from_xlsx(data)
    elif file_name.lower().endswith((".csv", ".txt")) and b"\x00" not in data[:4096]:
        file_format, table = "csv", _table_from_csv(data)
    else:
        raise ValidationError(_("Upload the list as XLSX, CSV or (for Eurostat) PDF."))
    columns = LAYOUTS[source]
    header_row, positions, found = _locate_header(table, columns)
    missing = [column.label for column in columns if column.required and column.key not in positions]
    if missing:
        raise ListLayoutError(
            _(
                "The file does not look like this list: the column(s) %(missing)s are missing. Expected columns: %(expected)s. Found: %(found)s."
            )
            % {
                "missing": ", ".join(missing),
                "expected": ", ".join(_expected(columns)),
                "found": ", ".join(found) if found else _("no header row"),
            },
            expected=[column.label for column in columns],
            found=found,
        )
    parsed = ParsedList(source=source, file_format=file_format, columns_found=found)
    for offset, row in enumerate(table[header_row + 1 :], start=header_row + 2):
        cells = {key: (row[pos] if pos < len(row) else None) for key, pos in positions.items()}
        if all(value in (None, "") for value in cells.values()):
            continue
        if _header_key(row[0] if row else "") == _header_key(found[0] if found else ""):
            continue  # the header repeated at the top of each PDF page
        _parse_row(parsed, source, offset, cells)
    if not parsed.rows and not parsed.errors:
        raise ValidationError(_("The file has the right columns but no rows."))
    return parsed


def _parse_row(parsed: ParsedList, source: str, line: int, cells: dict) -> None:
    name = " ".join(str(cells.get("name") or "").split())
    if not name:
        parsed.errors.append({"line": line, "message": _("Line %(line)d has no name.") % {"line": line}})
        return
    orgnr = ""
    raw_orgnr = str(cells.get("orgnr") or cells.get("national_id") or "").strip()
    if isinstance(cells.get("orgnr"), float):
        raw_orgnr = str(int(cells["orgnr"]))
    if source == ApprovalSource.NFR:
        country = "NO"
    else:
        country = _country_code(str(cells.get("country") or "")) or ""
        if not country:
            parsed.errors.append(
                {
                    "line": line,
                    "message": _("Line %(line)d (%(name)s): the country %(country)s is not known.")
                    % {"line": line, "name": name, "country": cells.get("country") or "?"},
                }
            )
            return
    if raw_orgnr and (source == ApprovalSource.NFR or country == "NO"):
        try:
            orgnr = normalise_orgnr(raw_orgnr)
        except ValidationError as error:
            parsed.errors.append(
                {
                    "line": line,
                    "message": _("Line %(line)d (%(name)s): %(error)s")
                    % {"line": line, "name": name, "error": error.messages[0]},
                }
            )
            return
    elif source == ApprovalSource.NFR:
        parsed.errors.append(
            {
                "line": line,
                "message": _("Line %(line)d (%(name)s) has no organisation number.")
                % {"line": line, "name": name},
            }
        )
        return
    try:
        since = _parse_date(cells.get("since"))
    except ValueError:
        parsed.errors.append(
            {
                "line": line,
                "message": _("Line %(line)d (%(name)s): %(value)s is not a date.")
                % {"line": line, "name": name, "value": cells.get("since")},
            }
        )
        return
    foreign_id = raw_orgnr[:60] if raw_orgnr and not orgnr else ""
    parsed.rows.append(
        {
            "line": line,
            "orgnr": orgnr,
            "foreign_id": foreign_id,
            "name": name,
            "country": country,
            "since": since.isoformat() if since else None,
        }
    )
