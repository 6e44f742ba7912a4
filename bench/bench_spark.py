"""The national-scale order on Spark local mode beside the embedded engine (issue 10).

    uv sync --group spark
    uv run python bench/bench_spark.py                              # 50,000 persons, a few minutes
    uv run python bench/bench_spark.py --series 5500000             # 1/8, 1/4, 1/2 and full size

The order is ``bench_extract.ORDER`` (resident on 1 January 2020, 14 variables from 5 registers,
running numbers on persons, Parquet). Each size runs the embedded engine and then Spark (local
mode, ``--master``, default ``local[*]``) on the same registers, each in its own process. Both
must deliver the same number of rows per table and the same bytes of every delivered data file
but Parquet, whose "required" flags the embedded engine takes from its statistics; Parquet files
are compared by rows. Registers are generated on demand into ``--cache``/registers-<persons>
(seed 1, as bench_extract.py) and reused.

Prints JSON lines: name, seconds (Spark), baseline_seconds (embedded engine), ratio, peak_rss_mb
(Spark: the driver process plus its JVM), baseline_peak_rss_mb, rows, and Spark's step timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_extract import ORDER, ROOT, ensure_registers, peak_rss_mb  # noqa: E402


def _vm_hwm_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(engine: str, reg: Path, out: Path, master: str, driver_memory: str, sealed: str | None) -> dict:
    from tilgang.engine.pipeline import run_order
    from tilgang.engine.seal import new_office_key

    order = out.parent / f"order-{engine}.toml"
    order.write_text(ORDER, encoding="utf-8")
    steps: dict[str, float] = {}
    last: list = [None, time.perf_counter()]

    def progress(step: str, _fraction: float) -> None:
        now = time.perf_counter()
        if last[0] is not None:
            steps[last[0]] = steps.get(last[0], 0.0) + now - last[1]
        last[0], last[1] = step, now

    jvm_peak = 0.0
    spark = None
    session = None
    start = time.perf_counter()
    if engine == "spark":
        from tilgang.engine.spark_backend import SparkOptions, start_session

        options = SparkOptions(
            master=master,
            conf={"spark.driver.memory": driver_memory, "spark.sql.shuffle.partitions": "16"},
        )
        session, _ = start_session(options)
        spark = SparkOptions(session=session)
    result = run_order(
        order,
        reg,
        out,
        seal_key=os.environ.get("TILGANG_SEAL_KEY") or new_office_key(),
        sealed_randomness=json.loads(sealed) if sealed else None,
        progress=progress,
        engine=engine,
        spark=spark,
    )
    seconds = time.perf_counter() - start
    if session is not None:
        gateway = session.sparkContext._gateway
        proc = getattr(gateway, "proc", None) if gateway is not None else None
        if proc is not None:
            jvm_peak = _vm_hwm_mb(proc.pid)
        session.stop()
    assert result.guard.passed
    return {
        "seconds": seconds,
        "rows": result.tables,
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "peak_rss_mb": round(peak_rss_mb() + jvm_peak, 1),
        "sealed": result.sealed_randomness,
    }


def child(engine: str, reg: Path, out: Path, args: argparse.Namespace, sealed: dict | None = None) -> dict:
    """One run in its own process; Spark gets the embedded run's sealed randomness (same numbers)."""
    cmd = [sys.executable, __file__, "--child", engine, "--registers", str(reg), "--out", str(out)]
    cmd += ["--master", args.master, "--driver-memory", args.driver_memory]
    if sealed:
        cmd += ["--sealed", json.dumps(sealed)]
    env = {**os.environ, "TILGANG_SEAL_KEY": args.seal_key}
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


def _data_files_agree(a: Path, b: Path) -> bool:
    import pyarrow.parquet as pq

    for path in sorted((a / "delivery" / "data").iterdir()):
        other = b / "delivery" / "data" / path.name
        if path.suffix == ".parquet":
            if pq.read_table(path).to_pylist() != pq.read_table(other).to_pylist():
                return False
        elif path.read_bytes() != other.read_bytes():
            return False
    return True


def measure(persons: int, args: argparse.Namespace) -> dict:
    reg = ensure_registers(args.cache, persons, args.seed)
    work = args.cache / f"work-spark-{persons}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        embedded = child("duckdb", reg, work / "duckdb", args)
        spark = child("spark", reg, work / "spark", args, embedded["sealed"])
        if embedded["rows"] != spark["rows"]:
            raise SystemExit(f"the engines disagree on rows: {embedded['rows']} vs {spark['rows']}")
        return {
            "name": f"spark.persons_{persons}",
            "seconds": round(spark["seconds"], 2),
            "baseline_seconds": round(embedded["seconds"], 2),
            "ratio": round(spark["seconds"] / embedded["seconds"], 2),
            "peak_rss_mb": spark["peak_rss_mb"],
            "baseline_peak_rss_mb": embedded["peak_rss_mb"],
            "rows": sum(spark["rows"].values()),
            "master": args.master,
            "same_rows_in_every_file": _data_files_agree(work / "duckdb", work / "spark"),
            "steps": spark["steps"],
            "baseline_steps": embedded["steps"],
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=50_000, help="one size")
    parser.add_argument("--series", type=int, default=None, help="full size of a 1/8, 1/4, 1/2, 1 series")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--driver-memory", default="8g", help="Spark local mode: the JVM's heap")
    parser.add_argument("--child", choices=("duckdb", "spark"), help=argparse.SUPPRESS)
    parser.add_argument("--registers", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sealed", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run(args.child, args.registers, args.out, args.master, args.driver_memory, args.sealed)
        print(json.dumps(result), flush=True)
        return
    from tilgang.engine.seal import new_office_key

    args.seal_key = new_office_key()
    sizes = (
        [args.series // 8, args.series // 4, args.series // 2, args.series] if args.series else [args.persons]
    )
    for persons in sizes:
        print(json.dumps(measure(persons, args)), flush=True)


if __name__ == "__main__":
    main()
