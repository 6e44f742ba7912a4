"""The command line against Spark servers on loopback, as an operator runs it:

- a standalone cluster (a master and a worker, each its own JVM): executors in processes apart
  from the driver; registers, scratch files and the delivery on a remote store every executor
  reaches, as on a real cluster;
- Spark Connect: the driver lives in the server, the command line is a gRPC client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sftp_server import sftp_server
from spark_compare import assert_same_delivery
from spark_servers import connect_server, standalone_cluster

from tilgang.engine.pipeline import DeliveryResult, run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.testing import small_scenario, write_registers

ORDER_TOML = """
[project]
id = "P-CLUSTER"

[population]
kind = "alive_at"
date = "2012-01-01"

[[variables]]
name = "KJOENN"

[[variables]]
name = "MOR"

[[variables]]
name = "BOSTED"
dates = ["2012-07-01"]

[[variables]]
name = "LONN"
years = [2011, 2012]

[output]
formats = ["parquet", "csv"]
"""


SERVER_CONF = {
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}


def _embedded_first(tmp_path: Path, root: Path) -> tuple[Path, Path, DeliveryResult]:
    """Registers in ``root``, the order and the office key, and the embedded engine's delivery
    that the server's must equal."""
    write_registers(root / "registers", small_scenario())
    order = tmp_path / "order.toml"
    order.write_text(ORDER_TOML, encoding="utf-8")
    key_file = tmp_path / "office.key"
    key_file.write_text(new_office_key(), encoding="utf-8")
    return order, key_file, run_order(order, root / "registers", tmp_path / "plain", seal_key_file=key_file)


def _extract(*args: str, ok: bool = True) -> str:
    """Run ``tilgang extract --engine=spark`` in its own process (a process holds one kind of Spark
    session: the suite's is local) and return what it printed."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "tilgang"), "extract", "--engine=spark", *args],
        capture_output=True,
        text=True,
        # The executors' Python: the driver's, as docs/spark.md tells operators to set it.
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
        timeout=600,
    )
    assert (done.returncode == 0) == ok, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def test_extract_on_a_standalone_cluster(tmp_path: Path) -> None:
    root = tmp_path / "store"
    root.mkdir()
    (root / "deliveries").mkdir()
    order, key_file, plain = _embedded_first(tmp_path, root)

    with sftp_server(root, tmp_path / "keys") as store, standalone_cluster(tmp_path / "cluster") as master:
        conf = {
            **{f"spark.hadoop.{k}": v for k, v in store.hadoop_conf().items()},
            "spark.executor.memory": "1g",
            "spark.driver.memory": "1g",
            **SERVER_CONF,
        }
        _extract(
            f"--spark-master={master}",
            f"--order={order}",
            f"--registers={store.uri('registers')}",
            f"--out={store.uri('deliveries/P-CLUSTER')}",
            f"--spark-scratch={store.uri('scratch')}",
            f"--seal-key-file={key_file}",
            f"--project-randomness={plain.record_path}",
            *(f"--spark-conf={k}={v}" for k, v in conf.items()),
        )

    assert_same_delivery(plain.out_dir, root / "deliveries" / "P-CLUSTER", published=True)
    executor_logs = list((tmp_path / "cluster" / "executors").glob("app-*/*/stderr"))
    assert executor_logs, "no executor ran on the worker"
    assert any("Running task" in log.read_text(errors="replace") for log in executor_logs)
    scratch = root / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "intermediate files were left on the store"


def test_extract_through_spark_connect(tmp_path: Path) -> None:
    """The Connect server reads the registers and keeps its scratch files on a file system it
    shares with the client (here: this machine); the delivery is written on the client's side."""
    root = tmp_path / "shared"
    root.mkdir()
    order, key_file, plain = _embedded_first(tmp_path, root)
    with connect_server(tmp_path / "connect", SERVER_CONF) as remote:
        _extract(
            f"--spark-master={remote}",
            f"--order={order}",
            f"--registers={(root / 'registers').as_uri()}",
            f"--out={tmp_path / 'out'}",
            f"--spark-scratch={(root / 'scratch').as_uri()}",
            f"--seal-key-file={key_file}",
            f"--project-randomness={plain.record_path}",
        )
        refused = _extract(
            f"--spark-master={remote}",
            f"--order={order}",
            f"--registers={(root / 'registers').as_uri()}",
            "--out=sftp://127.0.0.1:1/deliveries/P-CONNECT",
            f"--spark-scratch={(root / 'scratch').as_uri()}",
            f"--seal-key-file={key_file}",
            ok=False,
        )
        assert "With Spark Connect the delivery is written to a folder on this machine" in " ".join(
            refused.split()
        )

    assert_same_delivery(plain.out_dir, tmp_path / "out")
    record = json.loads((tmp_path / "out" / "office" / "run_record.json").read_text())
    assert record["backend"] == "spark"
    scratch = root / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "intermediate files were left behind"
