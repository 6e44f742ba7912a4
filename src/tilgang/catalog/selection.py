"""A variable selection from an uploaded ticked variable list (XLSX, CSV) or a microdata.no script.

Pure services: they read the catalog and return a ``Selection`` or raise ``SelectionError`` with
every problem found, each naming its row or line. Nothing is stored; the caller (the applications
app, the selection page, the API) decides what to keep, so nothing is ever half-imported.

The microdata.no script language: ``require no.ssb.fdb:NN as db`` connects to the office's
databank; ``import db/VAR [DATE] [as ALIAS]``, ``import-event db/VAR DATE to DATE [as ALIAS]`` and
``import-panel db/VAR … DATE …`` bring variables in; ``//`` starts a comment. Other commands
(``create-dataset``, ``generate``, ``tabulate`` …) do not choose variables and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import PurePath

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from tilgang.catalog.models import SourceKind, Variable
from tilgang.catalog.variable_lists import MAX_BYTES, ListFileError, RawRow, read_csv, read_xlsx

DATABANK = "no.ssb.fdb"  # the office's databank in microdata.no
TICKED = {"x", "✓", "✔", "☑", "1", "yes", "y", "ja", "j", "true", "sann", "ticked"}
UNTICKED = {"", "0", "no", "n", "nei", "false", "usann", "-"}
SCRIPT_SUFFIXES = {".txt", ".script", ".microdata", ".mdscript"}
MAX_SCRIPT_LINES = 5000


@dataclass(frozen=True)
class Problem:
    line: int | None  # row of a list, line of a script
    message: str


class SelectionError(Exception):
    """Every problem in the uploaded list or script; the message of each is translated."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(problem.message for problem in self.problems))


@dataclass(frozen=True)
class SelectedVariable:
    name: str
    years: tuple[int, ...] = ()  # years asked for; empty: not stated (all years)
    dates: tuple[str, ...] = ()  # measurement dates (import, import-panel), ISO
    periods: tuple[tuple[str, str], ...] = ()  # import-event intervals, ISO
    lines: tuple[int, ...] = ()  # where it was chosen


@dataclass(frozen=True)
class Selection:
    source: str  # "xlsx" | "csv" | "script"
    variables: tuple[SelectedVariable, ...]
    notices: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [variable.name for variable in self.variables]

    def as_dict(self) -> dict:
        return asdict(self)


# --- shared checks --------------------------------------------------------------------------------


def _catalog(names: set[str]) -> dict[str, Variable]:
    return {
        v.name: v
        for v in Variable.objects.filter(name__in=names)
        .select_related("register")
        .prefetch_related("coverage")
    }


def _check_variable(name: str, variable: Variable | None, where: str) -> str | None:
    """The problem with choosing ``name``, or None. ``where`` is "Row 4" or "Line 7"."""
    if variable is None:
        return _("%(where)s: %(name)s is not a variable in the catalog.") % {"where": where, "name": name}
    if variable.withdrawn_at is not None:
        return _("%(where)s: %(name)s is no longer in the catalog.") % {"where": where, "name": name}
    if variable.register.source_kind == SourceKind.HEALTH_REGISTER:
        # DOMAIN R-DATA-1: never data from the central health registers.
        return _(
            "%(where)s: %(name)s comes from a central health register, which the office never delivers. "
            "Apply for it through helsedata.no."
        ) % {"where": where, "name": name}
    return None


def _check_years(name: str, variable: Variable, years: set[int], where: str) -> str | None:
    available = {row.year for row in variable.coverage.all()}
    missing = sorted(years - available)
    if missing:
        from tilgang.catalog.selectors import years_text

        return _("%(where)s: %(name)s has no data for %(missing)s (it has %(available)s).") % {
            "where": where,
            "name": name,
            "missing": ", ".join(str(year) for year in missing),
            "available": years_text(sorted(available)) or "–",
        }
    return None


def _notices(items: list[SelectedVariable], catalog: dict[str, Variable]) -> list[str]:
    today = timezone.localdate()
    notices = []
    for item in items:
        variable = catalog[item.name]
        wanted = set(item.years)
        for row in variable.coverage.all():
            if (not wanted or row.year in wanted) and row.embargoed(today):
                # DOMAIN R-DATA-2: not before the statistic is published.
                notices.append(
                    _(
                        "%(name)s for %(year)s is under embargo until %(date)s, when its statistic is published."
                    )
                    % {
                        "name": item.name,
                        "year": row.year,
                        "date": formats.date_format(row.publication_date or today, "DATE_FORMAT"),
                    }
                )
        if variable.register.source_kind == SourceKind.SURVEY:
            # DOMAIN R-DATA-5: the office's own survey data go as a rule only to researchers.
            notices.append(
                _(
                    "%(name)s comes from the office's own survey and is as a rule delivered only to researchers."
                )
                % {"name": item.name}
            )
    return notices


# --- ticked lists ---------------------------------------------------------------------------------

