"""Benchmark the synthetic register generator.

    uv run python bench/bench_synth.py --persons 5500000 --out /tmp/registers

Prints one JSON line per measurement: name, seconds, baseline_seconds, ratio, peak_rss_mb, rows,
rows_per_s. The baseline writes the same number of rows of random data (an ID string, a number and
two dates, as in the benefit table) straight to Parquet with pyarrow: the cost of the I/O alone.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tilgang.engine.synth.arrow import date_array, string_array
from tilgang.engine.synth.generate import generate


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def baseline(rows: int, out: Path) -> float:
    rng = np.random.default_rng(0)
    ids = np.char.zfill(rng.integers(0, 10**11, 1_000_000).astype(str), 11).astype("S11")
    start = time.perf_counter()
    schema = pa.schema(
        [
            ("national_id", pa.string()),
            ("amount", pa.int64()),
            ("start_date", pa.date32()),
            ("end_date", pa.date32()),
        ]
    )
    with pq.ParquetWriter(out / "baseline.parquet", schema, compression="zstd") as writer:
        done = 0
        while done < rows:
            n = min(1_000_000, rows - done)
            days = rng.integers(10000, 20000, n)
            writer.write_table(
                pa.table(
                    {
                        "national_id": string_array(ids[rng.integers(0, ids.shape[0], n)]),
                        "amount": pa.array(rng.integers(0, 10**6, n)),
                        "start_date": date_array(days),
                        "end_date": date_array(days + rng.integers(1, 400, n)),
                    },
                    schema=schema,
                )
            )
            done += n
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    out = args.out or work / "registers"
    try:
        start = time.perf_counter()
        rows = generate(out, persons=args.persons, seed=args.seed)
        seconds = time.perf_counter() - start
        rss = peak_rss_mb()
        total = sum(rows.values())
        base = baseline(total, work)
        for name, count in sorted(rows.items()):
            print(json.dumps({"name": f"synth.rows.{name}", "rows": count}))
        print(
            json.dumps(
                {
                    "name": f"synth.persons_{args.persons}",
                    "seconds": round(seconds, 2),
                    "baseline_seconds": round(base, 2),
                    "ratio": round(seconds / base, 2),
                    "peak_rss_mb": round(rss, 1),
                    "rows": total,
                    "rows_per_s": round(total / seconds),
                    "benefit_rows": rows.get("benefits", 0),
                }
            ),
            flush=True,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
