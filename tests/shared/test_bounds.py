"""The one validator of numeric setting ranges (sources/_shared/bounds.py), and every vendor's declaration."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from sources import registry
from sources._shared.bounds import Bounds, check_value, with_bounds
from sources._shared.errors import ProviderConfigError

PAGE = Bounds(int, 1, 200, why="the API's maximum")


@pytest.mark.parametrize(("value", "expected"), [("7", 7), (7.0, 7), (" 200 ", 200), (1, 1)])
def test_accepted_values_come_back_as_numbers_of_the_kind(value: Any, expected: int) -> None:
    assert check_value("acme", "page_size", value, PAGE) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "page_size 'abc' is not a whole number"),
    (True, "page_size True is not a whole number"),
    (2.5, "page_size 2.5 is not a whole number"),
    ("nan", "page_size 'nan' is not a whole number"),
    (0, "page_size 0 is out of range: it must be from 1 to 200"),
    (201, "page_size 201 is out of range: it must be from 1 to 200 (the API's maximum)"),
])
def test_refused_values_name_the_key_and_its_env_var(value: Any, message: str) -> None:
    with pytest.raises(ProviderConfigError) as refused:
        check_value("acme", "page_size", value, PAGE)
    assert str(refused.value) == f"acme: {message}. Set sources.acme.page_size (env SOURCES__ACME__PAGE_SIZE)"


def test_open_lower_bound_and_tables_of_numbers() -> None:
    with pytest.raises(ProviderConfigError, match="it must be more than 0"):
        check_value("acme", "timeout", "0", Bounds(float, 0, above_minimum=True))
    hours = Bounds(float, 0, per_key=True)
    assert check_value("acme", "hours", '{"a": 1, "*": "2.5"}', hours) == {"a": 1.0, "*": 2.5}
    with pytest.raises(ProviderConfigError, match=r"hours\.a -1 is out of range"):
        check_value("acme", "hours", {"a": -1}, hours)
    with pytest.raises(ProviderConfigError, match="is not a table of name = number"):
        check_value("acme", "hours", "[1]", hours)


def test_a_default_out_of_its_own_range_fails_at_declaration() -> None:
    def source(page_size: int = 500) -> None:
        return None

    with pytest.raises(ProviderConfigError, match="page_size 500 is out of range"):
        with_bounds("acme", {"page_size": PAGE})(source)
    with pytest.raises(TypeError, match="no parameter limit"):
        with_bounds("acme", {"limit": PAGE})(source)


@pytest.mark.parametrize("vendor", registry.names())
def test_every_vendor_bounds_its_page_size_and_keeps_real_defaults(vendor: str) -> None:
    parameters = inspect.signature(registry.get(vendor).source).parameters
    assert "page_size" in parameters
    default = parameters["page_size"].default
    assert isinstance(default, int) and default >= 1  # the README's defaults are read from here
    required = {name: "x" for name, p in parameters.items() if "value" in repr(p.default).lower()}  # dlt's sentinels
    with pytest.raises(ProviderConfigError, match=rf"sources\.{vendor}\.page_size"):
        registry.get(vendor).source(**required, page_size="many")
