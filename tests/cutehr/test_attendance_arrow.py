"""CuteHR attendance as Arrow tables: the same warehouse table, and the record guard's columnar checks.

Attendance rows go to dlt as Arrow tables (sources/_shared/rows/arrow.py). These tests run the
source against the sandbox (through the hostile proxy where the vendor must send something it
never would) and check what the warehouse and ``_rejected`` hold.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest

from sources._shared.errors import BadRecordError
from sources._shared.rows.arrow import ArrowPages
from sources.cutehr import settings
from tests.cutehr.helpers import lookback_start, start_cutehr, today, working_day_back
from tests.harness import Harness, raised
from tests.resilience.hostile import HostileProxy

ROUTE = "/api/v1/attendance"
KEY = "test-pii-key-0123456789abcdef"
# the attendance table as the dict records made it before attendance went as Arrow tables
COLUMNS = {
    "date": "date",
    "check_in": "timestamp with time zone",
    "check_out": "timestamp with time zone",
    "worked_hours": "double",
    "id": "bigint",
    "employee_id": "bigint",
    "status": "varchar",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}


@pytest.fixture
def proxied(harness: Harness) -> Iterator[tuple[Any, HostileProxy]]:
    app = start_cutehr(harness, employees=60)
    proxy = HostileProxy(app.base_url)
    harness.setenv("SOURCES__CUTEHR__BASE_URL", proxy.base_url)
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "50")
    yield app, proxy
    proxy.close()


def expected_rows(app: Any) -> int:
    return int(app.attendance_count(lookback_start(), today()))


def rejected(harness: Harness) -> list[tuple[Any, ...]]:
    rows = harness.query("select table_name, reason, page, request_id, record from cutehr._rejected")
    return [(*r[:4], json.loads(r[4]) if isinstance(r[4], str) else r[4]) for r in rows]


def test_arrow_pages_keep_the_table_columns_types_and_merge(harness: Harness) -> None:
    app = start_cutehr(harness, employees=60)
    first = harness.run("cutehr", resources=["attendance"])
    assert harness.column_types("cutehr", "attendance") == COLUMNS
    assert first.rows["attendance"] == harness.count("cutehr", "attendance") == expected_rows(app)
    # rows came as Arrow tables: ArrowPages' row ids (16 characters; dlt's dict normalizer writes 14)
    assert harness.query("select distinct length(_dlt_id) from cutehr.attendance") == [(16,)]
    [(load_id,)] = harness.query("select load_id from cutehr._dlt_loads where schema_name = 'cutehr'")
    assert harness.query("select distinct _dlt_load_id from cutehr.attendance") == [(load_id,)]

    second = harness.run("cutehr", resources=["attendance"])  # nothing changed: nothing loads
    assert second.rows.get("attendance", 0) == 0
    day = working_day_back(3)
    row = app.attendance_records(day, day)[0]
    app.correct_attendance(row["employee_id"], day, worked_hours=1.25, status="half_day")
    third = harness.run("cutehr", resources=["attendance"])
    assert third.rows["attendance"] == 1
    assert harness.query(f"select worked_hours, status from cutehr.attendance where id = {row['id']}") == [
        (1.25, "half_day")]
    assert harness.count("cutehr", "attendance") == expected_rows(app)
    assert harness.column_types("cutehr", "attendance") == COLUMNS


@pytest.mark.parametrize("skip_unchanged", ["true", "false"])
def test_row_without_primary_key_in_an_arrow_page_is_quarantined(harness: Harness, proxied: tuple[Any, HostileProxy],
                                                                  skip_unchanged: str) -> None:
    app, proxy = proxied
    harness.setenv("SOURCES__CUTEHR__SKIP_UNCHANGED", skip_unchanged)  # the digests pass an id-less row on
    victim: dict[str, Any] = {}

    def drop_id(payload: Any) -> None:
        record = payload["results"][3]
        victim.update(record)
        del record["id"]

    proxy.on_json(ROUTE, drop_id, after=1)
    result = harness.run("cutehr", resources=["attendance"])
    assert result.rows["_rejected"] == 1
    [(table, reason, page, request_id, record)] = rejected(harness)
    assert (table, reason) == ("attendance", "missing primary key id")
    assert page.startswith(f"GET {proxy.base_path}{ROUTE}?") and request_id
    assert record["id"] is None and record["employee_id"] == victim["employee_id"]  # a column: null, not absent
    assert not [k for k in record if k.startswith("_dlt")]
    assert record["date"] == victim["date"]
    assert harness.count("cutehr", "attendance") == expected_rows(app) - 1
    assert harness.column_types("cutehr", "attendance") == COLUMNS


@pytest.mark.parametrize("skip_unchanged", ["true", "false"])
def test_row_without_primary_key_fails_the_run_under_bad_records_fail(harness: Harness,
                                                                       proxied: tuple[Any, HostileProxy],
                                                                       skip_unchanged: str) -> None:
    _, proxy = proxied
    harness.setenv("SOURCES__CUTEHR__SKIP_UNCHANGED", skip_unchanged)
    harness.setenv("HR_ELT__BAD_RECORDS", "fail")
    proxy.on_json(ROUTE, lambda payload: payload["results"][3].pop("id"), after=1)
    with pytest.raises(Exception) as failure:
        harness.run("cutehr", resources=["attendance"])
    error = raised(failure.value, BadRecordError)
    assert "missing primary key id" in str(error) and ROUTE in str(error)
    assert "attendance" not in harness.tables("cutehr")


def test_long_string_in_an_arrow_page_is_quarantined(harness: Harness) -> None:
    app = start_cutehr(harness, employees=60)
    harness.setenv("HR_ELT__MAX_STRING_LENGTH", "100")
    day = working_day_back(2)
    row = app.attendance_records(day, day)[5]
    app.correct_attendance(row["employee_id"], day, status="x" * 300)
    result = harness.run("cutehr", resources=["attendance"])
    assert result.rows["_rejected"] == 1
    [(table, reason, _, _, record)] = rejected(harness)
    assert table == "attendance"
    assert reason == "field status holds a string of 300 characters (hr_elt.max_string_length is 100)"
    assert record["id"] == row["id"] and record["status"] == "x" * 300
    assert harness.count("cutehr", "attendance") == expected_rows(app) - 1
    assert harness.scalar(f"select count(*) from cutehr.attendance where id = {row['id']}") == 0


def test_pii_rules_apply_to_arrow_columns(harness: Harness) -> None:
    app = start_cutehr(harness, employees=60)
    harness.setenv("HR_ELT__PII__HMAC_KEY", KEY)
    harness.setenv("HR_ELT__PII__COLUMNS", json.dumps({"cutehr.attendance.status": "pseudonymise",
                                                       "cutehr.attendance.check_out": "drop"}))
    harness.run("cutehr", resources=["attendance"])
    statuses = {r["status"] for r in app.attendance_records(lookback_start(), today())}
    pseudonyms = {hmac.new(KEY.encode(), s.encode(), hashlib.sha256).hexdigest() for s in statuses}
    assert {s for (s,) in harness.query("select distinct status from cutehr.attendance")} == pseudonyms
    assert harness.scalar("select count(*) from cutehr.attendance where check_out is not null") == 0
    assert harness.scalar("select count(*) from cutehr.attendance where check_in is not null") > 0
    assert harness.count("cutehr", "attendance") == expected_rows(app)
    assert harness.column_types("cutehr", "attendance") == COLUMNS


def test_pseudonymised_number_column_goes_as_dicts_into_a_variant_column(harness: Harness) -> None:
    app = start_cutehr(harness, employees=60)
    harness.setenv("HR_ELT__PII__HMAC_KEY", KEY)
    harness.setenv("HR_ELT__PII__COLUMNS", json.dumps({"cutehr.attendance.worked_hours": "pseudonymise"}))
    harness.run("cutehr", resources=["attendance"])
    types = harness.column_types("cutehr", "attendance")
    assert types["worked_hours"] == "double" and types["worked_hours__v_text"] == "varchar"
    assert harness.scalar("select count(*) from cutehr.attendance where worked_hours is not null") == 0
    assert harness.scalar("select count(*) from cutehr.attendance where length(worked_hours__v_text) = 64") > 0
    assert harness.count("cutehr", "attendance") == expected_rows(app)


def test_added_field_adds_a_column_and_a_value_that_does_not_fit_goes_as_a_dict(
        harness: Harness, proxied: tuple[Any, HostileProxy]) -> None:
    app, proxy = proxied

    def change(payload: Any) -> None:
        for record in payload["results"]:
            record["badge"] = f"B-{record['employee_id']}"
        payload["results"][0]["worked_hours"] = "n/a"

    proxy.on_json(ROUTE, change, after=1)
    harness.run("cutehr", resources=["attendance"])
    types = harness.column_types("cutehr", "attendance")
    assert {k: v for k, v in types.items() if k in COLUMNS} == COLUMNS
    assert types["badge"] == "varchar" and types["worked_hours__v_text"] == "varchar"
    assert harness.scalar("select count(*) from cutehr.attendance where badge is not null") == 50
    assert harness.query("select worked_hours__v_text from cutehr.attendance where worked_hours__v_text is not null"
                         ) == [("n/a",)]
    assert harness.count("cutehr", "attendance") == expected_rows(app)


def test_arrow_schema_is_the_declared_one_whatever_a_batch_holds() -> None:
    pages = ArrowPages(settings.COLUMNS["attendance"])
    pages._load_id = "1.0"  # outside an extraction: no load package to ask
    utc = timezone.utc
    full = {"id": 1, "employee_id": 7, "date": date(2026, 1, 5), "check_in": datetime(2026, 1, 5, 8, tzinfo=utc),
            "check_out": datetime(2026, 1, 5, 16, tzinfo=utc), "worked_hours": 8, "status": "present"}
    empty = {"id": 2, "employee_id": 8, "date": date(2026, 1, 5), "check_in": None, "check_out": None,
             "worked_hours": None, "status": None}
    one, nulls = pages.table([full]), pages.table([empty])
    assert one is not None and nulls is not None
    assert one.schema == nulls.schema  # an all-null column keeps its declared type
    assert one.schema.names == [*settings.COLUMNS["attendance"], "_dlt_load_id", "_dlt_id"]
    assert one.column("worked_hours").to_pylist() == [8.0]  # an int fits a double column
    assert pages.table([{**full, "worked_hours": 8.5, "id": 1.5}]) is None  # never truncated into an id
    assert pages.table([{**full, "check_in": "not a time"}]) is None  # a string that did not parse
    assert pages.table([{**full, "check_in": datetime(2026, 1, 5, 8)}]) is None  # a naive datetime
    assert pages.table([{**full, "extra": {"a": 1}}]) is None  # an object: dlt flattens it from dicts
    assert pages.table([{**full}]) is not None
    added = pages.table([{**full, "seat": 4}, {**empty, "seat": None}])
    assert added is not None and added.schema.field("seat").type == "int64"
    assert pages.table([{**full, "seat": "4A"}]) is None  # the added column keeps its first type


@pytest.mark.parametrize("dlt_settings", [{}, {"NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID": "true",
                                               "NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID": "true"}],
                         ids=["plain", "parquet-normalizer-ids"])
def test_source_run_outside_the_runner_gets_the_same_table(harness: Harness, dlt_settings: dict[str, str]) -> None:
    from sources.cutehr import cutehr_source

    app = start_cutehr(harness, employees=60)
    for key, value in dlt_settings.items():
        harness.setenv(key, value)
    harness.load(cutehr_source().with_resources("attendance"), name="plain", dataset="plain")  # no guard, no runner
    assert harness.column_types("plain", "attendance") == COLUMNS
    assert harness.count("plain", "attendance") == expected_rows(app)
    assert harness.scalar("select count(distinct _dlt_id) from plain.attendance") == expected_rows(app)
    [(load_id,)] = harness.query("select load_id from plain._dlt_loads")
    assert harness.query("select distinct _dlt_load_id from plain.attendance") == [(load_id,)]
    # dlt's parquet normalizer writes its own ids (14 characters) when told to; ArrowPages then leaves them out
    lengths = harness.query("select distinct length(_dlt_id) from plain.attendance")
    assert lengths == ([(14,)] if dlt_settings else [(16,)])


def test_generator_closed_with_rows_held_keeps_them_for_the_next_run(harness: Harness) -> None:
    """dlt's add_limit closes the resource after its first table; the rows still held must load next run."""
    from sources.cutehr import cutehr_source

    app = start_cutehr(harness, employees=1200)  # the look-back holds more than one 5,000-row table
    expected = expected_rows(app)
    assert expected > 5_000
    source = cutehr_source().with_resources("attendance")
    source.resources["attendance"].add_limit(1)
    harness.load(source, name="limited", dataset="limited")
    assert harness.count("limited", "attendance") == 5_000
    harness.load(cutehr_source().with_resources("attendance"), name="limited", dataset="limited")
    assert harness.count("limited", "attendance") == expected
