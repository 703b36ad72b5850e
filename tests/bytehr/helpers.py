"""Small helpers of the ByteHR suites (the shared harness stays vendor-neutral)."""

from __future__ import annotations

import math
from typing import Any

from tests.harness import Harness

VENDOR = "bytehr"
SIZES: dict[str, Any] = {"employees": 150, "departments": 10, "positions": 25, "leave_requests": 120}
# resource -> sandbox control name
RESOURCES = {
    "custom_field_definitions": "custom_fields",
    "departments": "departments",
    "positions": "positions",
    "employees": "employees",
    "leave_requests": "leave_requests",
}
ROUTES = {
    "custom_field_definitions": "/custom-fields",
    "departments": "/departments",
    "positions": "/positions",
    "employees": "/employees",
    "leave_requests": "/leave-requests",
}
PRIMARY_KEYS = {"custom_field_definitions": "key", "departments": "id", "positions": "id", "employees": "id",
                "leave_requests": "id"}


def pages(n: int, size: int = 100) -> int:
    """The floor: requests a full walk of n records takes."""
    return max(1, math.ceil(n / size))


def walk_requests(app: Any, size: int = 100) -> dict[str, int]:
    """Floor per resource for the app's current data."""
    return {name: pages(app.count(control), size) for name, control in RESOURCES.items()}


def start(harness: Harness, **overrides: Any) -> Any:
    """Starts the ByteHR sandbox, every resource walked on every run the quota pays for (quota_pacing off)."""
    sizes = {**SIZES, **overrides}
    app = harness.start(VENDOR, **sizes)
    harness.setenv("SOURCES__BYTEHR__QUOTA_PACING", "off")
    return app


def requests_by_resource(app: Any) -> dict[str, int]:
    """Requests in the sandbox log per resource."""
    return {name: len(app.requests(route)) for name, route in ROUTES.items()}


def resource_state(harness: Harness, resource: str) -> dict[str, Any]:
    state = harness.state(VENDOR)
    return state["sources"][VENDOR]["resources"].get(resource, {})  # type: ignore[no-any-return]


def source_state(harness: Harness) -> dict[str, Any]:
    return harness.state(VENDOR)["sources"][VENDOR]  # type: ignore[no-any-return]


def live_count(harness: Harness, table: str) -> int:
    """Rows of a table not flagged deleted."""
    return int(harness.scalar(f'select count(*) from bytehr."{table}" where _deleted_at is null'))
