"""The README's resource tables and config reference must say what the code does."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from sources import registry
from sources._shared.dlt_compat import declared_incremental
from sources._shared.spec import VendorSpec

ROOT = Path(__file__).resolve().parents[2]


def table_after(text: str, heading: str) -> list[list[str]]:
    """Rows of the first markdown table after `heading` (header and rule dropped)."""
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def plain(cell: str) -> str:
    return cell.strip().strip("`")


def cursor_path(resource: Any) -> str | None:
    declared = declared_incremental(resource)
    return None if declared is None else str(declared.cursor_path)


def build_source(vendor: VendorSpec | str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The vendor's source built with placeholder settings (no request is sent)."""
    spec = registry.get(vendor) if isinstance(vendor, str) else vendor
    fn = spec.source
    for name, param in inspect.signature(fn).parameters.items():
        if name in ("base_url",):
            monkeypatch.setenv(f"{spec.env_prefix}BASE_URL", "http://127.0.0.1:9/api")
        elif param.default is not inspect.Parameter.empty and "secrets" in repr(param.default).lower():
            monkeypatch.setenv(f"{spec.env_prefix}{name.upper()}", "not-a-real-secret")
        elif param.default is not inspect.Parameter.empty and "config" in repr(param.default).lower():
            monkeypatch.setenv(f"{spec.env_prefix}{name.upper()}", "etl@example.com")
    return fn()


def readme_of(spec: VendorSpec) -> str:
    return (ROOT / spec.readme).read_text()


def check_resource_table(spec: VendorSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """The vendor's resource table (``### <title>``) against the source: names, keys, dispositions, cursors."""
    rows = table_after(readme_of(spec), f"### {spec.title}\n")
    source = build_source(spec, monkeypatch)
    documented = {plain(r[0]): r for r in rows}
    assert set(documented) == set(source.resources), "README resources differ from the source's"
    assert list(source.resources) == list(spec.resources), "the spec's resources differ from the source's"
    for name, resource in source.resources.items():
        row = documented[name]
        schema = resource.compute_table_schema()
        pk = sorted(c for c, col in schema["columns"].items() if col.get("primary_key"))
        assert sorted(plain(k) for k in row[1].split(",")) == pk, f"{name}: primary key"
        disposition = schema.get("write_disposition")
        assert row[2].split()[0] == disposition, f"{name}: write disposition"
        cursor = cursor_path(resource)
        if cursor is not None:
            assert f"`{cursor}`" in row[3], f"{name}: incremental cursor {cursor} not in README"


def check_config_reference(spec: VendorSpec) -> None:
    """The vendor's settings table (``### <title> settings``): every source argument and its env var."""
    rows = table_after(readme_of(spec), f"### {spec.title} settings")
    documented = {plain(r[0]) for r in rows}
    params = set(inspect.signature(spec.source).parameters)
    assert documented == params
    for row in rows:
        key = plain(row[0])
        assert plain(row[2]) == f"{spec.env_prefix}{key.upper()}"


def check_config_defaults(spec: VendorSpec) -> None:
    """The defaults the settings table names are the source's."""
    rows = table_after(readme_of(spec), f"### {spec.title} settings")
    params = inspect.signature(spec.source).parameters
    for row in rows:
        default = params[plain(row[0])].default
        if isinstance(default, (int, float, str)) and not isinstance(default, bool) and default != "":
            assert re.search(rf"`{re.escape(str(default))}`", row[1]), f"{row[0]}: default {default!r}"


@pytest.mark.parametrize("vendor", registry.names())
def test_resource_table_matches_the_code(vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    check_resource_table(registry.get(vendor), monkeypatch)


@pytest.mark.parametrize("vendor", registry.names())
def test_config_reference_matches_the_source_arguments(vendor: str) -> None:
    check_config_reference(registry.get(vendor))


@pytest.mark.parametrize("vendor", registry.names())
def test_config_defaults_match(vendor: str) -> None:
    check_config_defaults(registry.get(vendor))
