"""SQL building: every relational step is written once, in DuckDB's dialect, as a sqlglot tree.

Values never enter a query by string formatting: a template carries ``:name`` placeholders that
are replaced by typed sqlglot literals. Identifiers (table and column names from the catalog and
engine-made relation names) are checked against a strict pattern and quoted by ``ident``. A
backend whose engine speaks another dialect transpiles the tree (``Backend.render``).
"""
# ruff: noqa: S608 - identifiers pass ident() (strict pattern, quoted); values are sqlglot literals.

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp

from tilgang.engine.errors import OrderError

SOURCE_DIALECT = "duckdb"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def ident(name: str) -> str:
    """A quoted identifier; refuses anything that is not a plain name."""
    if not _IDENT.match(name):
        raise OrderError(f"{name!r} is not a valid table or column name")
    return exp.to_identifier(name, quoted=True).sql(SOURCE_DIALECT)


def literal(value: Any) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        return exp.Tuple(expressions=[literal(v) for v in value])
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def query(template: str, /, **values: Any) -> exp.Expression:
    """Parse ``template`` and bind its ``:name`` placeholders to ``values`` as literals."""
    tree = sqlglot.parse_one(template, read=SOURCE_DIALECT)
    used: set[str] = set()

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in values:
                raise KeyError(f"no value for placeholder :{node.name}")
            used.add(node.name)
            return literal(values[node.name])
        return node

    bound = tree.transform(bind)
    unused = set(values) - used
    if unused:
        raise KeyError(f"values without placeholder: {sorted(unused)}")
    return bound


def values_relation(column: str, items: list[Any]) -> str:
    """``(VALUES (a), (b)) AS v(column)`` as SQL text built from literals (for use in templates)."""
    rows = ", ".join("(" + literal(v).sql(SOURCE_DIALECT) + ")" for v in items)
    return f"(VALUES {rows}) AS v({ident(column)})"
