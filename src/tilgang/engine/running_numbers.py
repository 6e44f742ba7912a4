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
