"""HollyHR by hand with dlt's rest_api: cursor pages, ``updated_since`` incremental, per-person children.

From the docs: bearer key; ``{"data": [...], "pagination": {"next_cursor", "has_more"}}``; pass
``next_cursor`` back as ``cursor``; ``limit`` max 200; people, time-off and documents accept
``updated_since``; employment and history are per person.
"""

from __future__ import annotations

from typing import Any

from dlt.sources import DltSource
from dlt.sources.rest_api import rest_api_source

INITIAL = "1970-01-01T00:00:00.000Z"


def config(base_url: str, api_token: str) -> dict[str, Any]:
    incremental = {"start_param": "updated_since", "cursor_path": "updated_at", "initial_value": INITIAL}
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {"type": "bearer", "token": api_token},
            "paginator": {"type": "cursor", "cursor_path": "pagination.next_cursor", "cursor_param": "cursor"},
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"params": {"limit": 200}, "data_selector": "data"},
        },
        "resources": [
            {"name": "people", "endpoint": {"path": "people", "incremental": incremental}},
            {
                "name": "employments",
                "primary_key": "person_id",
                "endpoint": {"path": "people/{resources.people.id}/employment", "paginator": "single_page",
                             "data_selector": "$", "params": {}},
            },
            {"name": "employment_history", "endpoint": {"path": "people/{resources.people.id}/employment-history"}},
            {"name": "time_off", "endpoint": {"path": "time-off", "incremental": incremental}},
            {"name": "documents", "endpoint": {"path": "documents", "incremental": incremental}},
        ],
    }


def source(env: dict[str, str], **_: Any) -> DltSource:
    return rest_api_source(config(env["SOURCES__HOLLYHR__BASE_URL"], env["SOURCES__HOLLYHR__API_TOKEN"]),
                           name="hollyhr")
