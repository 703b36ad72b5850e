"""Schema evolution on DuckDB and Postgres, loaded the way run_vendor loads (file format, adaptation).

The records are shaped like ByteHR employees after the source pivots ``custom_fields`` into one
object keyed by field key (sources/bytehr, being written). Once that source lands, its contract
suite covers the real case through ``SourceContract.add_field`` (a custom field added in the sandbox).
"""

from __future__ import annotations

from typing import Any

import dlt
import pytest

from pipelines.run.failures import error_line
from tests.harness import Harness, on_each_destination


def employee(i: int, **custom: Any) -> dict[str, Any]:
    return {"id": i, "email": f"e{i}@example.com", "updated_at": f"2026-11-20T08:00:{i:02d}Z",
            "custom_fields": {"tshirt_size": "M", "badge_number": 4400 + i, **custom}}


def employees(rows: list[dict[str, Any]], contract: Any = None) -> Any:
    @dlt.resource(name="employees", primary_key="id", write_disposition="merge", schema_contract=contract)
    def resource() -> Any:
        yield rows

    @dlt.source(name="bytehr_like")
    def source() -> Any:
        return resource

    return source()


@on_each_destination
def test_new_custom_field_adds_a_column_to_a_populated_table(harness: Harness) -> None:
    harness.load(employees([employee(i) for i in range(1, 6)]))
    assert "custom_fields__visa_expiry" not in harness.columns("evolve", "employees")

    # two employees change and now carry a field the admins just added
    harness.load(employees([employee(i, visa_expiry="2027-01-31") for i in (2, 3)]))

    assert "custom_fields__visa_expiry" in harness.columns("evolve", "employees")
    assert harness.count("evolve", "employees") == 5
    assert harness.distinct("evolve", "employees", "id") == 5
    rows = harness.query("select id, custom_fields__visa_expiry, custom_fields__tshirt_size "
                         "from evolve.employees order by id")
    assert [(r[0], r[1]) for r in rows] == [(1, None), (2, "2027-01-31"), (3, "2027-01-31"), (4, None), (5, None)]
    assert {r[2] for r in rows} == {"M"}


@on_each_destination
def test_type_change_takes_the_variant_column(harness: Harness) -> None:
    harness.load(employees([employee(i) for i in range(1, 4)]))
    assert harness.column_types("evolve", "employees")["custom_fields__badge_number"] == "bigint"

    # the admins turned the badge number into a text field: its values change shape
    info = harness.load(employees([employee(2, badge_number="B-0042")]))

    assert not info.has_failed_jobs
    types = harness.column_types("evolve", "employees")
    assert types["custom_fields__badge_number"] == "bigint"
    assert types["custom_fields__badge_number__v_text"] in ("varchar", "character varying")
    rows = harness.query("select id, custom_fields__badge_number, custom_fields__badge_number__v_text "
                         "from evolve.employees order by id")
    assert rows == [(1, 4401, None), (2, None, "B-0042"), (3, 4403, None)]


@on_each_destination
def test_frozen_columns_fail_clearly_and_load_nothing(harness: Harness) -> None:
    harness.load(employees([employee(i) for i in range(1, 4)]))

    frozen = {"columns": "freeze"}
    with pytest.raises(Exception) as failure:
        harness.load(employees([employee(2, visa_expiry="2027-01-31"), employee(9)], contract=frozen))

    line = error_line("bytehr", failure.value)
    assert line.startswith("bytehr: schema contract violated in table employees column custom_fields__visa_expiry")
    assert "columns are frozen (freeze)" in line
    assert "\n" not in line
    # nothing of the failed run landed: no new column, no new row, the changed row untouched
    assert "custom_fields__visa_expiry" not in harness.columns("evolve", "employees")
    assert harness.count("evolve", "employees") == 3

    # the recovery the line names: drop the pending package, then load under an open contract
    harness.pipeline("evolve", "evolve").drop_pending_packages()
    harness.load(employees([employee(2, visa_expiry="2027-01-31"), employee(9)]))
    assert harness.count("evolve", "employees") == 4
    assert harness.scalar("select custom_fields__visa_expiry from evolve.employees where id = 2") == "2027-01-31"


@on_each_destination
def test_frozen_data_types_fail_clearly(harness: Harness) -> None:
    harness.load(employees([employee(i) for i in range(1, 4)]))

    with pytest.raises(Exception) as failure:
        harness.load(employees([employee(2, badge_number="B-0042")], contract={"data_type": "freeze"}))

    line = error_line("bytehr", failure.value)
    assert "schema contract violated in table employees" in line
    assert "data_type are frozen (freeze)" in line
    assert harness.scalar("select custom_fields__badge_number from evolve.employees where id = 2") == 4402
