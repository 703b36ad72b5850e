"""ByteHR walks at checkpoints (issue 26): commits every few pages, resumes at the next page, exact at the end.

``tests/checkpoint_loop.py`` runs the run path's chunk loop in-process where a test looks inside a run
(``max_chunks`` ends a run right after a commit, as a kill there would). The kills are what a user
types: ``hr-elt run bytehr`` in a subprocess, SIGKILLed while the sandbox holds a page, run again.
"""

from __future__ import annotations

from typing import Any

from sources._shared.progress import progress_of
from tests.bytehr.helpers import VENDOR, resource_state, source_state, start
from tests.checkpoint_loop import harness_run
from tests.harness import Harness
from tests.resilience.crash import RunProcess, kill_run_at

EMPLOYEES = 1_200  # 12 pages of 100


def _pages_read(app: Any) -> list[str | None]:
    return [e.arg("currentpage") for e in app.requests("/employees")]


def _ids(harness: Harness, where: str = "true") -> set[int]:
    return {int(r[0]) for r in harness.query(f"select id from bytehr.employees where {where}")}


def _pages_asked(first: int, last: int) -> list[str]:
    return [str(p) for p in range(first, last + 1)]


def test_a_walk_commits_every_five_pages_and_ends_exact(harness: Harness) -> None:
    app = start(harness, employees=EMPLOYEES)
    run = harness_run(harness, VENDOR, resources=["employees"])
    assert run.stops == [{"employees": "page 6 of 12"}, {"employees": "page 11 of 12"}, {}]
    assert _pages_read(app) == _pages_asked(1, 12)  # the floor: no page asked twice
    assert _ids(harness) == set(app.ids("employees"))
    assert harness.count(VENDOR, "employees") == EMPLOYEES
    assert _ids(harness, "_deleted_at is not null") == set()
    state = resource_state(harness, "employees")
    assert "walk" not in state and state["last_walk"]["records"] == EMPLOYEES
    # the quota ledger is one run's: 12 requests, the server's count, one run start in the pace's schedule
    assert app.quota_used == 12
    assert source_state(harness)["quota"]["remaining"] == app.quota_remaining
    assert len(source_state(harness)["pace"]["runs"]) == 1
    assert sum(source_state(harness)["pace"]["spent"].values()) == 12
    quota_note = next(n for n in run.context.notes_of(VENDOR) if n.startswith("quota:"))
    assert quota_note.startswith("quota: 12 requests this run")
    assert not [n for n in run.context.notes_of(VENDOR) if "incomplete" in n]
    # the vendor's total for progress
    progress = progress_of(run.context).snapshot()["bytehr/employees"]
    assert (progress.done, progress.total, progress.finished) == (EMPLOYEES, EMPLOYEES, True)


def test_short_walks_stay_one_load(harness: Harness) -> None:
    app = start(harness)  # every list fits in 5 pages: 7 pages in all
    run = harness_run(harness, VENDOR)
    assert run.stops == [{}]
    assert sum(len(app.requests(r)) for r in ("/employees", "/leave-requests", "/departments", "/positions",
                                                "/custom-fields")) == 7


def test_a_run_stopped_after_a_commit_resumes_at_the_next_page(harness: Harness) -> None:
    app = start(harness, employees=EMPLOYEES)
    first = harness_run(harness, VENDOR, resources=["employees"], max_chunks=1)
    assert not first.finished
    assert _pages_read(app) == _pages_asked(1, 5)
    assert harness.count(VENDOR, "employees") == 500  # committed with the resume point
    assert resource_state(harness, "employees")["walk"]["resume"]["page"] == 6
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])  # a plain run resumes the walk as well
    assert _pages_read(app) == _pages_asked(6, 12)
    assert _ids(harness) == set(app.ids("employees"))
    assert _ids(harness, "_deleted_at is not null") == set()


