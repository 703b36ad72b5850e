"""CuteHR attendance windows at checkpoints (issue 26): every finished window committed, first sync and backfill.

``tests/checkpoint_loop.py`` runs the run path's chunk loop in-process where a test looks inside a run
(``max_chunks`` ends a run right after a commit, as a kill there would). The kills are what a user
types: ``hr-elt run cutehr`` in a subprocess, SIGKILLed while the sandbox holds a page, run again.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sources._shared.progress import progress_of
from tests.checkpoint_loop import harness_run
from tests.cutehr.helpers import (
    ROUTES,
    attendance_requests,
    attendance_window_of,
    day_windows,
    lookback_start,
    pages,
    start_cutehr,
    today,
)
from tests.harness import Harness
from tests.resilience.crash import RunProcess, kill_run_at

START_ENV = "SOURCES__CUTEHR__ATTENDANCE_START_DATE"
BACK = 100  # days: windows of 31, 31, 31 and 8 days; the last one is the look-back


def _start() -> date:
    return today() - timedelta(days=BACK)


def windows_read(app: Any) -> list[tuple[date, date]]:
    return [attendance_window_of(e) for e in app.requests(ROUTES["attendance"]) if e.arg("page") is None]


def assert_exact(harness: Harness, app: Any, first: date) -> None:
    """The warehouse holds every attendance row of first..today once, and nothing else."""
    rows = harness.query("select id, employee_id, cast(date as varchar) from cutehr.attendance")
    expected = {(r["id"], r["employee_id"], r["date"]) for r in app.attendance_records(first, today())}
    assert len(rows) == len(expected)
    assert {(int(i), int(e), str(d)) for i, e, d in rows} == expected


def _stop(window: tuple[date, date]) -> dict[str, str]:
    return {"attendance": f"after window {window[0]}..{window[1]}"}


def test_a_first_sync_commits_every_finished_window(harness: Harness) -> None:
    app = start_cutehr(harness, employees=30)
    harness.setenv(START_ENV, _start().isoformat())
    plan = day_windows(_start(), today())
    assert len(plan) == 4
    run = harness_run(harness, "cutehr", resources=["attendance"])
    # a commit after each window older than the look-back; the look-back window ends the run
    assert run.stops == [_stop(plan[0]), _stop(plan[1]), _stop(plan[2]), {}]
    assert windows_read(app) == plan  # each window asked once
    assert_exact(harness, app, _start())
    notes = run.context.notes_of("cutehr")
    assert f"attendance: 4 of 4 window(s) from {_start()} to {today()}; the next run starts at {lookback_start()}" \
        in notes
    progress = progress_of(run.context).snapshot()["cutehr/attendance"]
    assert (progress.done, progress.total, progress.unit, progress.finished) == (4, 4, "windows", True)


def test_a_first_sync_stopped_after_two_commits_reads_only_the_rest(harness: Harness) -> None:
    app = start_cutehr(harness, employees=30)
    harness.setenv(START_ENV, _start().isoformat())
    plan = day_windows(_start(), today())
    first = harness_run(harness, "cutehr", resources=["attendance"], max_chunks=2)
    assert not first.finished
    assert windows_read(app) == plan[:2]
    app.clear_log()
    harness.run("cutehr", resources=["attendance"])  # the next (plain) run starts at the committed cursor
    assert windows_read(app) == plan[2:]
    assert_exact(harness, app, _start())


def test_a_backfill_commits_every_window_and_reads_the_look_back_once(harness: Harness) -> None:
    app = start_cutehr(harness, employees=30)
    harness.run("cutehr", resources=["attendance"])  # the look-back only
    app.clear_log()
    harness.setenv(START_ENV, _start().isoformat())
    backfill = list(reversed(day_windows(_start(), lookback_start() - timedelta(days=1))))
    look_back = (lookback_start(), today())
    run = harness_run(harness, "cutehr", resources=["attendance"])
    assert run.stops == [_stop(backfill[0]), _stop(backfill[1]), {}]
    assert windows_read(app) == [look_back, *backfill]  # the look-back is not read again by later chunks
    assert_exact(harness, app, _start())
    assert (f"attendance: backfilled 3 of 3 window(s), loaded range now {_start()}..{today()}"
            in run.context.notes_of("cutehr"))


def test_a_backfill_stopped_after_a_commit_goes_on_from_the_loaded_range(harness: Harness) -> None:
    app = start_cutehr(harness, employees=30)
    harness.run("cutehr", resources=["attendance"])
    harness.setenv(START_ENV, _start().isoformat())
    backfill = list(reversed(day_windows(_start(), lookback_start() - timedelta(days=1))))
    harness_run(harness, "cutehr", resources=["attendance"], max_chunks=1)
    app.clear_log()
    harness.run("cutehr", resources=["attendance"])
    assert windows_read(app) == [(lookback_start(), today()), *backfill[1:]]
    assert_exact(harness, app, _start())


def test_the_other_lists_are_read_once_in_a_chunked_run_and_short_runs_are_one_load(harness: Harness) -> None:
    app = start_cutehr(harness, employees=450)
    harness.setenv(START_ENV, _start().isoformat())
    run = harness_run(harness, "cutehr")
    assert run.chunks == 4
    assert len(app.requests(ROUTES["employees"])) == pages(app.count("employees"))  # read whole once, not per chunk
    assert len(app.requests(ROUTES["departments"])) == pages(app.count("departments"))
    assert len(app.requests(ROUTES["leaves"])) == pages(app.count("leaves"))
    assert harness.distinct("cutehr", "employees", "id") == app.count("employees")
    assert_exact(harness, app, _start())
    app.clear_log()
    again = harness_run(harness, "cutehr")  # the look-back and the lists: one load
    assert again.stops == [{}]
    assert windows_read(app) == [(lookback_start(), today())]


def test_hr_elt_run_killed_in_two_windows_redoes_at_most_one_window(harness: Harness) -> None:
    """``hr-elt run cutehr`` as a user types it, SIGKILLed inside window 2, then inside window 3, then to the end."""
    app = start_cutehr(harness, employees=30)
    harness.setenv(START_ENV, _start().isoformat())
    harness.setenv("HR_ELT__CHECKPOINT__MAX_SECONDS", "3600")  # windows decide every checkpoint, not time
    plan = day_windows(_start(), today())
    cost = [attendance_requests(app, *window) for window in plan]
    assert len(plan) == 4 and min(cost[1:3]) >= 2, cost
    route = ROUTES["attendance"]
    # 1: window 1 commits, then killed at the 2nd page of window 2
    kill_run_at(harness, "cutehr", app, route, cost[0] + 2, "window 2, page 2")
    assert windows_read(app) == plan[:2]
    redone = [2]  # window 2's pages answered after the last commit
    app.clear_log()
    # 2: window 2 again and committed, then killed at the 2nd page of window 3
    kill_run_at(harness, "cutehr", app, route, cost[1] + 2, "window 3, page 2")
    assert windows_read(app) == plan[1:3]  # the committed window 1 is not read again
    assert len(app.requests(route)) == cost[1] + 2
    redone.append(2)
    app.clear_log()
    # 3: window 3 again, then the look-back: to the end
    assert RunProcess(harness, "cutehr").finish() == 0
    assert windows_read(app) == plan[2:]
    assert len(app.requests(route)) == cost[2] + cost[3]
    assert all(pages_again <= cost[i + 1] for i, pages_again in enumerate(redone))  # at most the window a kill cut
    assert_exact(harness, app, _start())
    assert harness.distinct("cutehr", "employees", "id") == app.count("employees") == harness.count("cutehr",
                                                                                                     "employees")
    statuses = [r[0] for r in harness.query("select status from cutehr._hr_elt_runs order by started_at, ended_at")]
    assert statuses == ["killed", "killed", "ok"], statuses
