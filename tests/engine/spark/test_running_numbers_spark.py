"""Running numbers on Spark: the same permutation, no window over all units, no keys in the plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from tilgang.engine.backend import DuckDBBackend
from tilgang.engine.running_numbers import bucketed_number_query, number_query, unit_keys
from tilgang.engine.seal import new_secret
from tilgang.engine.sql import query
from tilgang.engine.testing import numbers_by_hand

UNITS = list(range(1, 6001)) + [10**10 + 7 * i for i in range(40)]


def test_bucketed_numbers_match_on_both_backends(spark: Any, tmp_path: Path) -> None:
    from tilgang.engine.spark_backend import SparkBackend

    secret = new_secret()
    expected = numbers_by_hand(secret, "P-RN", "PERSON", UNITS)
    k_in, k_out = unit_keys(secret, "P-RN", "PERSON")

    embedded = DuckDBBackend()
    embedded.load_arrow("u", pa.table({"unit": UNITS + UNITS[:10]}))  # duplicates count once
    embedded.load_arrow("k", pa.table({"k_in": [k_in], "k_out": [k_out]}))
    assert dict(embedded.fetch_rows(bucketed_number_query("u", "k"))) == expected
    assert dict(embedded.fetch_rows(number_query("u", secret, "P-RN", "PERSON"))) == expected
    embedded.close()

    backend = SparkBackend(spark, scratch=(tmp_path / "scratch").as_uri(), work_dir=tmp_path)
    try:
        backend.load_arrow("u", pa.table({"unit": UNITS + UNITS[:10]}))
        keys = backend.bind_keys("keys_PERSON", k_in, k_out)
        tree = bucketed_number_query("u", keys)
        assert backend.materialise("rn", tree) == len(expected)
        assert dict(backend.fetch_rows(query("SELECT unit, lopenr FROM rn"))) == expected

        # The derived keys are in neither the SQL text nor the plan Spark shows.
        sql = backend.render(tree)
        df = spark.sql(sql)
        df.collect()
        plan = df._jdf.queryExecution().toString()
        for key in (k_in, k_out):
            assert key not in sql and key not in plan
        # Every window that numbers units is partitioned by bucket: no partition holds all units.
        windows = re.findall(r"row_number\(\) windowspecdefinition\(([^,)]*)", plan)
        assert windows and all("bucket" in w for w in windows)
    finally:
        backend.close()
