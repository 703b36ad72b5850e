"""Field coverage: counted per run over real HTTP, stored beside the data, absent and empty said."""

from __future__ import annotations

import logging
import re

import pytest

from tests.bytehr.helpers import start as start_bytehr
from tests.coverage.helpers import coverage, expected, measured
from tests.cutehr.helpers import start_cutehr
from tests.harness import Harness, on_each_destination

HOLLY = {"people": 12, "time_off_per_person": 2, "documents_per_person": 1, "history_per_person": 1}


@on_each_destination
def test_coverage_rows_equal_counts_of_the_sandbox_data(harness: Harness) -> None:
    app = harness.start("hollyhr", **HOLLY)
    result = harness.run("hollyhr")
    rows = coverage(harness, "hollyhr")
    for resource in ("people", "time_off", "documents"):
        documented = {f: n for f, n in expected("hollyhr", resource, app.records(resource)).items()}
        assert measured(rows, resource) == documented, resource
    assert {r["status"] for r in rows.values()} == {"ok"}
    assert result.warnings == []
    # the rows carry the load id of the data they describe
    data_load = harness.scalar("select max(_dlt_load_id) from hollyhr.people")
    assert {r["load_id"] for r in rows.values()} == {data_load}
    assert rows[("people", "preferred_name")]["non_null_rows"] < rows[("people", "preferred_name")]["rows"]


@on_each_destination
def test_arrow_tables_are_counted_as_the_records_came(harness: Harness) -> None:
    app = start_cutehr(harness, employees=30)
    app.withhold_field("attendance", "check_out")  # the Arrow table still has the column: all null
    harness.run("cutehr")
    rows = coverage(harness, "cutehr")
    sent = app.records("employees")
    assert measured(rows, "employees") == expected("cutehr", "employees", sent)
    attendance = rows[("attendance", "check_out")]
    assert (attendance["present_rows"], attendance["non_null_rows"], attendance["status"]) == (0, 0, "absent")
    assert rows[("attendance", "check_in")]["present_rows"] == attendance["rows"] > 0


@on_each_destination
def test_withheld_field_is_absent_and_blanked_field_is_empty(harness: Harness,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    app = harness.start("hollyhr", **HOLLY)
    app.withhold_field("people", "location")
    app.blank_field("people", "job_title")
    with caplog.at_level(logging.WARNING, logger="sources.hollyhr"):
        result = harness.run("hollyhr")
    rows = coverage(harness, "hollyhr")
    people = app.count("people")
    assert rows[("people", "location")] | {"load_id": None} == {
        "resource": "people", "field": "location", "column_name": "location", "rows": people, "present_rows": 0,
        "non_null_rows": 0, "status": "absent", "load_id": None}
    assert (rows[("people", "job_title")]["present_rows"], rows[("people", "job_title")]["non_null_rows"],
            rows[("people", "job_title")]["status"]) == (people, 0, "empty")
    records = [r for r in caplog.records if r.name == "sources.hollyhr" and r.levelno == logging.WARNING]
    absent = [r.getMessage() for r in records if "people.location" in r.getMessage()]
    empty = [r.getMessage() for r in records if "people.job_title" in r.getMessage()]
    assert len(absent) == 1 and "absent" in absent[0] and "scopes" in absent[0]
    assert len(empty) == 1 and "empty" in empty[0]
    assert absent[0] in result.warnings and empty[0] in result.warnings
    assert len(result.warnings) == 2
    assert harness.count("hollyhr", "people") == people  # the data is loaded all the same


@on_each_destination
def test_field_populated_before_and_withheld_now_is_a_regression(harness: Harness,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    app = start_bytehr(harness, employees=40, departments=4, positions=6, leave_requests=20)
    first = harness.run("bytehr")
    assert first.warnings == []
    app.withhold_field("employees", "hire_date")
    app.withhold_field("employees", "custom_fields.badge_number")  # the key's field visibility
    with caplog.at_level(logging.WARNING, logger="sources.bytehr"):
        second = harness.run("bytehr")
    rows = coverage(harness, "bytehr")
    for field in ("hire_date", "badge_number"):
        row = rows[("employees", field)]
        assert (row["present_rows"], row["status"]) == (0, "regression"), field
    assert rows[("employees", "badge_number")]["column_name"] == "custom_fields__badge_number"
    lines = [w for w in second.warnings if "regressed" in w]
    assert len(lines) == 2 and all("field visibility" in w for w in lines)
    logged = [r.getMessage() for r in caplog.records if r.name == "sources.bytehr" and "regressed" in r.getMessage()]
    assert sorted(logged) == sorted(lines)
    # the first run's rows are kept: coverage is history
    runs = harness.scalar("select count(distinct run_id) from bytehr._hr_elt_field_coverage")
    assert runs == 2


def test_custom_fields_are_counted_as_sent(harness: Harness) -> None:
    app = start_bytehr(harness, employees=30, departments=3, positions=4, leave_requests=10)
    app.blank_field("employees", "custom_fields.tshirt_size")
    harness.run("bytehr")
    rows = coverage(harness, "bytehr")
    sent = app.records("employees")
    for key in ("tshirt_size", "badge_number", "Größe"):
        entries = [e for r in sent for e in r["custom_fields"] if e["key"] == key]
        row = rows[("employees", key)]
        assert (row["rows"], row["present_rows"]) == (len(sent), len(entries)), key
    assert rows[("employees", "tshirt_size")]["non_null_rows"] == 0
    # any custom value may be null: with no earlier values, all null is not a finding
    assert rows[("employees", "tshirt_size")]["status"] == "ok"
    badge = [e for r in sent for e in r["custom_fields"] if e["key"] == "badge_number" and e["value"] is not None]
    assert rows[("employees", "badge_number")]["non_null_rows"] == len(badge)


def test_coverage_that_cannot_be_stored_is_a_warning_and_the_data_stays(harness: Harness) -> None:
    app = harness.start("hollyhr", people=5, time_off_per_person=1, documents_per_person=1, history_per_person=1)
    harness.query_write("create schema hollyhr")
    harness.query_write("create view hollyhr._hr_elt_field_coverage as select 1 as x")  # in the way of the table
    result = harness.run("hollyhr")
    stored = [w for w in result.warnings if "were not stored" in w]
    assert len(stored) == 1 and "--pipelines-dir" in stored[0]
    assert re.search(r"\bhollyhr__duckdb_[0-9a-f]{8}__quality info\b", stored[0])  # the sibling, named as dlt knows it
    assert harness.count("hollyhr", "people") == app.count("people")
