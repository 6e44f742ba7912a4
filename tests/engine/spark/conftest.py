"""The Spark suite (issue 10): marked ``spark`` (``pytest -m spark`` runs it alone), one local
SparkSession for the whole session, small data, few shuffle partitions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: runs on Apache Spark in local mode (needs pyspark and Java)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.spark)


SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    "spark.sql.adaptive.enabled": "false",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark", reason="the Spark group is not installed (uv sync --group spark)")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("tilgang-tests")
    for key, value in SPARK_TEST_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # no chatter when the gateway closes at exit
    yield session
    session.stop()


@pytest.fixture
def spark_options(spark: Any) -> Any:
    from tilgang.engine.spark_backend import SparkOptions

    return SparkOptions(session=spark)
