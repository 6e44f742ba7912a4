"""Running numbers (løpenummer), DOMAIN R-PSEUDO-1.

For each unit type the project's secret gives a keyed pseudorandom function
``F(u) = SHA256(k_out || SHA256(k_in || u))`` (an HMAC-style nesting that SQL engines can evaluate
with their built-in SHA-256). Sorting the units by ``F`` and numbering them 1..N draws a uniformly
random permutation that nobody without the secret can predict; two projects have independent
secrets, so their numbers are statistically unrelated (R-CASE-9: reuse gets new numbers). Being
one SQL expression and one global sort, the same numbers come out of any backend, and a cluster
computes them without collecting the units on one node.
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

from sqlglot import exp

from tilgang.engine.seal import derive
from tilgang.engine.sql import ident, query

NUMBER_COLUMN = {
    "PERSON": "LOPENR",
    "JOB": "LOPENR_JOBB",
    "ESTABLISHMENT": "LOPENR_VIRKSOMHET",
    "ENTERPRISE": "LOPENR_FORETAK",
}


def unit_keys(secret: bytes, project_id: str, unit_type: str) -> tuple[str, str]:
    base = f"tilgang/running-number/{project_id}/{unit_type}"
    return derive(secret, base + "/inner").hex(), derive(secret, base + "/outer").hex()


def number_query(units_relation: str, secret: bytes, project_id: str, unit_type: str) -> exp.Expression:
    """``(unit, lopenr)`` for every distinct ``unit`` of ``units_relation``.

    ``units_relation`` is an engine-made relation name with one column ``unit``.
    """
    k_in, k_out = unit_keys(secret, project_id, unit_type)
    # The unit is ordered as a tie-breaker only: a SHA-256 collision is not expected.
    return query(
        "SELECT unit, CAST(row_number() OVER (ORDER BY sha256(:k_out || sha256(:k_in || CAST(unit AS VARCHAR))), unit) AS BIGINT) AS lopenr "
        f"FROM (SELECT DISTINCT unit FROM {ident(units_relation)} WHERE unit IS NOT NULL) AS u",
        k_in=k_in,
        k_out=k_out,
    )


# Hex digits of F that name a bucket: 16**3 = 4,096 buckets, ordered ranges of F.
BUCKET_DIGITS = 3


def bucketed_number_query(units_relation: str, keys_relation: str) -> exp.Expression:
    """The same ``(unit, lopenr)`` as ``number_query``, for a distributed engine.

    A window over all units (``row_number() OVER (ORDER BY F)``) would move every unit into one
    partition on Spark. Here the first hex digits of ``F`` split the units into buckets that are
    ordered ranges of ``F``; each unit's number is its rank inside its bucket plus the number of
    units in the buckets before it (a window over the 4,096 bucket counts only). The keys are
    read from ``keys_relation`` (one row: ``k_in``, ``k_out``) instead of being written into the
    SQL, so they do not appear in the query text or plan the cluster shows.
    """
    units, keys = ident(units_relation), ident(keys_relation)
    return query(
        "WITH f_ AS (SELECT u.unit, sha256(k.k_out || sha256(k.k_in || CAST(u.unit AS VARCHAR))) AS f "
        f"FROM (SELECT DISTINCT unit FROM {units} WHERE unit IS NOT NULL) AS u CROSS JOIN {keys} AS k), "
        f"b_ AS (SELECT unit, f, substring(f, 1, {BUCKET_DIGITS}) AS bucket FROM f_), "
        "n_ AS (SELECT bucket, count(*) AS n FROM b_ GROUP BY bucket), "
        "o_ AS (SELECT bucket, sum(n) OVER (ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - n AS offset_ FROM n_) "
        "SELECT b.unit, CAST(o.offset_ + row_number() OVER (PARTITION BY b.bucket ORDER BY b.f, b.unit) AS BIGINT) AS lopenr "
        "FROM b_ AS b JOIN o_ AS o ON o.bucket = b.bucket"
    )
