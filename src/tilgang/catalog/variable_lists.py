"""Variable lists as files: writing an area's list (XLSX, CSV) with a column to tick, and reading a
ticked list back into raw rows. Which rows make a valid selection is decided in ``selection``.

The CSV is UTF-8 with a byte-order mark and semicolons, which is what spreadsheet programs set to
Norwegian expect. Headers are written in the reader's language and recognised in any of the
portal's languages, so a list downloaded in English may be uploaded by someone reading bokmål.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tilgang.catalog.models import SourceKind, StatisticsArea, Variable

COLUMNS = (
    ("selected", gettext_lazy("Select (x)")),
    ("name", gettext_lazy("Variable")),
    ("label", gettext_lazy("Label")),
    ("years_wanted", gettext_lazy("Years wanted")),
    ("years_available", gettext_lazy("Years available")),
    ("register", gettext_lazy("Register")),
    ("unit_type", gettext_lazy("Unit type")),
    ("temporality", gettext_lazy("Temporality")),
    ("sensitivity", gettext_lazy("Sensitivity")),
    ("note", gettext_lazy("Note")),
)
REQUIRED = ("selected", "name")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10


class ListFileError(Exception):
    """The file itself cannot be read; ``row`` names where, when known."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class RawRow:
    row: int  # 1-based, as a spreadsheet numbers it
    selected: str
    name: str
    years_wanted: str


# --- writing -------------------------------------------------------------------------------------


def _note(variable: Variable) -> str:
    if variable.register.source_kind == SourceKind.HEALTH_REGISTER:
        return _("Never delivered: central health register; apply through helsedata.no.")
    if variable.register.source_kind == SourceKind.SURVEY:
        return _("The office's own survey: as a rule delivered only to researchers.")
    if variable.identifying:
        return _("Especially identifying: %(kind)s; needs a special justification.") % {
            "kind": variable.get_identifying_display()
        }
    return ""


def _rows(variables: list[Variable]) -> list[list[str]]:
    from tilgang.catalog.selectors import years_text

    return [
        [
            "",
            variable.name,
            variable.label,
            "",
            years_text(variable.year_list()),
            variable.register.code,
            str(variable.get_unit_type_display()),
            str(variable.get_temporality_display()),
            str(variable.get_sensitivity_display()) if variable.sensitivity else "",
            _note(variable),
        ]
        for variable in variables
    ]


def headers() -> list[str]:
    return [str(label) for _key, label in COLUMNS]


def list_csv(variables: list[Variable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    writer.writerows(_rows(variables))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def list_xlsx(area: StatisticsArea, variables: list[Variable], register_version: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = area.code[:31]
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(variables):
        sheet.append(row)
    sheet.freeze_panes = "C2"
    for letter, width in zip("ABCDEFGHIJ", (10, 30, 40, 16, 16, 14, 14, 24, 24, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    if variables:
        tick = DataValidation(type="list", formula1='"x"', allow_blank=True)
        tick.add(f"A2:A{len(variables) + 1}")
        sheet.add_data_validation(tick)
    about = workbook.create_sheet(_("About"))
    for line in (
        [_("Variable list: %(area)s") % {"area": area.name}],
        [_("Register version: %(version)s") % {"version": register_version}],
        [_("Put an x in the first column for each variable you want.")],
        [_("Years wanted is optional, for example 2015-2020 or 2018, 2019. Empty means all years.")],
        [_("Upload the ticked list in the catalog, or attach it to your application.")],
    ):
        about.append(line)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reading -------------------------------------------------------------------------------------


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for key, label in COLUMNS:
        names[key.casefold()] = key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names[str(label).strip().casefold()] = key
    return names


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "x"
    if value is False:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_table(table: list[tuple[int, list[str]]]) -> list[RawRow]:
    names = _header_names()
    header_at = None
    positions: dict[str, int] = {}
    for row_number, cells in table[:HEADER_SEARCH_ROWS]:
        found = {names[c.strip().casefold()]: i for i, c in enumerate(cells) if c.strip().casefold() in names}
        if all(key in found for key in REQUIRED):
            header_at, positions = row_number, found
            break
    if header_at is None:
        raise ListFileError(
            _(
                "The file has no header row with the columns “%(selected)s” and “%(name)s”. "
                "Start from a variable list downloaded from the catalog."
            )
            % {"selected": COLUMNS[0][1], "name": COLUMNS[1][1]}
        )

    def cell(cells: list[str], key: str) -> str:
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return [
        RawRow(row_number, cell(cells, "selected"), cell(cells, "name"), cell(cells, "years_wanted"))
        for row_number, cells in table
        if row_number > header_at and any(c.strip() for c in cells)
    ]


def read_csv(content: bytes) -> list[RawRow]:
    if content.startswith(b"PK\x03\x04"):
        raise ListFileError(
            _("This is an Excel workbook, not a CSV file. Name it .xlsx and upload it again.")
        )
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        row = content[: error.start].count(b"\n") + 1
        raise ListFileError(
            _(
                "Row %(row)s is not UTF-8 text (the file is probably saved as Latin-1 or Windows-1252). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"row": row},
            row=row,
        ) from error
    if "\x00" in text:
        raise ListFileError(_("The file is not a text file. Upload a CSV or XLSX variable list."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    try:
        table = [
            (number, row) for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)
        ]
    except csv.Error as error:
        raise ListFileError(_("The CSV file cannot be read: %(error)s") % {"error": error}) from error
    if len(table) > MAX_ROWS:
        raise ListFileError(_("The list has more than %(max)s rows.") % {"max": MAX_ROWS})
    return _rows_from_table(table)


def read_xlsx(content: bytes) -> list[RawRow]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = ListFileError(
        _("The file is not a readable XLSX workbook. Save it again as .xlsx and upload it.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise ListFileError(_("The workbook is too large."))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ListFileError:
        raise
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        EOFError,
    ) as error:
        raise unreadable from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise unreadable
        table = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if number > MAX_ROWS:
                raise ListFileError(_("The list has more than %(max)s rows.") % {"max": MAX_ROWS})
            table.append((number, [_cell_text(value) for value in values]))
    except ListFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as error:
        raise unreadable from error
    finally:
        workbook.close()
    return _rows_from_table(table)