def test_a_checkpointed_walk_deletes_only_once_complete(harness: Harness) -> None:
    app = start(harness, employees=EMPLOYEES)
    harness.run(VENDOR, resources=["employees"])
    ids = app.ids("employees")
    gone = ids[1_150]  # on the last page: read by the second run's last chunk only
    app.delete_employee(gone)
    harness_run(harness, VENDOR, resources=["employees"], max_chunks=2)
    assert _ids(harness, "_deleted_at is not null") == set()  # ids seen so far are in state, nothing judged
    seen = resource_state(harness, "employees")["walk"]
    assert seen["resume"]["page"] == 11
    run = harness_run(harness, VENDOR, resources=["employees"])
    assert run.stops == [{}]
    assert _ids(harness, "_deleted_at is not null") == {gone}  # only the one missing from the whole walk


def test_a_shift_before_the_resume_point_is_repaired_at_the_first_page(harness: Harness) -> None:
    app = start(harness, employees=EMPLOYEES)
    ids = app.ids("employees")
    harness_run(harness, VENDOR, resources=["employees"], max_chunks=1)  # pages 1-5 committed
    victim, slipper = ids[250], ids[500]  # the slipper moves from page 6 back onto page 5
    app.delete_employee(victim)
    app.clear_log()
    run = harness_run(harness, VENDOR, resources=["employees"])
    # the resumed walk's first page shows the total moved: page 5 is read again, then on to the end
    assert _pages_read(app) == ["6", "5", "7", "8", "9", "10", "11", "12"]
    assert run.stops == [{"employees": "page 10 of 12"}, {}]
    assert slipper in _ids(harness)
    assert _ids(harness) == set(ids)  # the victim was read before it went
    assert harness.count(VENDOR, "employees") == EMPLOYEES
    assert _ids(harness, "_deleted_at is not null") == set()
    app.clear_log()
    harness.run(VENDOR, resources=["employees"])
    assert _pages_read(app) == _pages_asked(1, 12)
    assert _ids(harness, "_deleted_at is not null") == {victim}


def _runs(harness: Harness) -> list[str]:
    return [r[0] for r in harness.query("select status from bytehr._hr_elt_runs order by started_at, ended_at")]


def test_hr_elt_run_killed_at_several_points_redoes_at_most_one_interval(harness: Harness) -> None:
    """``hr-elt run bytehr`` as a user types it, SIGKILLed twice mid-chunk, then run to the end: exact."""
    app = start(harness, employees=EMPLOYEES)
    harness.setenv("HR_ELT__CHECKPOINT__MAX_SECONDS", "3600")  # pages decide every checkpoint, not time
    # 1: killed while the sandbox holds its 3rd employees page: nothing of the walk committed yet
    kill_run_at(harness, VENDOR, app, "/employees", 3, "employees page 3")
    assert _pages_read(app) == _pages_asked(1, 3)
    sent = len(app.requests())
    app.clear_log()
    # 2: pages 1-5 commit as a chunk, then killed at the 7th page it asks (page 7)
    kill_run_at(harness, VENDOR, app, "/employees", 7, "employees page 7")
    assert _pages_read(app) == _pages_asked(1, 7)  # pages 1-3 again: the first attempt committed none
    assert resource_state(harness, "employees")["walk"]["resume"]["page"] == 6
    sent += len(app.requests())
    app.clear_log()
    # 3: to the end, from the page after the last commit
    assert RunProcess(harness, VENDOR).finish() == 0
    assert _pages_read(app) == _pages_asked(6, 12)  # pages 6-7 again: 2 <= one interval (5 pages)
    sent += len(app.requests())
    redone = [3, 7 - 5]  # what each kill cost: the pages answered after the attempt's last commit
    assert all(pages <= 5 for pages in redone)
    assert app.quota_used == sent  # every request the three attempts sent, counted by the server
    assert source_state(harness)["quota"]["remaining"] == app.quota_remaining  # the ledger is the server's
    assert _ids(harness) == set(app.ids("employees"))
    assert harness.count(VENDOR, "employees") == EMPLOYEES
    assert _ids(harness, "_deleted_at is not null") == set()  # the walk was judged once, complete
    for table in ("departments", "positions", "leave_requests"):
        assert harness.distinct(VENDOR, table, "id") == app.count(table) == harness.count(VENDOR, table), table
    assert _runs(harness) == ["killed", "killed", "ok"]
