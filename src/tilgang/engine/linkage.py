"""Linkage with third-party data, DOMAIN R-PSEUDO-2…5 and R-CASE-5.

(a) Distributed linkage: the linkage key (every national ID of the project population → its
running number) as an AES-256 encrypted 7z archive for a named owner. (b) Linkage at the office:
a file keyed by national ID (CSV with the ID as 11-character text, SAS, Stata, SPSS, Parquet) is
read, its IDs validated, running numbers attached and the unmatched and invalid IDs reported.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyreadstat

from tilgang.engine import ids
from tilgang.engine.errors import InvalidIdsError, ThirdPartyFileError

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".sas7bdat": "sas",
    ".dta": "stata",
    ".sav": "spss",
    ".zsav": "spss",
    ".parquet": "parquet",
}
ID_FIELD = "national_id"


def detect_format(path: Path, declared: str | None) -> str:
    if declared:
        return declared
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ThirdPartyFileError(
            f"{path.name}: unknown file type {path.suffix!r}; send CSV, SAS (.sas7bdat), Stata (.dta), "
            "SPSS (.sav) or Parquet, or state the format in the order."
        )
    return fmt


def _check_encoding(path: Path, encoding: str) -> None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    except LookupError as error:
        raise ThirdPartyFileError(f"{path.name}: unknown encoding {encoding!r}.") from error
    with path.open("rb") as fh:
        offset = 0
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise ThirdPartyFileError(
                    f"{path.name} is not valid {encoding} text (first bad byte near byte {offset + error.start}). "
                    "Ask the data owner which encoding the file uses (often latin-1 / windows-1252) "
                    "and state it in the order."
                ) from error
            offset += len(chunk)
        decoder.decode(b"", final=True)


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_table(
    path: Path,
    fmt: str | None = None,
    *,
    id_column: str,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> pa.Table:
    """The file as an Arrow table, the ID column kept as text."""
    path = Path(path)
    if not path.is_file():
        raise ThirdPartyFileError(f"Third-party file {path} does not exist.")
    fmt = detect_format(path, fmt)
    try:
        if fmt == "csv":
            _check_encoding(path, encoding)
            sep = delimiter or _sniff_delimiter(path, encoding)
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=encoding),
                parse_options=pacsv.ParseOptions(delimiter=sep),
                # DOMAIN convention: the ID is 11-character text, never a number (leading zeros).
                convert_options=pacsv.ConvertOptions(
                    column_types={id_column: pa.string()}, strings_can_be_null=True
                ),
            )
        elif fmt in ("sas", "stata", "spss"):
            reader: Any = {
                "sas": pyreadstat.read_sas7bdat,
                "stata": pyreadstat.read_dta,
                "spss": pyreadstat.read_sav,
            }[fmt]
            kwargs = {"encoding": encoding} if encoding.lower().replace("-", "") != "utf8" else {}
            data, _meta = reader(str(path), output_format="dict", **kwargs)
            table = pa.table(dict(data))
        elif fmt == "parquet":
            table = pq.read_table(path)
        else:
            raise ThirdPartyFileError(f"{path.name}: unsupported format {fmt!r}.")
    except ThirdPartyFileError:
        raise
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as error:
        raise ThirdPartyFileError(
            f"{path.name} cannot be read as a {fmt.upper()} file ({error}). The file may be damaged or "
            "truncated in transfer; ask the data owner to send it again."
        ) from error
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as error:
        raise ThirdPartyFileError(f"{path.name} cannot be read as {fmt}: {error}") from error
    if id_column not in table.column_names:
        raise ThirdPartyFileError(
            f"{path.name} has no ID column {id_column!r}; its columns are {', '.join(table.column_names)}."
        )
    return table


def normalise_ids(column: pa.ChunkedArray) -> tuple[list[str | None], bool]:
    """IDs as 11-character text; numeric IDs (leading zeros lost in SAS/Stata/SPSS) are padded."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return [None if v is None else v.strip() for v in column.to_pylist()], False
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        out: list[str | None] = []
        for v in column.to_pylist():
            if v is None or v != v or float(v) != int(v) or v < 0:
                out.append(None if v is None or v != v else str(v))
            else:
                out.append(f"{int(v):011d}")
        return out, True
    return [None if v is None else str(v) for v in column.to_pylist()], False


_SAFE = re.compile(r"[^A-Z0-9_]")


def delivered_name(name: str, taken: set[str]) -> str:
    """At most 32 characters from A–Z, 0–9 and _, unique in the table."""
    base = _SAFE.sub("_", name.upper().replace("Æ", "AE").replace("Ø", "O").replace("Å", "AA"))
    if not base or not base[0].isalpha():
        base = "V_" + base
    base = base[:32]
    candidate, n = base, 1
    while candidate in taken:
        suffix = f"_{n}"
        candidate, n = base[: 32 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


@dataclass
class IdCheck:
    table: pa.Table  # national_id + the file's other columns under delivered names
    rows: int
    invalid: list[str] = field(default_factory=list)  # values that are not national IDs
    missing: int = 0  # rows without an ID
    padded: bool = False
    renamed: dict[str, str] = field(default_factory=dict)


def validate_ids(
    table: pa.Table, id_column: str, *, source: str, max_invalid_share: float = 1.0, keep_columns: bool = True
) -> IdCheck:
    values, padded = normalise_ids(table.column(id_column))
    valid: list[str | None] = []
    invalid: list[str] = []
    missing = 0
    for v in values:
        if v is None or v == "":
            missing += 1
            valid.append(None)
        elif ids.is_national_id(v):
            valid.append(v)
        else:
            invalid.append(v)
            valid.append(None)
    rows = table.num_rows
    if rows and (len(invalid) + missing) / rows > max_invalid_share:
        raise InvalidIdsError(
            f"{source}: {len(invalid)} of {rows} IDs are not valid national IDs and {missing} rows have no ID "
            f"(more than {max_invalid_share:.0%} allowed). Check that {id_column!r} is the national ID "
            "column and that IDs are 11 digits with leading zeros; ask the data owner for a corrected file."
        )
    columns = {ID_FIELD: pa.array(valid, pa.string())}
    renamed: dict[str, str] = {}
    if keep_columns:
        taken = {"LOPENR"}
        for name in table.column_names:
            if name == id_column:
                continue
            new = delivered_name(name, taken)
            renamed[name] = new
            columns[new] = table.column(name)
    return IdCheck(pa.table(columns), rows, invalid, missing, padded, renamed)


def non_null(table: pa.Table, column: str) -> int:
    return table.num_rows - pc.sum(pc.is_null(table.column(column))).as_py() if table.num_rows else 0


def write_linkage_key(rows: list[tuple[str, int]], path: Path, password: str, owner: str) -> None:
    """The key as ``FNR;LOPENR`` CSV inside an AES-256 7z with encrypted headers (R-PSEUDO-2, R-FX-3)."""
    import py7zr

    text = "FNR;LOPENR\n" + "".join(f"{nid};{num}\n" for nid, num in rows)
    arcname = f"koblingsnokkel_{delivered_name(owner, set()).lower()}.csv"
    with py7zr.SevenZipFile(path, "w", password=password, header_encryption=True) as archive:
        archive.writestr(text.encode("utf-8"), arcname)
