"""ByteHR walks at checkpoints (issue 26): commits every few pages, resumes at the next page, exact at the end.

The run path's chunk loop is stood in for by ``tests/checkpoint_loop.py``; ``max_chunks`` ends a run
right after a commit, as a kill there would. The kill mid-chunk is a real SIGKILL of a subprocess
running that loop, sent by the sandbox while it answers a page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sources._shared.progress import progress_of
from tests.bytehr.helpers import VENDOR, resource_state, source_state, start
from tests.checkpoint_loop import harness_run
from tests.harness import Harness

EMPLOYEES = 1_200  # 12 pages of 100
ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("kill_at", [3, 8])
def test_a_kill_mid_chunk_costs_at_most_one_interval(harness: Harness, kill_at: int) -> None:
    app = start(harness, employees=EMPLOYEES)
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.checkpoint_loop", VENDOR, harness.pipelines_dir,
                             harness.duckdb_path], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill(_: Any) -> None:  # after the sandbox answered (and counted) the page, before the client reads it
        os.kill(proc.pid, signal.SIGKILL)

    app.after_request(kill_at, kill, route="/employees")
    proc.wait(timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode() if proc.stderr else ""
    answered = _pages_read(app)
    assert answered == _pages_asked(1, kill_at)
    committed = 5 * ((kill_at - 1) // 5)  # the chunks that ended before the kill
    sent_first = len(app.requests())
    app.clear_log()
    run = harness_run(harness, VENDOR)
    assert run.finished
    again = _pages_read(app)
    assert again == _pages_asked(committed + 1, 12)
    redone = kill_at - committed
    assert redone <= 5  # at most one interval of quota asked again
    assert app.quota_used == sent_first + len(app.requests())
    assert source_state(harness)["quota"]["remaining"] == app.quota_remaining  # the ledger is the server's
    assert _ids(harness) == set(app.ids("employees"))
    assert harness.count(VENDOR, "employees") == EMPLOYEES