YEAR_PART = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def _years(text: str) -> set[int] | None:
    years: set[int] = set()
    for part in re.split(r"[,;\s]+", re.sub(r"\s*[-–—]\s*", "-", text.strip())):
        part = part.strip()
        if not part:
            continue
        match = YEAR_PART.match(part)
        if not match:
            return None
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first or last - first > 200:
            return None
        years.update(range(first, last + 1))
    return years


def _selection_from_rows(rows: list[RawRow], source: str) -> Selection:
    problems: list[Problem] = []
    ticked: list[tuple[RawRow, set[int]]] = []
    for row in rows:
        where = _("Row %(row)s") % {"row": row.row}
        mark = row.selected.strip().casefold()
        if mark in UNTICKED:
            continue
        if mark not in TICKED:
            problems.append(
                Problem(
                    row.row,
                    _(
                        "%(where)s: “%(mark)s” in the first column is not understood; put an x or leave it empty."
                    )
                    % {"where": where, "mark": row.selected},
                )
            )
            continue
        if not row.name:
            problems.append(
                Problem(row.row, _("%(where)s is ticked but has no variable name.") % {"where": where})
            )
            continue
        years = _years(row.years_wanted)
        if years is None:
            problems.append(
                Problem(
                    row.row,
                    _(
                        "%(where)s: the years “%(years)s” are not understood; write for example 2015-2020 or 2018, 2019."
                    )
                    % {"where": where, "years": row.years_wanted},
                )
            )
            continue
        ticked.append((row, years))
    catalog = _catalog({row.name for row, _years in ticked})
    merged: dict[str, tuple[set[int], bool, list[int]]] = {}  # years, all years, rows
    for row, years in ticked:
        where = _("Row %(row)s") % {"row": row.row}
        variable = catalog.get(row.name)
        problem = _check_variable(row.name, variable, where)
        if problem is None and variable is not None:
            problem = _check_years(row.name, variable, years, where)
        if problem:
            problems.append(Problem(row.row, problem))
            continue
        wanted, every_year, seen_rows = merged.setdefault(row.name, (set(), False, []))
        wanted |= years
        seen_rows.append(row.row)
        merged[row.name] = (wanted, every_year or not years, seen_rows)
    if problems:
        raise SelectionError(problems)
    if not merged:
        raise SelectionError(
            [Problem(None, _("No variable is ticked. Put an x in the first column of each one you want."))]
        )
    items = [
        SelectedVariable(name, years=() if every_year else tuple(sorted(wanted)), lines=tuple(seen_rows))
        for name, (wanted, every_year, seen_rows) in merged.items()
    ]
    return Selection(source=source, variables=tuple(items), notices=tuple(_notices(items, catalog)))


# --- microdata.no scripts -------------------------------------------------------------------------

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REQUIRE = re.compile(r"^require\s+(?P<bank>[A-Za-z0-9_.\-]+)(?::(?P<version>\S+))?\s+as\s+(?P<alias>\w+)\s*$")
REFERENCE = re.compile(r"^(?P<alias>[A-Za-z_]\w*)/(?P<name>[A-Za-z0-9_]+)$")
IMPORTS = ("import", "import-event", "import-panel")


