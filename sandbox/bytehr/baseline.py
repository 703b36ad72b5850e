"""ByteHR by hand with dlt's rest_api: ``X-API-Key``, page numbers, a full walk of every list each run.

From the docs: ``limit`` (max 100) and ``currentpage`` (1-based);
``{"data": [...], "pagination": {"currentpage", "limit", "total", "totalpages"}}``; no filter by
update time. ``custom_fields`` is a list of ``{key, label, type, value}`` per employee, which dlt
turns into the child table ``employees__custom_fields``.
"""

from __future__ import annotations

from typing import Any

from dlt.sources import DltSource
from dlt.sources.rest_api import rest_api_source


def config(base_url: str, api_key: str) -> dict[str, Any]:
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {"type": "api_key", "name": "X-API-Key", "api_key": api_key, "location": "header"},
            "paginator": {"type": "page_number", "page_param": "currentpage", "base_page": 1,
                          "total_path": "pagination.totalpages"},
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"params": {"limit": 100}, "data_selector": "data"},
        },
        "resources": [
            {"name": "custom_field_definitions", "primary_key": "key", "endpoint": {"path": "custom-fields"}},
            {"name": "departments", "endpoint": {"path": "departments"}},
            {"name": "positions", "endpoint": {"path": "positions"}},
            {"name": "employees", "endpoint": {"path": "employees"}},
            {"name": "leave_requests", "endpoint": {"path": "leave-requests"}},
        ],
    }


def source(env: dict[str, str], **_: Any) -> DltSource:
    return rest_api_source(config(env["SOURCES__BYTEHR__BASE_URL"], env["SOURCES__BYTEHR__API_KEY"]), name="bytehr")
