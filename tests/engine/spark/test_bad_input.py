"""Bad input on Spark: a clear, typed message, and nothing half-delivered."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tilgang.engine.errors import (
    JavaMissingError,
    OutputExistsError,
    SparkVersionError,
    StorageError,
)
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.storage import COMPLETE_MARKER
from tilgang.engine.testing import small_scenario, write_registers

ORDER = {
    "project": {"id": "P-BAD"},
    "population": {"kind": "alive_at", "date": "2012-01-01"},
    "variables": [{"name": "KJOENN"}, {"name": "LONN", "years": [2012]}],
}


def test_no_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tilgang.engine.spark_backend import SparkOptions, start_session

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_HOME", raising=False)
    with pytest.raises(JavaMissingError, match="Java runtime"):
        start_session(SparkOptions(master="local[1]"))


def test_old_spark_is_refused(spark: Any) -> None:
    from tilgang.engine.spark_backend import check_session

    class OldSpark:  # what check_session reads of a session: its version
        version = "3.3.2"

    with pytest.raises(SparkVersionError, match=r"3\.3\.2 is too old"):
        check_session(OldSpark())  # type: ignore[arg-type]
    check_session(spark)  # the session the suite runs on passes


def test_unreachable_registers_uri(tmp_path: Path, spark_options: Any) -> None:
    out = tmp_path / "out"
    with pytest.raises(StorageError, match="s3a"):
        run_order(
            parse_order(ORDER),
            "s3a://no-such-bucket/registers",
            out,
            seal_key=new_office_key(),
            engine="spark",
            spark=spark_options,
        )
    assert not out.exists() and not list(tmp_path.iterdir())
    with pytest.raises(StorageError, match="needs --engine spark"):
        run_order(parse_order(ORDER), "hdfs://namenode/registers", out, seal_key=new_office_key())


def test_remote_publish_is_all_or_nothing(tmp_path: Path, spark: Any) -> None:
    """The protocol for URIs (HDFS, object stores), through Hadoop's file system on file://."""
    from tilgang.engine.spark_backend import HadoopStore

    local = tmp_path / "prepared"
    (local / "delivery" / "data").mkdir(parents=True)
    (local / "delivery" / "data" / "T.csv").write_text("A;B\n1;2\n")
    (local / "delivery" / "MANIFEST.json").write_text("{}")
    store = HadoopStore(spark)
    target = tmp_path / "remote" / "out"
    target.parent.mkdir()

    def broken() -> None:
        raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        store.publish(local, target.as_uri(), fail_after_upload=broken)
    assert [p.name for p in target.parent.iterdir() if not p.name.endswith(".crc")] == []
    store.publish(local, target.as_uri())
    assert (target / "delivery" / "data" / "T.csv").read_text() == "A;B\n1;2\n"
    assert '"manifest_sha256"' in (target / COMPLETE_MARKER).read_text()
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(OutputExistsError):
        store.publish(local, target.as_uri())


SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from tilgang.engine.errors import EngineError
    from tilgang.engine.order import parse_order
    from tilgang.engine.pipeline import run_order
    from tilgang.engine.spark_backend import SparkOptions, start_session

    reg, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    order = parse_order({order!r})
    try:
        session, _ = start_session(SparkOptions(master="local[1]", conf={{"spark.ui.enabled": "false"}}))
        def progress(step, fraction):
            if mode == "kill" and step == "extract":
                os.kill(session.sparkContext._gateway.proc.pid, signal.SIGKILL)
        run_order(order, reg, out, seal_key={key!r}, engine="spark",
                  spark=SparkOptions(session=session), progress=progress)
    except EngineError as error:
        print(type(error).__name__ + ": " + str(error))
        sys.exit(2)
    """
)


def _run_script(tmp_path: Path, mode: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    reg = write_registers(tmp_path / "reg", small_scenario())
    script = tmp_path / "run.py"
    script.write_text(SCRIPT.format(order=ORDER, key=new_office_key()))
    return subprocess.run(
        [sys.executable, str(script), str(reg), str(tmp_path / "out"), mode],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=240,
    )


def test_job_killed_midway_delivers_nothing(tmp_path: Path, spark: Any) -> None:
    done = _run_script(tmp_path, "kill", {})
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    assert done.stdout.startswith("SparkJobError: The Spark job stopped"), done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg", "run.py"]


def test_executors_with_another_python(tmp_path: Path, spark: Any) -> None:
    other = next(
        (
            p
            for p in ("/usr/bin/python3.11", "/usr/bin/python3")
            if Path(p).exists() and Path(p).resolve() != Path(sys.executable).resolve()
        ),
        None,
    )
    if other is None:
        pytest.skip("no second Python on this machine")
    done = _run_script(tmp_path, "run", {"PYSPARK_PYTHON": other})
    assert done.returncode == 2, done.stdout + done.stderr[-2000:]
    assert done.stdout.startswith("PythonMismatchError:") and "PYSPARK_PYTHON" in done.stdout, done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reg", "run.py"]
