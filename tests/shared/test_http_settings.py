"""The five HTTP settings: declared once, injected by dlt from the source's section, validated in one place."""

from __future__ import annotations

import inspect
from dataclasses import fields
from typing import Any

import dlt
import pytest

from sources._shared.errors import ProviderConfigError
from sources._shared.http.settings import HTTP_SETTINGS, HttpSettings, http_settings_of, with_http_settings
from sources.bytehr import bytehr_source
from sources.cutehr import cutehr_source
from sources.hollyhr import hollyhr_source
from tests.harness import raised

NAMES = [s.name for s in HTTP_SETTINGS]
RECEIVED: list[HttpSettings] = []


@dlt.source(name="toyhttp", section="toyhttp")
@with_http_settings("toyhttp", max_attempts=7)
def toy_source(base_url: str = "http://127.0.0.1:9", *, http: HttpSettings) -> Any:
    """A source that only keeps the settings it was given."""
    RECEIVED.append(http)
    return dlt.resource([{"id": 1}], name="things")


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    RECEIVED.clear()
    for section in ("TOYHTTP", "TOYHTTP_ACME", "HOLLYHR"):
        for name in NAMES:
            monkeypatch.delenv(f"SOURCES__{section}__{name.upper()}", raising=False)


def test_the_table_and_the_value_type_agree() -> None:
    assert [(s.name, s.default) for s in HTTP_SETTINGS] == [(f.name, f.default) for f in fields(HttpSettings)]
    assert all(s.doc.endswith(".") and s.bounds.kind in (int, float) for s in HTTP_SETTINGS)


def test_defaults_with_the_vendors_override() -> None:
    toy_source()
    assert RECEIVED == [HttpSettings(max_attempts=7)]
    assert {row.name: row.default for row in http_settings_of("cutehr")}["max_attempts"] == 10
    assert {row.name: row.default for row in http_settings_of("hollyhr")} == {
        "timeout": 30.0, "max_attempts": 5, "backoff_base": 1.0, "backoff_cap": 60.0, "max_retry_after": 600.0}
    row = http_settings_of("bytehr")[0]
    assert (row.name, row.env) == ("timeout", "SOURCES__BYTEHR__TIMEOUT") and row.doc


def test_values_come_from_the_sources_section_and_its_env_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__TOYHTTP__TIMEOUT", "7.5")
    monkeypatch.setenv("SOURCES__TOYHTTP__MAX_ATTEMPTS", "2")
    toy_source(backoff_cap=3)
    assert RECEIVED == [HttpSettings(timeout=7.5, max_attempts=2, backoff_cap=3.0)]


def test_a_tenant_section_has_its_own_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__TOYHTTP__TIMEOUT", "7.5")
    monkeypatch.setenv("SOURCES__TOYHTTP_ACME__TIMEOUT", "3")
    toy_source.clone(name="toyhttp_acme", section="toyhttp_acme")()
    toy_source()
    assert [s.timeout for s in RECEIVED] == [3.0, 7.5]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("timeout", "0", "out of range: it must be more than 0"),
    ("timeout", "-1.5", "out of range"),
    ("timeout", "abc", "is not a number"),
    ("timeout", "nan", "is not a number"),
    ("max_attempts", "0", "out of range: it must be at least 1"),
    ("max_attempts", "2.5", "is not a whole number"),
    ("max_attempts", "true", "is not a whole number"),
    ("backoff_base", "-0.1", "out of range: it must be at least 0"),
    ("backoff_cap", "-1", "out of range"),
    ("max_retry_after", "soon", "is not a number"),
])
def test_a_bad_value_is_refused_naming_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str,
                                                   message: str) -> None:
    monkeypatch.setenv(f"SOURCES__HOLLYHR__{name.upper()}", value)
    with pytest.raises(Exception) as failure:
        hollyhr_source(base_url="http://127.0.0.1:9/api/v1", api_token="t0ken-for-tests")
    error = raised(failure.value, ProviderConfigError)
    text = str(error)
    assert message in text and repr(value) in text
    assert f"sources.hollyhr.{name} (env SOURCES__HOLLYHR__{name.upper()})" in text


def test_whole_numbers_in_any_spelling_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__TOYHTTP__MAX_ATTEMPTS", "3.0")
    toy_source(timeout=2, max_retry_after=" 10 ")
    assert RECEIVED == [HttpSettings(timeout=2.0, max_attempts=3, max_retry_after=10.0)]


@pytest.mark.parametrize("source", [bytehr_source, cutehr_source, hollyhr_source])
def test_every_vendor_source_takes_the_five_settings(source: Any) -> None:
    params = inspect.signature(source).parameters
    assert [p for p in params if p in NAMES] == NAMES
    assert "http" not in params


def test_a_source_without_an_http_parameter_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="must take an http parameter"):
        with_http_settings("nohttp")(lambda base_url="x": base_url)
    with pytest.raises(ValueError, match="no HTTP setting named retries"):
        with_http_settings("nohttp", retries=3)


def test_an_undeclared_vendor_is_an_error_not_an_empty_list() -> None:
    with pytest.raises(KeyError, match="no source declared with with_http_settings"):
        http_settings_of("nosuchvendor")
