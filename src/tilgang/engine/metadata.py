"""Catalog metadata: what each register variable is and where its values live.

``metadata.json`` is written by the synthetic register generator next to the data, so the catalog
(loaded into the portal) and the data the engine extracts can never disagree. The model follows
microdata.no's: unit type, temporality (FIXED, STATUS, ACCUMULATED, EVENT), data type, code lists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tilgang.engine.schema import METADATA_FILE, TEMPORALITIES, UNIT_TYPES


@dataclass(frozen=True)
class Code:
    code: str
    label_nb: str
    label_en: str
    valid_from: str | None = None  # ISO date
    valid_to: str | None = None


@dataclass(frozen=True)
class CodeList:
    name: str
    source: str  # where the real code list comes from (e.g. "SSB Klass 131")
    codes: tuple[Code, ...]


@dataclass(frozen=True)
class Area:
    code: str  # statistics area, also the price group of the variable lists
    name_nb: str
    name_en: str


@dataclass(frozen=True)
class Register:
    code: str
    area: str
    name_nb: str
    name_en: str
    # "administrative" | "survey" (the office's own, DOMAIN R-DATA-5) | "health_register" (never deliverable, R-DATA-1)
    source_kind: str = "administrative"


@dataclass(frozen=True)
class Variable:
    name: str  # microdata.no style, e.g. "INNTEKT_WLONN"; at most 32 chars, A-Z 0-9 _
    register: str
    area: str
    table: str | None  # table in the register directory; None for metadata-only variables
    column: str | None
    unit_type: str  # one of UNIT_TYPES
    temporality: str  # one of TEMPORALITIES
    data_type: str  # "STRING" | "LONG" | "DOUBLE" | "DATE"
    label_nb: str
    label_en: str
    definition_nb: str
    definition_en: str
    codelist: str | None = None
    years: tuple[int, ...] = ()  # years with data
    # Publication date of each year's official statistic (embargo, DOMAIN R-DATA-2): {"2024": "2025-03-01"}
    publication_dates: dict[str, str] = field(default_factory=dict)
    # GDPR art. 9 special category: "" | "health" | "crime" | "trade_union"
    sensitivity: str = ""
    # Especially identifying: "" | "exact_date" | "coordinates" | "grunnkrets"
    identifying: str = ""
    # Price group: the statistics area, or "FDTRYGD:<table>" for FD-Trygd tables priced per table
    price_group: str = ""
    # Columns that carry time for the temporality: {"year": "year"} or {"start": "start_date", "stop": "end_date"}
    time_columns: dict[str, str] = field(default_factory=dict)
    # Column holding the unit's identifier in the table ("national_id", "person_key", "orgnr", "job_id")
    unit_column: str = "national_id"
    # Rows of the table that belong to the variable, as column == value conditions, e.g.
    # {"benefit_type": "AAP"} for one benefit out of the shared FD-Trygd benefit table.
    row_filter: dict[str, str] = field(default_factory=dict)
    # How the value is derived from ``column``: "" (the value itself), "year" (the year of a date),
    # "prefix:N" (the first N characters of a code, e.g. the county of a municipality),
    # "char:N" (the N-th character, 1-based), "count_children" (number of persons whose
    # mother_key or father_key is this person_key).
    derivation: str = ""

    def __post_init__(self) -> None:
        if self.temporality not in TEMPORALITIES:
            raise ValueError(f"{self.name}: unknown temporality {self.temporality!r}")
        if self.unit_type not in UNIT_TYPES:
            raise ValueError(f"{self.name}: unknown unit type {self.unit_type!r}")


@dataclass(frozen=True)
class Metadata:
    register_version: str  # changes whenever the data change; recorded by every extraction
    seed: int
    persons: int
    areas: tuple[Area, ...]
    registers: tuple[Register, ...]
    variables: tuple[Variable, ...]
    codelists: dict[str, CodeList]

    def variable(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)

    def save(self, directory: Path) -> Path:
        path = Path(directory) / METADATA_FILE
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: dict) -> Metadata:
        return cls(
            register_version=data["register_version"],
            seed=data["seed"],
            persons=data["persons"],
            areas=tuple(Area(**a) for a in data["areas"]),
            registers=tuple(Register(**r) for r in data["registers"]),
            variables=tuple(Variable(**{**v, "years": tuple(v.get("years", ()))}) for v in data["variables"]),
            codelists={
                name: CodeList(
                    name=cl["name"], source=cl["source"], codes=tuple(Code(**c) for c in cl["codes"])
                )
                for name, cl in data["codelists"].items()
            },
        )

    @classmethod
    def load(cls, directory: Path) -> Metadata:
        path = Path(directory) / METADATA_FILE
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
