"""Shared bits of the CuteHR suites: a sandbox whose clock shows today, and request arithmetic."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from tests.harness import Harness

UTC = timezone.utc
PAGE = 200
WINDOW = 31
LOOKBACK = 7
ROUTES = {
    "login": "/api/v1/auth/login",
    "employees": "/api/v1/employees",
    "departments": "/api/v1/departments",
    "leaves": "/api/v1/leaves",
    "attendance": "/api/v1/attendance",
}


def today() -> date:
    return datetime.now(UTC).date()


def start_cutehr(harness: Harness, **sizes: Any) -> Any:
    """Starts the CuteHR sandbox with its clock at 12:00 UTC of today's date.

    The source's "today" is the machine's UTC date; the sandbox's clock starts on a fixed day.
    Putting the sandbox on today keeps the two calendars the same (and 10:01-13:00 UTC is the
    sandbox's quiet time: open attendance rows do not change).
    """
    app = harness.start("cutehr", **sizes)
    app.clock.set(datetime.combine(today(), time(12, 0), UTC))
    return app


def pages(n: int, size: int = PAGE) -> int:
    """Requests a next-link walk of n records takes (an empty list still costs one)."""
    return max(1, math.ceil(n / size))


def day_windows(first: date, last: date, days: int = WINDOW) -> list[tuple[date, date]]:
    out = []
    while first <= last:
        end = min(first + timedelta(days=days - 1), last)
        out.append((first, end))
        first = end + timedelta(days=1)
    return out


def attendance_requests(app: Any, first: date, last: date, size: int = PAGE, days: int = WINDOW) -> int:
    return sum(pages(app.attendance_count(a, b), size) for a, b in day_windows(first, last, days))


def lookback_start() -> date:
    return today() - timedelta(days=LOOKBACK)


def working_day_back(n: int) -> date:
    """The latest working day at least n days before today."""
    day = today() - timedelta(days=n)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def tokens_seen(app: Any) -> list[str]:
    """Bearer tokens the source sent (read from the sandbox's request log)."""
    out = set()
    for entry in app.requests():
        scheme, _, token = entry.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            out.add(token)
    return sorted(out)


def attendance_window_of(entry: Any) -> tuple[date, date]:
    return date.fromisoformat(entry.arg("date_from")), date.fromisoformat(entry.arg("date_to"))
