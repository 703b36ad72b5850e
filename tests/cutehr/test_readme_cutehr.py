"""sources/cutehr/README.md must say what the code does: resources, keys, cursors, settings, defaults."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from tests.docs.test_readme import build_source, cursor_path, plain, table_after

README = Path(__file__).resolve().parents[2] / "sources" / "cutehr" / "README.md"


def test_resource_table_matches_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = table_after(README.read_text(), "### CuteHR\n")
    source = build_source("cutehr", monkeypatch)
    documented = {plain(r[0]): r for r in rows}
    assert set(documented) == set(source.resources)
    for name, resource in source.resources.items():
        row = documented[name]
        schema = resource.compute_table_schema()
        pk = sorted(c for c, col in schema["columns"].items() if col.get("primary_key"))
        assert sorted(plain(k) for k in row[1].split(",")) == pk, name
        assert row[2].split()[0] == schema.get("write_disposition"), name
        cursor = cursor_path(resource)
        if cursor is not None:
            assert f"`{cursor}`" in row[3], name
        path = row[4].split()[-1].strip("`")
        assert path.startswith("/api/v1/"), name


def test_settings_table_matches_the_source_arguments() -> None:
    from sources.cutehr import cutehr_source

    rows = table_after(README.read_text(), "### CuteHR settings")
    params = inspect.signature(cutehr_source).parameters
    assert [plain(r[0]) for r in rows] == list(params)
    for row in rows:
        key = plain(row[0])
        assert plain(row[2]) == f"SOURCES__CUTEHR__{key.upper()}"
        default = params[key].default
        if isinstance(default, (int, float, str)) and not isinstance(default, bool) and default != "":
            assert re.search(rf"`{re.escape(str(default))}`", row[1]), f"{key}: default {default!r}"
        if isinstance(default, bool):
            assert f"`{str(default).lower()}`" in row[1], key
