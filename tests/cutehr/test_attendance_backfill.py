"""CuteHR attendance_start_date moved after the first run: the missing days are backfilled, resumably, and said."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
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
)
from tests.harness import Harness
from tests.pipelines.test_cli import BIN

START_ENV = "SOURCES__CUTEHR__ATTENDANCE_START_DATE"
EARLIER = 100  # days back: the backfill covers the 92 days before the look-back, 3 windows of 31, 31, 30


def earlier_start() -> date:
    return today() - timedelta(days=EARLIER)


def backfill_plan() -> list[tuple[date, date]]:
    """The windows the backfill reads, newest first."""
    return list(reversed(day_windows(earlier_start(), lookback_start() - timedelta(days=1))))


def windows_read(app: Any) -> list[tuple[date, date]]:
    return [attendance_window_of(e) for e in app.requests(ROUTES["attendance"]) if e.arg("page") is None]


def loaded_range(harness: Harness) -> dict[str, str]:
    return dict(harness.state("cutehr")["sources"]["cutehr"]["resources"]["attendance"]["loaded_range"])


def assert_exact(harness: Harness, app: Any, first: date) -> None:
    """The warehouse holds every attendance row of first..today once, and nothing else."""
    rows = harness.query("select id, employee_id, cast(date as varchar) from cutehr.attendance")
    expected = {(r["id"], r["employee_id"], r["date"]) for r in app.attendance_records(first, today())}
    assert len(rows) == len(expected)
    assert {(int(i), int(e), str(d)) for i, e, d in rows} == expected


def first_run_default(harness: Harness, employees: int = 40) -> Any:
    """Starts the sandbox and runs attendance once without a start date: the look-back only."""
    app = start_cutehr(harness, employees=employees)
    harness.run("cutehr", resources=["attendance"])
    assert harness.count("cutehr", "attendance") == app.attendance_count(lookback_start(), today())
    assert loaded_range(harness) == {"first": lookback_start().isoformat(), "last": today().isoformat()}
    app.clear_log()
    return app


def test_start_date_moved_earlier_backfills_the_missing_days_and_says_so(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    app = first_run_default(harness)
    assert app.attendance_count(earlier_start(), today()) > 3 * harness.count("cutehr", "attendance")
    harness.setenv(START_ENV, earlier_start().isoformat())
    with caplog.at_level(logging.INFO, logger="sources.cutehr"):
        result = harness.run("cutehr", resources=["attendance"])
    plan = backfill_plan()
    announced = (f"attendance: attendance_start_date moved to {earlier_start()}, before the loaded range "
                 f"{lookback_start()}..{today()}: backfilling {earlier_start()}.."
                 f"{lookback_start() - timedelta(days=1)} in 3 window(s), newest first")
    assert announced in result.notes
    assert announced in [r.getMessage() for r in caplog.records
                         if r.name == "sources.cutehr" and r.levelno == logging.INFO]
    # the look-back as every run, then the missing days in the connector's windows, newest first
    assert windows_read(app) == [(lookback_start(), today()), *plan]
    assert len(app.requests(ROUTES["attendance"])) == (attendance_requests(app, lookback_start(), today())
                                                       + attendance_requests(app, earlier_start(),
                                                                             lookback_start() - timedelta(days=1)))
    assert_exact(harness, app, earlier_start())
    assert loaded_range(harness) == {"first": earlier_start().isoformat(), "last": today().isoformat()}
    assert f"attendance: backfilled 3 of 3 window(s), loaded range now {earlier_start()}..{today()}" in result.notes

    # nothing is missing any more: the next run reads the look-back only and says nothing about the start
    app.clear_log()
    again = harness.run("cutehr", resources=["attendance"])
    assert windows_read(app) == [(lookback_start(), today())]
    assert not [n for n in again.notes if "attendance_start_date" in n]


def test_start_date_moved_later_deletes_nothing_and_says_so(harness: Harness) -> None:
    app = first_run_default(harness, employees=20)
    later = lookback_start() + timedelta(days=3)
    harness.setenv(START_ENV, later.isoformat())
    before = harness.count("cutehr", "attendance")
    result = harness.run("cutehr", resources=["attendance"])
    assert (f"attendance: attendance_start_date moved to {later}, after the first loaded day {lookback_start()}: "
            f"rows before {later} stay loaded (nothing is deleted; "
            f"`hr-elt run cutehr --full-refresh --resources attendance` reloads from {later})") in result.notes
    assert windows_read(app) == [(lookback_start(), today())]
    assert harness.count("cutehr", "attendance") == before
    assert_exact(harness, app, lookback_start())


def test_a_backfill_stopped_by_an_api_failure_resumes_exactly(harness: Harness) -> None:
    app = first_run_default(harness)
    harness.setenv(START_ENV, earlier_start().isoformat())
    harness.setenv("SOURCES__CUTEHR__MAX_ATTEMPTS", "2")
    plan = backfill_plan()
    # the look-back and the newest backfill window finish; the second backfill window's second page fails
    before_fault = attendance_requests(app, lookback_start(), today()) + attendance_requests(app, *plan[0]) + 1
    app.inject(ROUTES["attendance"], "503", times=2, after=before_fault)
    with pytest.raises(ProviderPartialFailure) as failure:
        harness.run("cutehr", resources=["attendance"])
    assert "attendance" in failure.value.failures
    assert loaded_range(harness)["first"] == plan[0][0].isoformat()
    assert harness.count("cutehr", "attendance") >= app.attendance_count(plan[0][0], today())

    app.clear_log()
    app.clear_faults()
    result = harness.run("cutehr", resources=["attendance"])
    assert windows_read(app) == [(lookback_start(), today()), *plan[1:]]  # the finished window is not read again
    assert any(f"backfilling {earlier_start()}..{plan[1][1]} in 2 window(s)" in n for n in result.notes)
    assert_exact(harness, app, earlier_start())
    assert loaded_range(harness)["first"] == earlier_start().isoformat()


def test_hr_elt_run_killed_mid_backfill_then_rerun_is_exact(harness: Harness) -> None:
    app = first_run_default(harness)
    env = {**os.environ, START_ENV: earlier_start().isoformat()}
    args = [str(BIN / "hr-elt"), "run", "cutehr", "--resources", "attendance",
            "--pipelines-dir", harness.pipelines_dir, "--duckdb-path", harness.duckdb_path]
    plan = backfill_plan()
    started: list[subprocess.Popen[str]] = []
    # killed right after the first page of the second backfill window is answered
    lookback_and_one = attendance_requests(app, lookback_start(), today()) + attendance_requests(app, *plan[0])
    app.after_request(lookback_and_one + 1, lambda _: started[0].kill(), route=ROUTES["attendance"])
    started.append(subprocess.Popen(args, env=env, cwd=harness.tmp_path, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True))
    started[0].communicate(timeout=120)
    assert started[0].returncode == -signal.SIGKILL
    assert windows_read(app) == [(lookback_start(), today()), plan[0], plan[1]]

    app.clear_log()
    done = subprocess.run(args, env=env, cwd=harness.tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # the first backfill window was committed at its checkpoint before the kill (issue 26): the rerun
    # reads the look-back and only the windows not committed yet
    assert windows_read(app) == [(lookback_start(), today()), *plan[1:]]
    assert f"attendance_start_date moved to {earlier_start()}, before the loaded range" in done.stdout
    assert_exact(harness, app, earlier_start())
    assert loaded_range(harness) == {"first": earlier_start().isoformat(), "last": today().isoformat()}
