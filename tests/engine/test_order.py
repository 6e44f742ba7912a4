"""The order file and its checks against the catalog."""

from pathlib import Path

import pytest

from tilgang.engine.errors import CoverageError, OrderError, UnknownVariableError
from tilgang.engine.metadata import Metadata
from tilgang.engine.order import check_against_catalog, load_order, parse_order
from tilgang.engine.testing import test_metadata as catalog

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "orders").glob("*.toml"))
BASE = {"project": {"id": "P1"}, "population": {"kind": "resident_at", "date": "2013-01-01"}}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_orders_load_and_fit_the_synthetic_catalog(path: Path, synthetic_registers: Path) -> None:
    order = load_order(path)
    check_against_catalog(order, Metadata.load(synthetic_registers))
    for imp in order.linkage.imports:
        assert imp.file.is_absolute() and imp.file.exists()


def test_examples_exist() -> None:
    assert len(EXAMPLES) >= 2


def test_unknown_variable() -> None:
    with pytest.raises(UnknownVariableError, match="NOPE"):
        check_against_catalog(parse_order({**BASE, "variables": [{"name": "NOPE"}]}), catalog())


def test_years_outside_coverage() -> None:
    with pytest.raises(CoverageError, match="1990"):
        check_against_catalog(
            parse_order({**BASE, "variables": [{"name": "LONN", "years": [1990]}]}), catalog()
        )


@pytest.mark.parametrize(
    ("order", "match"),
    [
        ({**BASE, "population": {"kind": "resident_at"}, "variables": [{"name": "KJOENN"}]}, "needs date"),
        ({**BASE, "variables": []}, "no variables"),
        (
            {**BASE, "variables": [{"name": "KJOENN"}], "disclosure": {"quasi_identifiers": ["X"]}},
            "not among",
        ),
        ({**BASE, "variables": [{"name": "KJOENN", "minimise": {"method": "age_group"}}]}, "reference_date"),
        ({**BASE, "variables": [{"name": "KJOENN"}], "surprise": 1}, "Extra inputs"),
    ],
)
def test_malformed_orders(order: dict, match: str) -> None:
    with pytest.raises(OrderError, match=match):
        parse_order(order)


def test_minimisation_must_fit_the_type() -> None:
    with pytest.raises(OrderError, match="does not fit"):
        check_against_catalog(
            parse_order(
                {**BASE, "variables": [{"name": "LONN", "years": [2012], "minimise": {"method": "county"}}]}
            ),
            catalog(),
        )


def test_status_variable_needs_dates() -> None:
    with pytest.raises(OrderError, match="needs dates"):
        check_against_catalog(parse_order({**BASE, "variables": [{"name": "BOSTED"}]}), catalog())


def test_bad_toml_is_an_order_error(tmp_path: Path) -> None:
    f = tmp_path / "o.toml"
    f.write_text("[project\n")
    with pytest.raises(OrderError, match="not valid TOML"):
        load_order(f)
