"""sources/bytehr/README.md says what the code does (the same checks as tests/docs for the top README)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from sources.bytehr import bytehr_source
from tests.docs.test_readme import build_source, plain, table_after

README = (Path(__file__).resolve().parents[2] / "sources" / "bytehr" / "README.md").read_text()


def test_resource_table(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {plain(r[0]): r for r in table_after(README, "### ByteHR\n")}
    source = build_source("bytehr", monkeypatch)
    assert list(rows) == list(source.resources)
    for name, resource in source.resources.items():
        schema = resource.compute_table_schema()
        pk = sorted(c for c, col in schema["columns"].items() if col.get("primary_key"))
        assert [plain(k) for k in rows[name][1].split(",")] == pk, name
        assert rows[name][2].split()[0] == schema.get("write_disposition"), name


def test_settings_table() -> None:
    rows = table_after(README, "### ByteHR settings")
    params = inspect.signature(bytehr_source).parameters
    assert [plain(r[0]) for r in rows] == list(params)
    for row in rows:
        key = plain(row[0])
        assert plain(row[2]) == f"SOURCES__BYTEHR__{key.upper()}"
        default = params[key].default
        if isinstance(default, (int, float, str)) and not isinstance(default, bool) and default != "":
            assert f"`{default}`" in row[1], key
