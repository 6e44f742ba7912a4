"""The engine on a remote file system: registers read, intermediate files kept, and the delivery
published through Hadoop's ``FileSystem`` API on a real SFTP server on loopback. HDFS and s3a sit
behind the same API; only the connector differs (their jars cannot be had on this machine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sftp_server import SftpServer, sftp_server
from spark_compare import assert_same_delivery

from tilgang.engine.errors import OutputExistsError, StorageError
from tilgang.engine.order import parse_order
from tilgang.engine.pipeline import run_order
from tilgang.engine.seal import new_office_key
from tilgang.engine.storage import COMPLETE_MARKER
from tilgang.engine.testing import small_scenario, write_registers

ORDER = {
    "project": {"id": "P-REMOTE"},
    "population": {"kind": "alive_at", "date": "2012-01-01"},
    "variables": [
        {"name": "FOEDSELSDATO", "exact_dates": True},
        {"name": "KJOENN"},
        {"name": "BOSTED", "dates": ["2012-07-01"]},
        {"name": "LONN", "years": [2011, 2012]},
    ],
    "output": {"formats": ["parquet", "csv", "stata"]},
}


@pytest.fixture(scope="module")
def remote(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SftpServer]:
    base = tmp_path_factory.mktemp("sftp")
    (base / "root").mkdir()
    with sftp_server(base / "root", base / "keys") as server:
        conf = spark.sparkContext._jsc.hadoopConfiguration()
        for key, value in server.hadoop_conf().items():
            conf.set(key, value)
        yield server
        for key in server.hadoop_conf():
            conf.unset(key)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and not p.name.endswith(".crc"))


def test_order_read_and_delivered_on_a_remote_store(remote: SftpServer, tmp_path: Path, spark: Any) -> None:
    from tilgang.engine.spark_backend import SparkOptions

    write_registers(remote.root / "registers", small_scenario())
    (remote.root / "deliveries").mkdir()
    order = parse_order(ORDER)
    key = new_office_key()
    plain = run_order(order, remote.root / "registers", tmp_path / "plain", seal_key=key)

    on_remote = run_order(
        order,
        remote.uri("registers"),
        remote.uri("deliveries/P-REMOTE"),
        seal_key=key,
        sealed_randomness=plain.sealed_randomness,
        engine="spark",
        # As on a cluster: intermediate Parquet on the shared store, not on the driver's disk.
        spark=SparkOptions(session=spark, scratch=remote.uri("scratch/P-REMOTE")),
    )

    delivered = remote.root / "deliveries" / "P-REMOTE"
    assert_same_delivery(plain.out_dir, delivered, published=True)
    assert _leftovers(remote.root / "deliveries") == []
    assert not (remote.root / "scratch" / "P-REMOTE").exists() or not any(
        (remote.root / "scratch" / "P-REMOTE").iterdir()
    ), "intermediate files were left on the store"
    assert not on_remote.out_dir.exists(), "the local copy of a remote delivery was left behind"

    with pytest.raises(OutputExistsError):
        run_order(
            order,
            remote.uri("registers"),
            remote.uri("deliveries/P-REMOTE"),
            seal_key=key,
            engine="spark",
            spark=SparkOptions(session=spark),
        )
    assert (delivered / COMPLETE_MARKER).exists(), "an existing delivery was touched"


def test_publish_to_remote_store_is_all_or_nothing(remote: SftpServer, tmp_path: Path, spark: Any) -> None:
    from tilgang.engine.spark_backend import HadoopStore

    local = tmp_path / "prepared"
    (local / "delivery" / "data").mkdir(parents=True)
    (local / "delivery" / "data" / "T.csv").write_text("A;B\n1;2\n")
    (local / "delivery" / "MANIFEST.json").write_text("{}")
    (remote.root / "outbox").mkdir()
    store = HadoopStore(spark)

    def connection_lost() -> None:
        raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        store.publish(local, remote.uri("outbox/P-1"), fail_after_upload=connection_lost)
    assert list((remote.root / "outbox").iterdir()) == []

    store.publish(local, remote.uri("outbox/P-1"))
    assert (remote.root / "outbox" / "P-1" / "delivery" / "data" / "T.csv").read_text() == "A;B\n1;2\n"
    assert '"manifest_sha256"' in (remote.root / "outbox" / "P-1" / COMPLETE_MARKER).read_text()
    assert _leftovers(remote.root / "outbox") == []


def test_missing_registers_on_remote_store(remote: SftpServer, tmp_path: Path, spark_options: Any) -> None:
    with pytest.raises(StorageError, match="registers"):
        run_order(
            parse_order(ORDER),
            remote.uri("no-such-folder"),
            tmp_path / "out",
            seal_key=new_office_key(),
            engine="spark",
            spark=spark_options,
        )
    assert not (tmp_path / "out").exists()


def test_unreachable_remote_store(remote: SftpServer, tmp_path: Path, spark: Any) -> None:
    import socket

    from tilgang.engine.spark_backend import SparkOptions

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(StorageError, match="cannot reach") as refused:
        run_order(
            parse_order(ORDER),
            remote.root / "registers",
            f"sftp://127.0.0.1:{closed_port}/deliveries/P-X",
            seal_key=new_office_key(),
            engine="spark",
            spark=SparkOptions(session=spark),
        )
    assert "java.net.ConnectException: Connection refused" in str(refused.value)
    assert not (remote.root / "deliveries" / "P-X").exists()
