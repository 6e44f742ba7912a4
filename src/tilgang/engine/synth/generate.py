"""Write a complete synthetic register directory: every table of ``schema.TABLES`` plus metadata.json.

Deterministic: the same seed and number of persons give byte-identical files (fixed chunk size,
one random stream per chunk, no timestamps in the files). Memory is bounded by the chunk size plus
the small per-person core arrays: tables are appended to open Parquet writers chunk by chunk, and
the benefit table, the largest, is partitioned by the year its events start.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tilgang.engine.schema import TABLES
from tilgang.engine.synth import catalog, enterprises, population
from tilgang.engine.synth.chunk import Chunk

CHUNK_PERSONS = 100_000  # part of the determinism contract: changing it changes the data
DEFAULT_PERSONS = 20_000
PARTITIONED = {"benefits"}  # hive-partitioned by the year the event starts: benefits/year=2015/
PER_CHUNK_TABLES = ("persons", "national_ids", "residence", "education", "jobs", "benefits", "income")

Progress = Callable[[str, int], None]  # (what is happening, persons done)


class _Writers:
    def __init__(self, out: Path):
        self.out = out
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}
        self.years: dict[str, set[int]] = {}

    def _writer(self, name: str, key: str, schema: pa.Schema) -> pq.ParquetWriter:
        if key not in self.writers:
            path = self.out / key / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[key] = pq.ParquetWriter(path, schema, compression="zstd", write_statistics=True)
        return self.writers[key]

    def write(self, name: str, table: pa.Table) -> None:
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        if "year" in table.column_names:
            self.years.setdefault(name, set()).update(pc.unique(table["year"]).to_pylist())
        if name not in PARTITIONED:
            self._writer(name, name, table.schema).write_table(table, row_group_size=1_000_000)
            return
        year = pc.year(table["start_date"]).to_numpy()
        order = np.argsort(year, kind="stable")
        sorted_years = year[order]
        bounds = np.flatnonzero(np.r_[True, sorted_years[1:] != sorted_years[:-1], True])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            part = table.take(pa.array(order[a:b]))
            self._writer(name, f"{name}/year={int(sorted_years[a])}", table.schema).write_table(part)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def generate(
    out: Path, *, persons: int = DEFAULT_PERSONS, seed: int = 1, progress: Progress | None = None
) -> dict[str, int]:
    """Generate the registers into ``out`` (replaced if it exists). Returns the row count per table."""
    if persons < 100:
        raise ValueError("at least 100 persons")
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    report = progress or (lambda _what, _done: None)

    report("population core", 0)
    pop = population.build(persons, seed)
    report("enterprise register", 0)
    employers = enterprises.build(persons, seed)
    writers = _Writers(out)
    try:
        writers.write("enterprises", employers.enterprises)
        writers.write("establishments", employers.establishments)
        for number, lo in enumerate(range(0, persons, CHUNK_PERSONS)):
            hi = min(lo + CHUNK_PERSONS, persons)
            chunk = Chunk(pop, employers, seed, number, lo, hi)
            # Order matters: benefits use the jobs, income uses jobs and benefits.
            for name in PER_CHUNK_TABLES:
                writers.write(name, getattr(chunk, name)())
            del chunk
            report("persons", hi)
    finally:
        writers.close()
    years = {name: sorted(values) for name, values in writers.years.items()}
    catalog.build(seed=seed, persons=persons, years=years).save(out)
    return dict(writers.rows)


__all__ = ["CHUNK_PERSONS", "DEFAULT_PERSONS", "TABLES", "generate"]
