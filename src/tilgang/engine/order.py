"""The order: what a project gets, as approved by the case officer.

An order is a TOML file (reference and examples in docs/engine.md and examples/orders/) read into
the pydantic model ``Order``. ``load_order`` checks the form; ``check_against_catalog`` checks it
against the registers' metadata (known variables, years inside coverage, minimisation that fits
the variable's type) so a bad order fails before any data is touched.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tilgang.engine.errors import CoverageError, OrderError, UnknownVariableError
from tilgang.engine.metadata import Metadata, Variable
from tilgang.engine.schema import ACCUMULATED, EVENT, FIXED, STATUS

NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")  # delivered names: at most 32 chars, A-Z 0-9 _
OUTPUT_FORMATS = ("parquet", "csv", "sas", "stata", "spss")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Population(_Strict):
    kind: Literal["resident_at", "resident_during", "birth_cohorts", "alive_at", "dead_at", "id_list"]
    date: dt.date | None = None  # resident_at, alive_at, dead_at
    start: dt.date | None = None  # resident_during (inclusive)
    end: dt.date | None = None  # resident_during (inclusive)
    from_year: int | None = None  # birth_cohorts
    to_year: int | None = None
    file: Path | None = None  # id_list
    id_column: str = "FNR"
    encoding: str = "utf-8"
    birth_years: tuple[int, int] | None = None  # optional restriction on any kind

    @model_validator(mode="after")
    def _fields_for_kind(self) -> Population:
        need = {
            "resident_at": ("date",),
            "alive_at": ("date",),
            "dead_at": ("date",),
            "resident_during": ("start", "end"),
            "birth_cohorts": ("from_year", "to_year"),
            "id_list": ("file",),
        }[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"population kind {self.kind!r} needs {', '.join(missing)}")
        if self.kind == "resident_during" and self.start and self.end and self.start > self.end:
            raise ValueError("population start is after end")
        return self

    def describe(self, lang: str) -> str:
        nb = lang == "nb"
        if self.kind == "resident_at":
            text = f"Bosatt i Norge {self.date}" if nb else f"Resident in Norway on {self.date}"
        elif self.kind == "resident_during":
            text = (
                f"Bosatt i Norge en eller flere dager i perioden {self.start}–{self.end}"
                if nb
                else f"Resident in Norway on at least one day between {self.start} and {self.end}"
            )
        elif self.kind == "birth_cohorts":
            text = (
                f"Født i årene {self.from_year}–{self.to_year}"
                if nb
                else f"Born in the years {self.from_year}–{self.to_year}"
            )
        elif self.kind == "alive_at":
            text = f"Registrert og i live {self.date}" if nb else f"Registered and alive on {self.date}"
        elif self.kind == "dead_at":
            text = f"Død før eller på {self.date}" if nb else f"Died on or before {self.date}"
        else:
            text = (
                "Personer i en liste levert av prosjektet"
                if nb
                else "Persons in a list supplied by the project"
            )
        if self.birth_years:
            a, b = self.birth_years
            text += f", født {a}–{b}" if nb else f", born {a}–{b}"
        return text


class Period(_Strict):
    start: dt.date
    end: dt.date  # inclusive

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError("period start is after end")
        return self


class Minimise(_Strict):
    method: Literal[
        "age",
        "age_group",
        "month",
        "year",
        "intervals",
        "quantile_groups",
        "education_level",
        "county",
        "small_municipality",
        "top_bottom",
    ]
    reference_date: dt.date | None = None  # age, age_group
    width: int | None = Field(default=None, gt=0)  # age_group: band width
    breaks: tuple[float, ...] = ()  # age_group / intervals: lower bounds of the bands, ascending
    groups: int | None = Field(default=None, ge=2, le=100)  # quantile_groups
    threshold: int | None = Field(default=None, gt=0)  # small_municipality: fewer residents than this
    top: float | None = None  # top_bottom
    bottom: float | None = None

    @model_validator(mode="after")
    def _params(self) -> Minimise:
        m = self.method
        if m in ("age", "age_group") and self.reference_date is None:
            raise ValueError(f"{m} needs reference_date")
        if m == "age_group" and not (self.width or self.breaks):
            raise ValueError("age_group needs width or breaks")
        if m == "intervals" and not self.breaks:
            raise ValueError("intervals needs breaks")
        if self.breaks and list(self.breaks) != sorted(set(self.breaks)):
            raise ValueError("breaks must be strictly ascending")
        if m == "quantile_groups" and self.groups is None:
            raise ValueError("quantile_groups needs groups")
        if m == "small_municipality" and self.threshold is None:
            raise ValueError("small_municipality needs threshold")
        if m == "top_bottom" and self.top is None and self.bottom is None:
            raise ValueError("top_bottom needs top and/or bottom")
        return self


class VariableRequest(_Strict):
    name: str
    years: tuple[int, ...] = ()  # ACCUMULATED, and STATUS kept per year
    dates: tuple[dt.date, ...] = ()  # STATUS kept with valid_from/valid_to
    period: Period | None = None  # EVENT
    minimise: Minimise | None = None
    exact_dates: bool = False  # exact dates specially justified in the application


class Disclosure(_Strict):
    quasi_identifiers: tuple[str, ...] = ()
    k: int = Field(default=5, ge=2)


class Pseudonymise(_Strict):
    unit_types: tuple[Literal["PERSON", "JOB", "ESTABLISHMENT", "ENTERPRISE"], ...] = ("PERSON",)
    links: Literal["number", "remove"] = "number"  # mother/father/employer links


class LinkageExport(_Strict):
    owner: str  # named third-party data owner receiving the linkage key


class LinkageImport(_Strict):
    owner: str
    name: str  # delivered table name
    file: Path
    format: Literal["csv", "sas", "stata", "spss", "parquet"] | None = None  # from the suffix when absent
    id_column: str = "FNR"
    encoding: str = "utf-8"
    delimiter: str | None = None  # csv: detected from the header when absent
    exact_date_columns: tuple[str, ...] = ()
    max_invalid_share: float = Field(default=0.05, ge=0, le=1)


class Linkage(_Strict):
    export: tuple[LinkageExport, ...] = ()
    imports: tuple[LinkageImport, ...] = Field(default=(), alias="import")


class Output(_Strict):
    formats: tuple[Literal["parquet", "csv", "sas", "stata", "spss"], ...] = ("parquet", "csv")
    event_dates: Literal["exact", "month", "year"] = "month"  # precision of event start/stop
    allow_grunndata: bool = False  # DOMAIN R-DATA-8: employer orgnr delivered as is
    codebook_pdf: bool = False


class Project(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    title: str = ""


class Order(_Strict):
    project: Project
    population: Population
    variables: tuple[VariableRequest, ...]
    disclosure: Disclosure = Disclosure()
    pseudonymise: Pseudonymise = Pseudonymise()
    linkage: Linkage = Linkage()
    output: Output = Output()

    @model_validator(mode="after")
    def _names(self) -> Order:
        names = [v.name for v in self.variables]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"variables listed twice: {sorted(dup)}")
        if not names:
            raise ValueError("the order lists no variables")
        for qi in self.disclosure.quasi_identifiers:
            if qi not in names:
                raise ValueError(f"quasi-identifier {qi} is not among the ordered variables")
        for imp in self.linkage.imports:
            if not NAME_RE.match(imp.name):
                raise ValueError(f"import name {imp.name!r} must be 1-32 characters A-Z, 0-9, _")
        return self

    def request(self, name: str) -> VariableRequest:
        return next(v for v in self.variables if v.name == name)

    def to_toml_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _relative(order: Order, base: Path) -> Order:
    """Resolve file paths in the order relative to the order file."""
    data = order.model_dump(by_alias=True)
    pop = data["population"]
    if pop.get("file") is not None and not Path(pop["file"]).is_absolute():
        pop["file"] = base / pop["file"]
    for imp in data["linkage"]["import"]:
        if not Path(imp["file"]).is_absolute():
            imp["file"] = base / imp["file"]
    return Order.model_validate(data)


def parse_order(data: dict, base: Path | None = None) -> Order:
    try:
        order = Order.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'order'}: {e['msg']}" for e in error.errors()
        )
        raise OrderError(f"The order is not valid: {problems}") from error
    return _relative(order, base) if base else order


def load_order(path: Path | str) -> Order:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise OrderError(f"Order file {path} does not exist") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise OrderError(f"Order file {path} is not valid TOML: {error}") from error
    return parse_order(data, base=path.parent.resolve())


_NUMERIC = ("LONG", "DOUBLE")
_METHOD_TYPES = {
    "age": ("DATE",),
    "age_group": ("DATE",),
    "month": ("DATE",),
    "year": ("DATE",),
    "intervals": _NUMERIC,
    "quantile_groups": _NUMERIC,
    "top_bottom": _NUMERIC,
    "education_level": ("STRING",),
    "county": ("STRING",),
    "small_municipality": ("STRING",),
}


def check_against_catalog(order: Order, metadata: Metadata) -> dict[str, Variable]:
    """The catalog variable of every request; raises when the order cannot be served."""
    found: dict[str, Variable] = {}
    for req in order.variables:
        try:
            var = metadata.variable(req.name)
        except KeyError:
            raise UnknownVariableError(
                f"The order asks for variable {req.name}, which is not in the catalog "
                f"(register version {metadata.register_version})."
            ) from None
        register = next((r for r in metadata.registers if r.code == var.register), None)
        if register is not None and register.source_kind == "health_register":
            raise OrderError(
                f"Variable {req.name} comes from {register.name_en}, a central health register: the office "
                "gives no access to data from the central health registers (DOMAIN R-DATA-1). The project "
                "applies to the register through helsedata.no, which can link them with the office's data."
            )
        if var.table is None or var.column is None:
            raise UnknownVariableError(f"Variable {req.name} is documented but has no data to extract.")
        if var.unit_type not in ("PERSON", "JOB", "ENTERPRISE", "ESTABLISHMENT"):
            raise OrderError(
                f"Variable {req.name} describes {var.unit_type.lower()}s; orders carry person, job, "
                "enterprise and establishment variables."
            )
        coverage = set(var.years)
        if var.temporality == ACCUMULATED or (var.temporality == STATUS and "year" in var.time_columns):
            if not req.years:
                raise OrderError(f"Variable {req.name} ({var.temporality}) needs years.")
            outside = sorted(set(req.years) - coverage) if coverage else []
            if outside:
                raise CoverageError(
                    f"Variable {req.name} has data for {min(coverage)}–{max(coverage)}; "
                    f"the order asks for {', '.join(map(str, outside))}."
                )
        elif var.temporality == STATUS:
            if not req.dates:
                raise OrderError(f"Variable {req.name} (STATUS) needs dates.")
            outside_d = [d for d in req.dates if coverage and d.year not in coverage]
            if outside_d:
                raise CoverageError(
                    f"Variable {req.name} has data for {min(coverage)}–{max(coverage)}; "
                    f"the order asks for {', '.join(map(str, outside_d))}."
                )
        elif var.temporality == EVENT:
            if req.period is None:
                raise OrderError(f"Variable {req.name} (EVENT) needs a period.")
            if coverage and not (req.period.start.year in coverage and req.period.end.year in coverage):
                raise CoverageError(
                    f"Variable {req.name} has data for {min(coverage)}–{max(coverage)}; "
                    f"the order asks for {req.period.start}–{req.period.end}."
                )
        elif var.temporality == FIXED and (req.years or req.dates or req.period):
            raise OrderError(f"Variable {req.name} is fixed: it takes no years, dates or period.")
        if req.minimise and var.data_type not in _METHOD_TYPES[req.minimise.method]:
            raise OrderError(
                f"Minimisation {req.minimise.method} does not fit {req.name}, which holds "
                f"{var.data_type.lower()} values."
            )
        found[req.name] = var
    for qi in order.disclosure.quasi_identifiers:
        if found[qi].unit_type != "PERSON":
            raise OrderError(f"Quasi-identifier {qi} does not describe persons; use person variables.")
        if found[qi].temporality == EVENT:
            raise OrderError(f"Quasi-identifier {qi} is an event variable; use fixed or status variables.")
    return found
