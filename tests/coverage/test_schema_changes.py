"""Schema changes in words: new tables and columns, type drift, custom fields added, archived, relabelled, retyped."""

from __future__ import annotations

import logging

import pytest

from tests.bytehr.helpers import start as start_bytehr
from tests.coverage.helpers import changes
from tests.harness import Harness, on_each_destination

SIZES = {"employees": 30, "departments": 3, "positions": 4, "leave_requests": 10}


@on_each_destination
def test_custom_field_drift_is_said_and_stored(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    app = start_bytehr(harness, **SIZES)
    first = harness.run("bytehr")
    created = [n for n in first.notes if "tables created" in n]
    assert created == [f"{len(harness.tables('bytehr')) - _own_tables(harness)} tables created"]
    assert not [n for n in first.notes if "new column" in n]  # a first load is one line, not one per column
    assert {c[2] for c in changes(harness, "bytehr")} == {"new_table"}

    app.change_custom_field_type("badge_number", "text", convert=lambda v: f"B-{v}")  # not a number: a variant
    app.rename_custom_field("tshirt_size", "Shirt size")
    app.archive_custom_field("visa_expiry")
    app.add_custom_field("parking_spot", "Parking spot", "text", value_fn=lambda emp_id: f"P{emp_id}")
    with caplog.at_level(logging.WARNING, logger="sources.bytehr"):
        second = harness.run("bytehr")
    stored = [c for c in changes(harness, "bytehr") if c[2] != "new_table"]
    by_kind = {(c[2], c[1]) for c in stored}
    assert ("variant_column", "custom_fields__badge_number__v_text") in by_kind
    assert ("custom_field_retyped", "custom_fields__badge_number") in by_kind
    assert ("custom_field_relabelled", "custom_fields__tshirt_size") in by_kind
    assert ("custom_field_archived", "custom_fields__visa_expiry") in by_kind
    assert ("custom_field_added", "custom_fields__parking_spot") in by_kind
    assert ("new_column", "custom_fields__parking_spot") in by_kind
    # the employees table, and its versions log (issue 28), which records the same columns
    assert {c[0] for c in stored} == {"employees", "employees_versions"}
    drift = [w for w in second.warnings if "type drift" in w]
    # what the rows hold, said truly (issue 27): the old column keeps only the rows not written again
    assert drift[0] == ("bytehr: type drift: employees.custom_fields__badge_number got text values, loaded into the "
                        "new variant column custom_fields__badge_number__v_text; rows written from now on have "
                        "custom_fields__badge_number null, rows not written again keep their values in it")
    assert [w.split(":", 2)[2].split(" got ")[0] for w in drift[1:]] == \
        [" employees_versions.custom_fields__badge_number"]  # the versions log records the same drift
    assert any("retyped from number to text" in w for w in second.warnings)
    assert any("'T-Shirt Size' to 'Shirt size'" in n for n in second.notes)
    assert any("visa_expiry' archived" in n for n in second.notes)
    assert any("new column employees.custom_fields__parking_spot" in n for n in second.notes)
    logged = [r.getMessage() for r in caplog.records if r.name == "sources.bytehr"]
    assert drift[0] in logged
    # an archived field is no longer documented: its absence is not a finding
    assert not [w for w in second.warnings if "visa_expiry" in w and "absent" in w]


def test_nothing_changed_says_nothing(harness: Harness) -> None:
    start_bytehr(harness, **SIZES)
    harness.run("bytehr")
    again = harness.run("bytehr")
    assert not [n for n in again.notes if "new " in n or "tables created" in n or "custom field" in n]
    assert again.warnings == []


def _own_tables(harness: Harness) -> int:
    return len([t for t in harness.tables("bytehr") if t.startswith(("_dlt", "_hr_elt"))])
