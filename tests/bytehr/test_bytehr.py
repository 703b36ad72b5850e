"""ByteHR end to end: the generic contract, exact counts, request floors, walk consistency, deletes."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.bytehr import DEFAULT_KEY
from tests.bytehr.helpers import (
    PRIMARY_KEYS,
    SIZES,
    VENDOR,
    pages,
    requests_by_resource,
    resource_state,
    start,
    walk_requests,
)
from tests.contract import SourceContract
from tests.harness import Harness


class TestByteHRContract(SourceContract):
    vendor = VENDOR
    sizes = SIZES
    primary_keys = PRIMARY_KEYS
    fault_route = "/employees"
    credential_setting = "SOURCES__BYTEHR__API_KEY"
    deleted_predicate = {"employees": "_deleted_at is not null", "departments": "_deleted_at is not null"}

    def start(self, harness: Harness) -> Any:
        self.flagged: dict[str, int] = {}  # rows kept flagged deleted (delete_mode flag, the default)
        return start(harness)

    def expected_counts(self, app: Any) -> dict[str, int]:
        counts = {
            "custom_field_definitions": app.count("custom_fields"),
            "departments": app.count("departments"),
            "positions": app.count("positions"),
            "employees": app.count("employees"),
            "leave_requests": app.count("leave_requests"),
        }
        return {table: n + self.flagged.get(table, 0) for table, n in counts.items()}

    def delete_some(self, app: Any) -> dict[str, tuple[int, int]]:
        app.delete_employee(app.ids("employees")[5])
        app.delete_employee(app.ids("employees")[-1])  # the last id: found by the end-of-walk check
        app.delete_record("departments", 4)
        self.flagged = {"employees": 2, "departments": 1}
        return {"employees": (app.count("employees") + 2, 2), "departments": (app.count("departments") + 1, 1)}

    def add_field(self, app: Any) -> tuple[str, str, int]:
        app.add_custom_field("Hobby", "Hobby", "text")
        with_value = sum(1 for r in app.records("employees") for f in r["custom_fields"]
                         if f["key"] == "Hobby" and f["value"] is not None)
        return "employees", "custom_fields__hobby", with_value

    def full_load_requests(self, app: Any) -> int:
        return sum(walk_requests(app).values())

    def unchanged_run_requests(self, app: Any) -> int:
        return sum(walk_requests(app).values())  # no update filter: every sync walks every page

    def mutate(self, app: Any) -> dict[str, int]:
        for emp_id in app.ids("employees")[:3]:
            app.update_employee(emp_id, last_name="Changed")
        app.add_record("leave_requests")
        app.update_record("departments", 3, cost_center="CC-NEW")
        return {"employees": 3, "leave_requests": 1, "departments": 1, "positions": 0, "custom_field_definitions": 0}

    def break_credentials(self, harness: Harness, app: Any) -> str:
        wrong = "bhr_wrong_key_9876543210"
        harness.setenv("SOURCES__BYTEHR__API_KEY", wrong)
        return wrong

    def secrets(self, app: Any) -> list[str]:
        return [DEFAULT_KEY]


def test_exact_counts_and_request_floor_per_resource(harness: Harness) -> None:
    # 250 employees: 3 pages; 0 leave requests: one request for an empty list; 100 positions: exactly 1 page
    app = start(harness, employees=250, leave_requests=0, positions=100, departments=101)
    result = harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 2, "positions": 1,
                                         "employees": 3, "leave_requests": 1}
    assert result.requests == 8
    for entry in app.requests():
        assert entry.arg("limit") == "100"
    # never an empty page: every page asked for was within totalpages
    assert [e.arg("currentpage") for e in app.requests("/employees")] == ["1", "2", "3"]
    for table, control in (("employees", "employees"), ("departments", "departments"), ("positions", "positions")):
        assert harness.count(VENDOR, table) == app.count(control)
        assert harness.distinct(VENDOR, table, "id") == app.count(control)
    assert "leave_requests" not in result.rows
    assert resource_state(harness, "employees")["last_walk"]["records"] == 250


def test_source_creation_sends_no_request(harness: Harness) -> None:
    from sources.bytehr import bytehr_source

    app = start(harness)
    bytehr_source()
    assert app.requests() == []


@pytest.mark.parametrize("page_size", [7, 100])
def test_page_size_setting(harness: Harness, page_size: int) -> None:
    app = start(harness, employees=50)
    harness.setenv("SOURCES__BYTEHR__PAGE_SIZE", str(page_size))
    harness.run(VENDOR, resources=["employees"])
    assert len(app.requests("/employees")) == pages(50, page_size)
    assert harness.count(VENDOR, "employees") == 50


def test_requests_for_10000_employees(harness: Harness) -> None:
    # the floor at scale: 10,000 employees take 100 requests; the whole source 105 (about 10 s)
    app = start(harness, employees=10_000, leave_requests=200, departments=10, positions=25)
    harness.monkeypatch.delenv("SOURCES__BYTEHR__QUOTA_PACING")  # the default, even pacing: the first run walks all
    result = harness.run(VENDOR)
    assert requests_by_resource(app) == {"custom_field_definitions": 1, "departments": 1, "positions": 1,
                                         "employees": 100, "leave_requests": 2}
    assert result.requests == 105
    assert harness.count(VENDOR, "employees") == 10_000
    assert harness.distinct(VENDOR, "employees", "id") == 10_000
