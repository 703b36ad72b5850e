"""ByteHR leave requests as Arrow tables: the same warehouse table, deletes, quota-cut walks, the record guard.

New and changed leave requests go to dlt as Arrow tables (sources/_shared/rows/arrow.py, columns in
``settings.ARROW_COLUMNS``); tombstones go as dicts; delete_mode scd2 keeps dicts. These tests run
the source against the sandbox (through the hostile proxy where the vendor must send something it
never would) and check what the warehouse, dlt state and ``_rejected`` hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from sources._shared.errors import BadRecordError
from sources._shared.rows.arrow import ArrowPages
from sources._shared.rows.timestamps import parse_iso_columns
from sources.bytehr import settings
from tests.bytehr.helpers import VENDOR, resource_state, start
from tests.harness import Harness, on_each_destination, raised
from tests.resilience.hostile import HostileProxy

ROUTE = "/leave-requests"
TABLE = "leave_requests"
# the leave_requests table as the dict records made it before leave requests went as Arrow tables
COLUMNS = {
    "_deleted_at": "timestamp with time zone",
    "id": "bigint",
    "employee_id": "bigint",
    "leave_type": "varchar",
    "start_date": "varchar",
    "end_date": "varchar",
    "days": "bigint",
    "status": "varchar",
    "updated_at": "timestamp with time zone",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}
SCD2_COLUMNS = {**COLUMNS, "_dlt_valid_from": "timestamp with time zone", "_dlt_valid_to": "timestamp with time zone"}


@pytest.fixture
def proxied(harness: Harness) -> Iterator[tuple[Any, HostileProxy]]:
    app = start(harness)
    proxy = HostileProxy(app.base_url)
    harness.setenv("SOURCES__BYTEHR__BASE_URL", proxy.base_url)
    yield app, proxy
    proxy.close()


def _ids(harness: Harness, where: str = "true") -> set[int]:
    return {int(r[0]) for r in harness.query(f"select id from bytehr.leave_requests where {where}")}


def _types(harness: Harness) -> dict[str, str]:
    """The table's column types; on Postgres in DuckDB's words, to compare with the dict-made table."""
    words = {"character varying": "varchar", "text": "varchar"}
    return {k: words.get(v, v) for k, v in harness.column_types(VENDOR, TABLE).items()}


def _rejected(harness: Harness) -> list[tuple[Any, ...]]:
    rows = harness.query("select table_name, reason, record from bytehr._rejected")
    return [(*r[:2], json.loads(r[2]) if isinstance(r[2], str) else r[2]) for r in rows]


@on_each_destination
def test_arrow_tables_keep_the_table_columns_and_types_and_merge(harness: Harness) -> None:
    app = start(harness)
    first = harness.run(VENDOR, resources=[TABLE])
    assert _types(harness) == COLUMNS
    assert first.rows[TABLE] == harness.count(VENDOR, TABLE) == app.count(TABLE)
    # rows came as Arrow tables: ArrowPages' row ids (16 characters; dlt's dict normalizer writes 14)
    assert harness.query("select distinct length(_dlt_id) from bytehr.leave_requests") == [(16,)]
    [(load_id,)] = harness.query("select load_id from bytehr._dlt_loads where schema_name = 'bytehr'")
    assert harness.query("select distinct _dlt_load_id from bytehr.leave_requests") == [(load_id,)]
    record = app.record(TABLE, app.ids(TABLE)[7])
    stored = harness.query("select employee_id, leave_type, start_date, end_date, days, status, updated_at "
                           f"from bytehr.leave_requests where id = {record['id']}")
    assert stored == [(record["employee_id"], record["leave_type"], record["start_date"], record["end_date"],
                       record["days"], record["status"], datetime.fromisoformat(record["updated_at"]))]

    second = harness.run(VENDOR, resources=[TABLE])  # nothing changed: nothing loads
    assert second.rows.get(TABLE, 0) == 0
    changed = app.ids(TABLE)[11]
    app.update_record(TABLE, changed, status="cancelled")
    third = harness.run(VENDOR, resources=[TABLE])
    assert third.rows[TABLE] == 1
    assert harness.query(f"select status from bytehr.leave_requests where id = {changed}") == [("cancelled",)]
    assert harness.count(VENDOR, TABLE) == app.count(TABLE)
    assert _types(harness) == COLUMNS


@on_each_destination
@pytest.mark.parametrize("mode", ["flag", "hard_delete", "scd2"])
def test_deletes_in_every_mode(harness: Harness, mode: str) -> None:
    app = start(harness)
    harness.setenv("SOURCES__BYTEHR__DELETE_MODE", mode)
    harness.run(VENDOR, resources=[TABLE])
    ids = app.ids(TABLE)
    gone, changed = ids[3], ids[8]
    app.delete_record(TABLE, gone)
    app.update_record(TABLE, changed, status="cancelled")
    second = harness.run(VENDOR, resources=[TABLE])
    assert second.rows[TABLE] == 2  # the change and the tombstone
    current = " and _dlt_valid_to is null" if mode == "scd2" else ""
    statuses = dict(harness.query(f"select id, status from bytehr.leave_requests where true{current}"))
    assert statuses[changed] == "cancelled"
    if mode == "flag":
        assert harness.count(VENDOR, TABLE) == len(ids)
        assert _ids(harness, "_deleted_at is not null") == {gone}
        assert statuses[gone] is None  # the flagged row keeps its key; ByteHR no longer serves the rest
        assert _types(harness) == COLUMNS
    elif mode == "hard_delete":
        assert _ids(harness) == set(app.ids(TABLE))
        assert _types(harness) == COLUMNS
    else:
        assert _ids(harness, "_dlt_valid_to is null") == set(app.ids(TABLE))
        retired = _ids(harness, "_dlt_valid_to is not null")
        assert retired == {gone, changed}
        assert _ids(harness, "_deleted_at is not null") == set()  # tombstones retire rows; never inserted
        assert _types(harness) == SCD2_COLUMNS
    third = harness.run(VENDOR, resources=[TABLE])
    assert third.rows == {}  # unchanged records are not re-sent, and (scd2) not retired either


def test_walk_cut_by_the_quota_loads_its_rows_and_resumes_without_loss(harness: Harness) -> None:
    app = start(harness, leave_requests=350)  # 4 pages; one Arrow table would hold them all
    harness.setenv("SOURCES__BYTEHR__QUOTA_MODE", "partial")
    reserve = 10
    app.set_quota_remaining(reserve + 2)
    first = harness.run(VENDOR, resources=[TABLE])
    assert [e.arg("currentpage") for e in app.requests(ROUTE)] == ["1", "2"]
    assert any("continues at page 3" in note for note in first.notes)
    assert first.rows[TABLE] == harness.count(VENDOR, TABLE) == 200  # held rows left before the state moved
    assert resource_state(harness, TABLE)["walk"]["resume"]
    app.set_quota_remaining(1000)
    harness.setenv("SOURCES__BYTEHR__QUOTA_RESERVE", "0")
    app.clear_log()
    second = harness.run(VENDOR, resources=[TABLE])
    assert [e.arg("currentpage") for e in app.requests(ROUTE)] == ["3", "4"]
    assert second.rows[TABLE] == 150
    assert _ids(harness) == set(app.ids(TABLE))
    assert harness.count(VENDOR, TABLE) == 350
    assert resource_state(harness, TABLE)["last_walk"]["records"] == 350
    assert harness.column_types(VENDOR, TABLE) == COLUMNS
    assert harness.run(VENDOR, resources=[TABLE]).rows == {}


def test_row_without_primary_key_in_an_arrow_table_is_quarantined(harness: Harness,
                                                                  proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied
    victim: dict[str, Any] = {}

    def drop_id(payload: Any) -> None:
        record = payload["data"][3]
        victim.update(record)
        del record["id"]

    proxy.on_json(ROUTE, drop_id)
    result = harness.run(VENDOR, resources=[TABLE])
    assert result.rows["_rejected"] == 1
    [(table, reason, record)] = _rejected(harness)
    assert (table, reason) == (TABLE, "missing primary key id")
    assert record["id"] is None and record["employee_id"] == victim["employee_id"]
    assert harness.count(VENDOR, TABLE) == app.count(TABLE) - 1
    assert victim["id"] not in _ids(harness)
    assert harness.column_types(VENDOR, TABLE) == COLUMNS


def test_row_without_primary_key_fails_the_run_under_bad_records_fail(harness: Harness,
                                                                       proxied: tuple[Any, HostileProxy]) -> None:
    _, proxy = proxied
    harness.setenv("HR_ELT__BAD_RECORDS", "fail")
    proxy.on_json(ROUTE, lambda payload: payload["data"][3].pop("id"))
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR, resources=[TABLE])
    error = raised(failure.value, BadRecordError)
    assert "missing primary key id" in str(error)
    assert TABLE not in harness.tables(VENDOR)


def _add_badge(payload: Any) -> None:
    for record in payload["data"]:
        record["badge"] = f"B-{record['employee_id']}"


def test_added_field_becomes_a_column_under_evolve(harness: Harness, proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied
    proxy.on_json(ROUTE, _add_badge)
    harness.run(VENDOR, resources=[TABLE])
    types = harness.column_types(VENDOR, TABLE)
    assert {k: v for k, v in types.items() if k in COLUMNS} == COLUMNS
    assert types["badge"] == "varchar"
    assert harness.scalar("select count(*) from bytehr.leave_requests where badge is not null") == 100
    assert harness.count(VENDOR, TABLE) == app.count(TABLE)


def test_added_field_fails_the_run_under_a_frozen_contract(harness: Harness,
                                                           proxied: tuple[Any, HostileProxy]) -> None:
    _, proxy = proxied
    harness.setenv("SOURCES__BYTEHR__SCHEMA_CONTRACT", "freeze")
    harness.run(VENDOR, resources=[TABLE])
    harness.setenv("SOURCES__BYTEHR__SKIP_UNCHANGED", "false")
    proxy.on_json(ROUTE, _add_badge)
    with pytest.raises(Exception) as failure:
        harness.run(VENDOR, resources=[TABLE])
    assert "badge" in str(failure.value)
    assert "badge" not in harness.column_types(VENDOR, TABLE)


@pytest.mark.parametrize("mode", ["discard_value", "discard_row"])
def test_added_field_under_a_discarding_contract(harness: Harness, proxied: tuple[Any, HostileProxy],
                                                 mode: str) -> None:
    app, proxy = proxied
    harness.setenv("SOURCES__BYTEHR__SCHEMA_CONTRACT", mode)
    harness.run(VENDOR, resources=[TABLE])
    harness.setenv("SOURCES__BYTEHR__SKIP_UNCHANGED", "false")
    proxy.on_json(ROUTE, _add_badge)  # the first page's 100 records
    second = harness.run(VENDOR, resources=[TABLE])
    assert "badge" not in harness.column_types(VENDOR, TABLE)
    assert second.rows[TABLE] == (app.count(TABLE) if mode == "discard_value" else app.count(TABLE) - 100)
    assert harness.count(VENDOR, TABLE) == app.count(TABLE)


def test_declared_columns_are_the_table_order_and_fit_sandbox_records(harness: Harness) -> None:
    app = start(harness)
    pages = ArrowPages(settings.ARROW_COLUMNS[TABLE])
    pages._load_id = "1.0"  # outside an extraction: no load package to ask
    records = app.records(TABLE)[:50]
    rows = [dict(r) for r in records]
    parse_iso_columns(rows, timestamps=settings.TIMESTAMP_FIELDS[TABLE])
    table = pages.table(rows)
    assert table is not None
    assert table.schema.names == [*COLUMNS]
    assert pages.table([{**rows[0], "days": 1.5}]) is None  # a fractional day goes as a dict (variant column)
