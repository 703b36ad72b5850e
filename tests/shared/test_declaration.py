"""One declaration per resource: the built sources, the specs and the README tables say what it says."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sources import registry
from sources._shared import declare
from sources._shared.declare import BigQueryLayout, DeclarationError, Resource
from sources._shared.spec import VendorSpec
from tests.docs.test_readme import build_source, cursor_path, plain, table_after

ROOT = Path(__file__).resolve().parents[2]

TIME_OFF = Resource(name="time_off", path="/time-off", primary_key=("id",), sync="incremental", cursor="updated_at",
                    fields=("id", "person_id", "start_date", "updated_at"), pii=(),
                    bigquery=BigQueryLayout(partition=("start_date", "date")), dbt=True, scope="time_off:read",
                    webhook_events=("time_off",))


def resource_tables(spec: VendorSpec) -> dict[str, list[list[str]]]:
    """Every ``### <title>`` resource table of the vendor: its spec's readme and its own README."""
    found = {}
    for path in dict.fromkeys((ROOT / spec.readme, ROOT / "sources" / spec.name / "README.md")):
        text = path.read_text() if path.is_file() else ""
        if f"### {spec.title}\n" in text:
            found[str(path.relative_to(ROOT))] = table_after(text, f"### {spec.title}\n")
    return found


