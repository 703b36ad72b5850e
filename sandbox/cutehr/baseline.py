"""CuteHR by hand with dlt's rest_api: a login for the token, next links, date windows for attendance.

From the docs: ``POST /api/v1/auth/login`` gives a bearer token; pages follow ``next`` (``page_size``
max 200); leaves accept ``modified_since``; attendance needs ``date_from``/``date_to`` at most 31
days apart, so a hand-written config lists one resource per window, all into one table. A re-run
reads attendance again from seven days back (the documented correction window).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import requests
from dlt.sources import DltSource
from dlt.sources.rest_api import rest_api_source

WINDOW_DAYS = 31
LOOKBACK_DAYS = 7


def login(base_url: str, email: str, password: str) -> str:
    answer = requests.post(base_url.rstrip("/") + "/api/v1/auth/login", json={"email": email, "password": password},
                           timeout=30)
    answer.raise_for_status()
    return str(answer.json()["token"])


def attendance_windows(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    while start <= end:
        last = min(start + timedelta(days=WINDOW_DAYS - 1), end)
        out.append((start, last))
        start = last + timedelta(days=1)
    return out


def config(base_url: str, token: str, attendance_from: date, today: date) -> dict[str, Any]:
    attendance = [
        {
            "name": f"attendance_{first:%Y%m%d}",
            "table_name": "attendance",
            "endpoint": {"path": "api/v1/attendance",
                         "params": {"date_from": first.isoformat(), "date_to": last.isoformat(), "page_size": 200}},
        }
        for first, last in attendance_windows(attendance_from, today)
    ]
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {"type": "bearer", "token": token},
            "paginator": {"type": "json_link", "next_url_path": "next"},
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"params": {"page_size": 200}, "data_selector": "results"},
        },
        "resources": [
            {"name": "employees", "endpoint": {"path": "api/v1/employees"}},
            {"name": "departments", "endpoint": {"path": "api/v1/departments"}},
            {
                "name": "leaves",
                "endpoint": {"path": "api/v1/leaves", "incremental": {
                    "start_param": "modified_since", "cursor_path": "modified_at",
                    "initial_value": "1970-01-01T00:00:00.000Z"}},
            },
            *attendance,
        ],
    }


def source(env: dict[str, str], attendance_from: str, today: str, **_: Any) -> DltSource:
    base_url = env["SOURCES__CUTEHR__BASE_URL"]
    token = login(base_url, env["SOURCES__CUTEHR__EMAIL"], env["SOURCES__CUTEHR__PASSWORD"])
    return rest_api_source(config(base_url, token, date.fromisoformat(attendance_from), date.fromisoformat(today)),
                           name="cutehr")
