"""Comparing the deliveries of the two backends."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from tilgang.engine.storage import COMPLETE_MARKER


def table_rows(path: Path) -> tuple[list[tuple[str, str]], list[dict]]:
    table = pq.read_table(path)
    return [(f.name, str(f.type)) for f in table.schema], table.to_pylist()


def assert_same_delivery(embedded: Path, spark: Path, *, published: bool = False) -> None:
    """Both backends delivered the same files; Parquet with the same columns, types, rows and
    order, every other file byte for byte (the linkage keys' archives by content). A delivery
    ``published`` to a URI has the completion marker besides."""
    files_e = sorted(p.relative_to(embedded) for p in embedded.rglob("*") if p.is_file())
    files_s = sorted(p.relative_to(spark) for p in spark.rglob("*") if p.is_file())
    if published:
        assert Path(COMPLETE_MARKER) in files_s
        files_s.remove(Path(COMPLETE_MARKER))
    assert files_e == files_s
    for rel in files_e:
        a, b = embedded / rel, spark / rel
        if rel.suffix == ".parquet":
            assert table_rows(a) == table_rows(b), rel
        elif rel.name == "MANIFEST.json":
            ma, mb = json.loads(a.read_text()), json.loads(b.read_text())
            assert [f["path"] for f in ma["files"]] == [f["path"] for f in mb["files"]]
            for fa, fb in zip(ma["files"], mb["files"], strict=True):
                if not fa["path"].endswith(".parquet"):
                    assert fa == fb, fa["path"]
        elif rel.name == "run_record.json":
            ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
            assert (ra["backend"], rb["backend"]) == ("duckdb", "spark")
            for k in ("order", "population", "tables", "disclosure", "guard", "linkage"):
                assert ra[k] == rb[k], k
        elif rel.suffix == ".7z":
            continue  # compared by content in the linkage test (the archive is salted)
        else:
            assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest(), rel