@pytest.mark.parametrize("vendor", registry.names())
def test_the_built_source_is_what_the_declaration_says(vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = registry.get(vendor)
    source = build_source(spec, monkeypatch)
    # the declared resources, and the versions (history) resources the spec names beside them
    assert [r for r in source.resources if r not in spec.history] == [r.name for r in spec.declaration]
    assert sorted(r for r in source.resources if r in spec.history) == sorted(spec.history)
    for declared in spec.declaration:
        resource = source.resources[declared.name]
        schema = resource.compute_table_schema()
        key = sorted(c for c, col in schema["columns"].items() if col.get("primary_key"))
        assert key == sorted(declared.primary_key), declared.name
        assert schema.get("write_disposition") == declared.write_disposition, declared.name
        assert cursor_path(resource) == declared.cursor, declared.name  # dlt incremental on the cursor
        for column, hint in declared.columns.items():
            assert schema["columns"][column]["data_type"] == hint["data_type"], (declared.name, column)


@pytest.mark.parametrize("vendor", registry.names())
def test_readme_resource_tables_are_what_the_declaration_says(vendor: str) -> None:
    check_readme_tables(registry.get(vendor))


def check_readme_tables(spec: VendorSpec) -> None:
    """Every resource table of the vendor's READMEs: names in order, keys, dispositions, cursors, endpoints."""
    vendor = spec.name
    tables = resource_tables(spec)
    assert tables, f"{vendor}: no resource table (### {spec.title}) in {spec.readme} or its own README"
    for where, rows in tables.items():
        rows = [r for r in rows if plain(r[0]) not in spec.history]  # versions: no request of their own
        assert [plain(r[0]) for r in rows] == [r.name for r in spec.declaration], where
        for row, declared in zip(rows, spec.declaration, strict=True):
            assert sorted(plain(k) for k in row[1].split(",")) == sorted(declared.primary_key), (where, declared.name)
            assert row[2].split()[0] == declared.write_disposition, (where, declared.name)
            if declared.cursor is not None:
                assert f"`{declared.cursor}`" in row[3], (where, declared.name)
            if len(row) > 4:  # the endpoint column: `GET <path>`, placeholders named as the docs like
                endpoint = re.sub(r"\{[^}]*\}", "{}", plain(row[4]))
                assert endpoint == f"GET {declared.path_shape()}", (where, declared.name)


@pytest.mark.parametrize("vendor", registry.names())
def test_the_spec_tables_derive_from_the_declaration(vendor: str) -> None:
    spec = registry.get(vendor)
    assert tuple(r for r in spec.resources if r not in spec.history) == declare.named(spec.declaration)
    assert dict(spec.pii) == declare.pii(spec.declaration)
    assert {t: layout for t, layout in spec.bigquery.items() if t not in spec.history} == declare.bigquery(
        spec.declaration)
    assert sorted(spec.dbt_tables) == sorted(declare.dbt_tables(spec.declaration))
    assert dict(spec.coverage.documented) == declare.documented(spec.declaration)
    assert dict(spec.coverage.may_be_null) == declare.may_be_null(spec.declaration)


def test_vendor_tables_derive_from_the_declaration() -> None:
    from sources.bytehr import settings as bytehr
    from sources.cutehr import settings as cutehr
    from sources.hollyhr import settings as hollyhr
    from sources.hollyhr import webhooks

    assert hollyhr.UPDATED_SINCE_ENDPOINTS == {"people": "/people", "time_off": "/time-off", "documents": "/documents"}
    assert hollyhr.CHILD_RESOURCES == ("employments", "employment_history")
    assert hollyhr.SCOPES["time_off"] == "time_off:read"
    assert "(people:read, time_off:read, documents:read)" in hollyhr.WITHHELD_HINT
    people = ("people", "employments", "employment_history")
    assert webhooks.EVENT_RESOURCES == {"person": people, "employment": people, "employment_history": people,
                                        "time_off": ("time_off",), "document": ("documents",)}
    assert bytehr.WALK_PRIORITY == ("custom_field_definitions", "employees", "leave_requests", "departments",
                                    "positions")
    assert bytehr.ORDERED_BY_KEY == {"departments", "positions", "employees", "leave_requests"}
    assert list(bytehr.ARROW_COLUMNS) == ["leave_requests"]
    assert list(bytehr.ARROW_COLUMNS["leave_requests"])[:2] == ["_deleted_at", "id"]
    assert cutehr.LEAVES_CURSOR == "modified_at" and cutehr.ATTENDANCE_CURSOR == "date"
    assert list(cutehr.ARROW_COLUMNS) == ["employees", "departments"]
    assert cutehr.PARSED_COLUMNS["leaves"] == (("from_date", "to_date"), ("applied_at",))


@pytest.mark.parametrize(("change", "message"), [
    ({"may_be_null": ("end_date",)}, "may_be_null names undocumented fields: end_date"),
    ({"pii": ("",)}, "pii must be a tuple of names"),
    ({"cursor": None}, "a cursor is declared exactly for incremental and windows syncs"),
    ({"sync": "snapshot"}, "a cursor is declared exactly for incremental and windows syncs"),
    ({"sync": "child", "cursor": None}, "a child's path names its parent"),
    ({"sync": "stream"}, "sync 'stream' is not one of"),
    ({"bigquery": BigQueryLayout(cluster=("employee_id",))}, "bigquery names undocumented fields: employee_id"),
    ({"primary_key": ("uuid",)}, "primary_key names undocumented fields: uuid"),
    ({"path": "time-off"}, "must start with '/'"),
    ({"arrow_columns": {"_deleted_at": {}, "days": {}}}, "arrow_columns names undocumented fields: days"),
])
def test_a_wrong_declaration_is_an_error_at_import(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DeclarationError, match=re.escape(message)):
        replace(TIME_OFF, **change)


def test_a_vendor_declaration_is_checked_whole() -> None:
    with pytest.raises(DeclarationError, match=r"resources declared twice: \['time_off'\]"):
        declare.check((TIME_OFF, TIME_OFF))
    with pytest.raises(DeclarationError, match="two resources share a walk_priority"):
        declare.check((replace(TIME_OFF, walk_priority=1), replace(TIME_OFF, name="leave", walk_priority=1)))
    with pytest.raises(DeclarationError, match="compound primary key"):
        _ = replace(TIME_OFF, primary_key=("id", "person_id")).key
    assert declare.event_resources((TIME_OFF, replace(TIME_OFF, name="other"))) == {"time_off": ("time_off", "other")}
