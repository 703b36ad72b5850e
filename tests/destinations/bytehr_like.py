"""A tiny stand-in for the ByteHR source (sources/bytehr is being written): same source name,
resource names and record shape, with ``custom_fields`` already pivoted into one object keyed by
field key. Swap ``bytehr_like_source`` for ``sources.bytehr.bytehr_source`` once it lands."""

from __future__ import annotations

from typing import Any

import dlt


def employee(i: int, **custom: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"tshirt_size": "M", "badge_number": 4400 + i, "remote_eligible": i % 2 == 0,
                              "visa_expiry": "2027-01-31", "certifications": ["AWS", "PMP"]}
    fields.update(custom)
    return {"id": 1000 + i, "employee_code": f"BH-{1000 + i:05d}", "first_name": "Ada", "last_name": f"Lovelace {i}",
            "email": f"ada{i}@example.com", "department_id": 7, "employment_status": "active",
            "hire_date": "2021-03-01", "updated_at": f"2026-11-20T08:15:{i:02d}Z", "custom_fields": fields}


def leave_request(i: int) -> dict[str, Any]:
    return {"id": 500 + i, "employee_id": 1000 + i, "leave_type": "annual", "start_date": f"2026-0{1 + i % 9}-10",
            "end_date": f"2026-0{1 + i % 9}-12", "days": 3, "status": "approved",
            "updated_at": f"2026-11-20T09:00:{i:02d}Z"}


def bytehr_like_source(employees: list[dict[str, Any]], leave_requests: list[dict[str, Any]] | None = None) -> Any:
    @dlt.resource(name="employees", primary_key="id", write_disposition="merge")
    def employees_resource() -> Any:
        yield employees

    @dlt.resource(name="leave_requests", primary_key="id", write_disposition="merge")
    def leave_requests_resource() -> Any:
        yield leave_requests or []

    @dlt.source(name="bytehr")
    def bytehr() -> Any:
        return employees_resource, leave_requests_resource

    return bytehr()
