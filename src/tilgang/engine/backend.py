"""Where the relational work runs.

The pipeline talks to a ``Backend``: it hands over sqlglot trees written in DuckDB's dialect and
asks for tables to be materialised, fetched or written. ``DuckDBBackend`` is the embedded default;
a Spark backend (issue 10) implements the same methods with ``render`` transpiling to the
``spark`` dialect and register tables read through ``spark.read.parquet``. Nothing outside this
module imports duckdb.
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import errno
from pathlib import Path
from typing import Protocol

import duckdb
import pyarrow as pa
from sqlglot import exp

from tilgang.engine.errors import DiskFullError, RegisterError
from tilgang.engine.sql import SOURCE_DIALECT, ident


class Backend(Protocol):
    name: str
    dialect: str

    def render(self, tree: exp.Expression) -> str: ...
    def attach_table(self, name: str, parquet_glob: str) -> None: ...
    def materialise(self, name: str, tree: exp.Expression) -> int: ...
    def define(self, name: str, tree: exp.Expression) -> None: ...
    def load_arrow(self, name: str, table: pa.Table) -> None: ...
    def fetch_arrow(self, tree: exp.Expression) -> pa.Table: ...
    def fetch_rows(self, tree: exp.Expression) -> list[tuple]: ...
    def columns(self, name: str) -> list[tuple[str, str]]: ...
    def write_parquet(self, tree: exp.Expression, path: Path) -> None: ...
    def write_csv(self, tree: exp.Expression, path: Path) -> None: ...
    def close(self) -> None: ...


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return "no space left on device" in str(error).lower()


def _disk_full(what: str) -> DiskFullError:
    return DiskFullError(
        f"The disk filled up while {what}. Free space or choose another output folder, then run the "
        "order again; nothing was delivered."
    )


class DuckDBBackend:
    name = "duckdb"
    dialect = SOURCE_DIALECT

    def __init__(
        self,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: Path | None = None,
    ) -> None:
        config: dict[str, str | bool | int | float | list[str]] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        if temp_directory:
            config["temp_directory"] = str(temp_directory)
        self.con = duckdb.connect(":memory:", config=config)

    def render(self, tree: exp.Expression) -> str:
        return tree.sql(dialect=self.dialect)

    def _execute(self, sql: str, arrow: bool = False) -> list[tuple] | pa.Table:
        # Every result is consumed here: DuckDB refuses new work while a result is pending.
        try:
            if arrow:
                return self.con.sql(sql).to_arrow_table()
            return self.con.execute(sql).fetchall()
        except duckdb.Error as error:
            if is_disk_full(error):
                raise _disk_full("the data were being prepared") from error
            raise

    def attach_table(self, name: str, parquet_glob: str) -> None:
        try:
            rel = self.con.read_parquet(parquet_glob, hive_partitioning=True)
        except duckdb.Error as error:
            raise RegisterError(
                f"Register table {name!r} cannot be read ({parquet_glob}): {error}"
            ) from error
        rel.create_view(name, replace=True)

    def materialise(self, name: str, tree: exp.Expression) -> int:
        self._execute(f"CREATE OR REPLACE TABLE {ident(name)} AS {self.render(tree)}")
        rows = self._rows(f"SELECT count(*) FROM {ident(name)}")
        return int(rows[0][0]) if rows else 0

    def define(self, name: str, tree: exp.Expression) -> None:
        """A named relation computed when read (a view): for steps read only once."""
        self._execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {self.render(tree)}")

    def load_arrow(self, name: str, table: pa.Table) -> None:
        self.con.register(f"arrow_{name}", table)
        self._execute(f"CREATE OR REPLACE TABLE {ident(name)} AS SELECT * FROM {ident('arrow_' + name)}")
        self.con.unregister(f"arrow_{name}")

    def fetch_arrow(self, tree: exp.Expression) -> pa.Table:
        table = self._execute(self.render(tree), arrow=True)
        assert isinstance(table, pa.Table)
        return table

    def fetch_rows(self, tree: exp.Expression) -> list[tuple]:
        return self._rows(self.render(tree))

    def _rows(self, sql: str) -> list[tuple]:
        rows = self._execute(sql)
        assert isinstance(rows, list)
        return rows

    def columns(self, name: str) -> list[tuple[str, str]]:
        rel = self.con.sql(f"SELECT * FROM {ident(name)} LIMIT 0")
        return [(c, str(t)) for c, t in zip(rel.columns, rel.types, strict=True)]

    def _write(self, tree: exp.Expression, path: Path, kind: str) -> None:
        try:
            rel = self.con.sql(self.render(tree))
            if kind == "parquet":
                rel.write_parquet(str(path), compression="zstd")
            else:
                rel.write_csv(str(path), sep=";", header=True, date_format="%Y-%m-%d")
        except (duckdb.Error, OSError) as error:
            if is_disk_full(error):
                raise _disk_full(f"writing {path.name}") from error
            raise

    def write_parquet(self, tree: exp.Expression, path: Path) -> None:
        self._write(tree, path, "parquet")

    def write_csv(self, tree: exp.Expression, path: Path) -> None:
        self._write(tree, path, "csv")

    def close(self) -> None:
        self.con.close()
