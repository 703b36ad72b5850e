"""CuteHR attendance: backfill in windows of at most 31 days, look-back, corrections, resume."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from sources._shared.errors import ProviderPartialFailure
from tests.cutehr.helpers import (
    ROUTES,
    attendance_requests,
    attendance_window_of,
    day_windows,
    lookback_start,
    start_cutehr,
    today,
    working_day_back,
)
from tests.harness import Harness

BACKFILL_DAYS = 100  # 4 windows: 31 + 31 + 31 + 8 days


def backfill_start() -> date:
    return today() - timedelta(days=BACKFILL_DAYS - 1)


def start(harness: Harness, employees: int = 120) -> Any:
    app = start_cutehr(harness, employees=employees)
    harness.setenv("SOURCES__CUTEHR__ATTENDANCE_START_DATE", backfill_start().isoformat())
    return app


def attendance_cursor(harness: Harness) -> str:
    resources = harness.state("cutehr")["sources"]["cutehr"]["resources"]
    return str(resources["attendance"]["incremental"]["date"]["last_value"])


def warehouse_pairs(harness: Harness) -> list[tuple[int, str]]:
    rows = harness.query("select employee_id, cast(date as varchar) from cutehr.attendance order by 2, 1")
    return [(int(e), str(d)) for e, d in rows]


def test_backfill_covers_every_employee_and_working_day_once_in_windows_of_at_most_31_days(harness: Harness) -> None:
    app = start(harness)
    result = harness.run("cutehr", resources=["attendance"])
    entries = app.requests(ROUTES["attendance"])
    first_pages = [attendance_window_of(e) for e in entries if e.arg("page") is None]
    assert first_pages == day_windows(backfill_start(), today())
    assert len(first_pages) == 4
    for entry in entries:
        date_from, date_to = attendance_window_of(entry)
        assert (date_to - date_from).days <= 30  # 31 days, both inclusive
    assert len(entries) == attendance_requests(app, backfill_start(), today())
    expected = sorted((r["employee_id"], r["date"]) for r in app.attendance_records(backfill_start(), today()))
    assert warehouse_pairs(harness) == sorted(expected, key=lambda p: (p[1], p[0]))
    assert harness.distinct("cutehr", "attendance", "id") == len(expected)
    assert result.rows["attendance"] == len(expected)
    assert all(date.fromisoformat(d).weekday() < 5 for _, d in expected)
    # the cursor: the next run starts at the look-back
    assert attendance_cursor(harness) == lookback_start().isoformat()


def test_window_and_page_size_are_settings(harness: Harness) -> None:
    app = start(harness, employees=60)
    harness.setenv("SOURCES__CUTEHR__ATTENDANCE_WINDOW_DAYS", "10")
    harness.setenv("SOURCES__CUTEHR__PAGE_SIZE", "77")
    harness.run("cutehr", resources=["attendance"])
    entries = app.requests(ROUTES["attendance"])
    assert [attendance_window_of(e) for e in entries if e.arg("page") is None] == day_windows(
        backfill_start(), today(), 10)
    assert len(entries) == attendance_requests(app, backfill_start(), today(), 77, 10)
    assert harness.count("cutehr", "attendance") == app.attendance_count(backfill_start(), today())


def test_next_run_reads_only_the_lookback_and_loads_nothing_unchanged(harness: Harness) -> None:
    app = start(harness)
    harness.run("cutehr", resources=["attendance"])
    app.clear_log()
    result = harness.run("cutehr", resources=["attendance"])
    windows = [attendance_window_of(e) for e in app.requests(ROUTES["attendance"]) if e.arg("page") is None]
    assert windows == [(lookback_start(), today())]
    assert len(app.requests(ROUTES["attendance"])) == attendance_requests(app, lookback_start(), today())
    assert "attendance" not in result.rows


def test_a_correction_three_days_back_is_picked_up_without_duplicates(harness: Harness) -> None:
    app = start(harness)
    harness.run("cutehr", resources=["attendance"])
    total = harness.count("cutehr", "attendance")
    day = working_day_back(3)
    row = app.attendance_records(day, day)[5]
    corrected = app.correct_attendance(row["employee_id"], day, check_out=f"{day}T19:45:00Z", worked_hours=10.5)
    result = harness.run("cutehr", resources=["attendance"])
    assert result.rows["attendance"] == 1
    assert harness.count("cutehr", "attendance") == total
    assert harness.distinct("cutehr", "attendance", "id") == total
    hours = harness.scalar(f"select worked_hours from cutehr.attendance where id = {corrected['id']}")
    assert float(hours) == 10.5


def test_a_correction_on_the_last_day_of_the_lookback_still_lands(harness: Harness) -> None:
    app = start(harness)
    harness.run("cutehr", resources=["attendance"])
    day = lookback_start()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    row = app.attendance_records(day, day)[0]
    app.correct_attendance(row["employee_id"], day, status="absent", check_in=None, check_out=None, worked_hours=0.0)
    result = harness.run("cutehr", resources=["attendance"])
    assert result.rows["attendance"] == 1
    assert harness.scalar(f"select status from cutehr.attendance where id = {row['id']}") == "absent"


def test_lookback_is_a_setting(harness: Harness) -> None:
    app = start(harness, employees=40)
    harness.setenv("SOURCES__CUTEHR__ATTENDANCE_LOOKBACK_DAYS", "3")
    harness.run("cutehr", resources=["attendance"])
    app.clear_log()
    harness.run("cutehr", resources=["attendance"])
    windows = [attendance_window_of(e) for e in app.requests(ROUTES["attendance"]) if e.arg("page") is None]
    assert windows == [(today() - timedelta(days=3), today())]


def test_skip_unchanged_off_reloads_the_lookback_without_duplicates(harness: Harness) -> None:
    app = start(harness, employees=40)
    harness.setenv("SOURCES__CUTEHR__SKIP_UNCHANGED", "false")
    harness.run("cutehr", resources=["attendance"])
    result = harness.run("cutehr", resources=["attendance"])
    assert result.rows["attendance"] == app.attendance_count(lookback_start(), today())
    assert harness.count("cutehr", "attendance") == app.attendance_count(backfill_start(), today())
    assert harness.distinct("cutehr", "attendance", "id") == harness.count("cutehr", "attendance")


def test_an_interrupted_backfill_resumes_from_the_last_finished_window(harness: Harness) -> None:
    app = start(harness)
    harness.setenv("SOURCES__CUTEHR__MAX_ATTEMPTS", "2")
    plan = day_windows(backfill_start(), today())
    first_window_pages = attendance_requests(app, *plan[0])
    # the second window's second page fails twice: the run gives up on attendance there
    app.inject(ROUTES["attendance"], "503", times=2, after=first_window_pages + 1)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run("cutehr", resources=["attendance"])
    assert "attendance" in failure.value.failures
    assert "503" in str(failure.value) and "request_id req_" in str(failure.value)
    # the finished window is loaded and kept in dlt state: the cursor stands after it
    assert attendance_cursor(harness) == (plan[0][1] + timedelta(days=1)).isoformat()
    loaded = harness.count("cutehr", "attendance")
    assert loaded >= app.attendance_count(*plan[0])

    app.clear_log()
    app.clear_faults()
    harness.run("cutehr", resources=["attendance"])
    windows = [attendance_window_of(e) for e in app.requests(ROUTES["attendance"]) if e.arg("page") is None]
    assert windows == day_windows(plan[1][0], today())  # nothing of the first window is read again
    assert len(app.requests(ROUTES["attendance"])) == attendance_requests(app, plan[1][0], today())
    assert harness.count("cutehr", "attendance") == app.attendance_count(backfill_start(), today())
    assert harness.distinct("cutehr", "attendance", "id") == harness.count("cutehr", "attendance")
    assert attendance_cursor(harness) == lookback_start().isoformat()


def test_a_hire_during_the_walk_is_covered_by_the_lookback(harness: Harness) -> None:
    app = start(harness, employees=60)
    hired = {}

    def hire(a: Any) -> None:
        hired["id"] = a.add_employee(date_of_joining=working_day_back(2).isoformat())

    app.after_request(1, hire, route=ROUTES["attendance"])
    harness.run("cutehr", resources=["attendance"])
    harness.run("cutehr", resources=["attendance"])
    assert harness.count("cutehr", "attendance") == app.attendance_count(backfill_start(), today())
    assert harness.distinct("cutehr", "attendance", "id") == harness.count("cutehr", "attendance")
    n = harness.scalar(f"select count(*) from cutehr.attendance where employee_id = {hired['id']}")
    assert n == sum(1 for r in app.attendance_records(backfill_start(), today()) if r["employee_id"] == hired["id"])
    assert n >= 1