@dataclass
class _Chosen:
    years: set[int] = field(default_factory=set)
    dates: list[str] = field(default_factory=list)
    periods: list[tuple[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def _parse_date(token: str) -> date | None:
    if not DATE.match(token):
        return None
    try:
        return date.fromisoformat(token)
    except ValueError:
        return None


def selection_from_script(*, text: str) -> Selection:
    """The variables a microdata.no script imports, with their measurement dates and periods."""
    lines = text.splitlines()
    if len(lines) > MAX_SCRIPT_LINES:
        raise SelectionError(
            [Problem(None, _("The script has more than %(max)s lines.") % {"max": MAX_SCRIPT_LINES})]
        )
    problems: list[Problem] = []
    aliases: dict[str, str] = {}
    chosen: dict[str, _Chosen] = {}
    references: list[tuple[int, str, set[int]]] = []  # line, variable name, years it asks for
    for number, raw in enumerate(lines, 1):
        where = _("Line %(line)s") % {"line": number}
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        command, _space, rest = line.partition(" ")
        command = command.lower()
        if command == "require":
            match = REQUIRE.match(line)
            if not match:
                problems.append(
                    Problem(
                        number, _("%(where)s: write require no.ssb.fdb:VERSION as ALIAS.") % {"where": where}
                    )
                )
            elif match["bank"] != DATABANK:
                problems.append(
                    Problem(
                        number,
                        _(
                            "%(where)s: the script uses the databank %(bank)s; this catalog only knows %(ours)s."
                        )
                        % {"where": where, "bank": match["bank"], "ours": DATABANK},
                    )
                )
            else:
                aliases[match["alias"]] = match["bank"]
            continue
        if command not in IMPORTS:
            continue
        tokens = rest.split()
        if "$" in rest:
            problems.append(
                Problem(
                    number,
                    _("%(where)s uses a binding ($…); write the variable and dates out in full.")
                    % {"where": where},
                )
            )
            continue
        if "as" in tokens:
            tokens = tokens[: tokens.index("as")]
        variables: list[str] = []
        dates: list[date] = []
        bad = False
        for token in tokens:
            if token.lower() in {"to", "outer_join"}:
                continue
            reference = REFERENCE.match(token)
            if reference:
                alias = reference["alias"]
                if alias not in aliases:
                    problems.append(
                        Problem(
                            number,
                            _(
                                "%(where)s: %(token)s refers to “%(alias)s”, which is not the office's databank; "
                                "start the script with require %(ours)s:VERSION as %(alias)s."
                            )
                            % {"where": where, "token": token, "alias": alias, "ours": DATABANK},
                        )
                    )
                    bad = True
                    continue
                variables.append(reference["name"])
                continue
            parsed = _parse_date(token)
            if parsed is None:
                problems.append(
                    Problem(
                        number,
                        _("%(where)s: “%(token)s” is neither a variable (db/NAME) nor a date (YYYY-MM-DD).")
                        % {"where": where, "token": token},
                    )
                )
                bad = True
                continue
            dates.append(parsed)
        if bad:
            continue
        if not variables:
            problems.append(Problem(number, _("%(where)s imports no variable.") % {"where": where}))
            continue
        if command == "import-event":
            if len(variables) != 1 or len(dates) != 2 or dates[1] < dates[0]:
                problems.append(
                    Problem(
                        number,
                        _("%(where)s: write import-event db/NAME FROM to TO, with FROM not after TO.")
                        % {"where": where},
                    )
                )
                continue
            years = set(range(dates[0].year, dates[1].year + 1))
        elif command == "import":
            if len(variables) != 1 or len(dates) > 1:
                problems.append(
                    Problem(number, _("%(where)s: write import db/NAME DATE as ALIAS.") % {"where": where})
                )
                continue
            years = {dates[0].year} if dates else set()
        else:
            if not dates:
                problems.append(
                    Problem(
                        number,
                        _("%(where)s: import-panel needs at least one date after the variables.")
                        % {"where": where},
                    )
                )
                continue
            years = {d.year for d in dates}
        for name in variables:
            entry = chosen.setdefault(name, _Chosen())
            entry.lines.append(number)
            if command == "import-event":
                entry.periods.append((dates[0].isoformat(), dates[1].isoformat()))
            else:
                entry.dates.extend(d.isoformat() for d in dates)
            references.append((number, name, years))
    catalog = _catalog(set(chosen))
    for number, name, years in references:
        where = _("Line %(line)s") % {"line": number}
        variable = catalog.get(name)
        problem = _check_variable(name, variable, where)
        if problem is None and variable is not None and variable.temporality != "FIXED":
            if variable.temporality == "EVENT":
                available = {row.year for row in variable.coverage.all()}
                if years and not years & available:
                    problem = _check_years(name, variable, years, where)
            else:
                problem = _check_years(name, variable, years, where)
        if problem:
            problems.append(Problem(number, problem))
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SelectionError(sorted(unique, key=lambda problem: problem.line or 0))
    if not chosen:
        raise SelectionError([Problem(None, _("The script imports no variables."))])
    items = []
    for name, entry in chosen.items():
        variable = catalog[name]
        years_asked: set[int] = set()
        if variable.temporality != "FIXED":
            for _number, ref_name, years in references:
                if ref_name == name:
                    years_asked |= years
            if variable.temporality == "EVENT":
                years_asked &= {row.year for row in variable.coverage.all()}
        items.append(
            SelectedVariable(
                name,
                years=tuple(sorted(years_asked)),
                dates=tuple(dict.fromkeys(entry.dates)),
                periods=tuple(dict.fromkeys(entry.periods)),
                lines=tuple(entry.lines),
            )
        )
    return Selection(source="script", variables=tuple(items), notices=tuple(_notices(items, catalog)))


# --- dispatch -------------------------------------------------------------------------------------


def selection_from_upload(*, filename: str, content: bytes) -> Selection:
    """A ticked variable list (.xlsx, .csv) or a microdata.no script (.txt) as a selection."""
    if len(content) > MAX_BYTES:
        raise SelectionError([Problem(None, _("The file is larger than 5 MB."))])
    if not content:
        raise SelectionError([Problem(None, _("The file is empty."))])
    suffix = PurePath(filename or "").suffix.lower()
    try:
        if suffix == ".xlsx":
            return _selection_from_rows(read_xlsx(content), "xlsx")
        if suffix == ".csv":
            return _selection_from_rows(read_csv(content), "csv")
    except ListFileError as error:
        raise SelectionError([Problem(error.row, str(error))]) from error
    if suffix in SCRIPT_SUFFIXES:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            raise SelectionError(
                [
                    Problem(
                        line,
                        _("Line %(line)s is not UTF-8 text. Save the script as UTF-8 and upload it again.")
                        % {"line": line},
                    )
                ]
            ) from error
        return selection_from_script(text=text)
    raise SelectionError(
        [Problem(None, _("Upload a variable list (.xlsx or .csv) or a microdata.no script (.txt)."))]
    )
