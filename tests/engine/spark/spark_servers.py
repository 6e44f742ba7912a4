"""Spark servers on loopback, each its own JVM started from the PySpark installation: a standalone
cluster (a master and one worker, so executors run in processes apart from the driver) and a
Spark Connect server (the driver lives in the server; the client speaks gRPC)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent


def _spark_bin(spark_home: Path, log: Path, program: str, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        # No REST submission server on its fixed port, no web UI.
        "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false -Dspark.ui.enabled=false",
        "SPARK_WORKER_OPTS": "-Dspark.ui.enabled=false",
    }
    with log.open("w") as out:
        return subprocess.Popen(
            [str(spark_home / "bin" / program), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _wait_for(log: Path, pattern: str, process: subprocess.Popen, timeout: float = 120) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found
        if process.poll() is not None:
            raise RuntimeError(f"{log.name} ended early:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    raise TimeoutError(f"{log.name} did not say {pattern!r} within {timeout} s")


@contextmanager
def standalone_cluster(work: Path, *, cores: int = 2, memory: str = "2g") -> Iterator[str]:
    """Start the cluster, yield its master URL (``spark://127.0.0.1:PORT``), stop it at the end."""
    spark_home = SPARK_HOME
    work.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen] = []
    try:
        master = _spark_bin(
            spark_home,
            work / "master.log",
            "spark-class",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--webui-port",
            "0",
        )
        processes.append(master)
        url = _wait_for(work / "master.log", r"Starting Spark master at (spark://127\.0\.0\.1:\d+)", master)[
            1
        ]
        worker = _spark_bin(
            spark_home,
            work / "worker.log",
            "spark-class",
            "org.apache.spark.deploy.worker.Worker",
            url,
            "--host",
            "127.0.0.1",
            "--cores",
            str(cores),
            "--memory",
            memory,
            "--webui-port",
            "0",
            "--work-dir",
            str(work / "executors"),
        )
        processes.append(worker)
        _wait_for(work / "worker.log", r"Successfully registered with master", worker)
        yield url
    finally:
        _stop(processes)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def connect_server(work: Path, conf: dict[str, str]) -> Iterator[str]:
    """Start a Spark Connect server in local mode, yield its ``sc://127.0.0.1:PORT``."""
    work.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    settings = {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        **conf,
    }
    server = _spark_bin(
        SPARK_HOME,
        work / "connect.log",
        "spark-submit",
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
        "--master",
        "local[2]",
        *(f"--conf={k}={v}" for k, v in settings.items()),
        "spark-internal",
    )
    try:
        _wait_for(work / "connect.log", r"Spark Connect server started at", server)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop([server])
