"""``hr-elt run hollyhr`` as a user types it, on a sync long enough to checkpoint: killed, stopped, budgeted.

Requests are counted at the sandbox. The checkpoint interval is ``hr_elt.checkpoint.max_requests``
(seconds set far out: no timing decides a checkpoint). A HollyHR chunk is about one interval of
work, rounded up to a page of people and their per-person requests (``ONE_INTERVAL``).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipelines.run.budget import EXIT_INCOMPLETE
from pipelines.run.interrupts import EXIT_TERMINATED, TERMINATED_LINE
from tests.harness import Harness
from tests.resilience.crash import Gate, RunProcess

PEOPLE = 200
PAGE = 20
INTERVAL = 100
ONE_INTERVAL = INTERVAL + 1 + 2 * PAGE  # the page that reaches the interval, with its per-person requests
EMPLOYMENT = "/people/*/employment"
BIN = Path(sys.executable).parent


@pytest.fixture
def app(harness: Harness) -> Any:
    app = harness.start("hollyhr", people=PEOPLE, time_off_per_person=0, documents_per_person=0,
                        history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", str(PAGE))
    harness.setenv("HR_ELT__CHECKPOINT__MAX_REQUESTS", str(INTERVAL))
    harness.setenv("HR_ELT__CHECKPOINT__MAX_SECONDS", "3600")
    return app


def _child_paths(app: Any) -> list[str]:
    """Employment and history requests, in the order the sandbox answered them."""
    return [e.path for e in app.requests("/people/*/employment*")]


def _exact(harness: Harness, app: Any) -> None:
    for table, key in (("people", "id"), ("employments", "person_id"), ("employment_history", "id")):
        assert harness.count("hollyhr", table) == app.count(table), table
        assert harness.distinct("hollyhr", table, key) == app.count(table), f"duplicate keys in {table}"


def _runs(harness: Harness) -> list[tuple[str, str | None]]:
    return [(r[0], r[1]) for r in harness.query(
        "select status, error from hollyhr._hr_elt_runs order by started_at, ended_at")]


def _kill_at(harness: Harness, app: Any, k: int) -> None:
    """``hr-elt run hollyhr``, SIGKILLed while the sandbox holds its `k`-th employment answer."""
    gate = Gate(app, EMPLOYMENT, k)
    run = RunProcess(harness, "hollyhr")
    try:
        run.wait_for(gate.reached.is_set, f"employment request {k}")
        run.kill()
    finally:
        gate.open()


def test_killed_at_several_points_each_rerun_redoes_at_most_one_interval(harness: Harness, app: Any) -> None:
    full = 1 + 2 * PEOPLE  # what a whole sync needs per person, and the listings
    asked: list[str] = []
    for k in (30, 70, 55):  # three attempts, each killed further into what is left
        _kill_at(harness, app, k)
        paths = _child_paths(app)
        new = paths[len(asked):]
        redone = len(new) - len(set(new) - set(asked))
        if asked:  # the attempt before was killed: what it had answered past its last checkpoint is asked again
            assert redone <= ONE_INTERVAL, (k, redone)
        asked = paths
    assert RunProcess(harness, "hollyhr").finish() == 0
    _exact(harness, app)
    paths = _child_paths(app)
    new = paths[len(asked):]
    assert len(new) - len(set(new) - set(asked)) <= ONE_INTERVAL
    # all four attempts together: the whole sync once, plus at most one interval per kill
    assert len(paths) <= full * 2 + 3 * ONE_INTERVAL
    statuses = [status for status, _ in _runs(harness)]
    assert statuses.count("killed") == 3 and statuses[-1] == "ok", statuses
    killed = [error for status, error in _runs(harness) if status == "killed"]
    assert all(error and "killed (SIGKILL, out of memory, a lost node)" in error for error in killed), killed

    status = subprocess.run([str(BIN / "hr-elt"), "status", "hollyhr", "--pipelines-dir", harness.pipelines_dir],
                            capture_output=True, text=True, cwd=harness.tmp_path, timeout=120)
    assert "killed" in status.stdout + status.stderr, status.stdout + status.stderr


def test_sigterm_stops_at_the_next_checkpoint_and_says_so(harness: Harness, app: Any) -> None:
    summary = harness.tmp_path / "summary.json"
    gate = Gate(app, EMPLOYMENT, 50)
    run = RunProcess(harness, "hollyhr", args=["--summary-file", str(summary)])
    try:
        run.wait_for(gate.reached.is_set, "employment request 50")
        run.proc.send_signal(signal.SIGTERM)
    finally:
        gate.open()
    code = run.finish()
    assert code == EXIT_TERMINATED, run.stderr()
    assert TERMINATED_LINE in run.stderr()
    document = json.loads(summary.read_text())
    assert document["status"] == "interrupted" and document["exit_code"] == EXIT_TERMINATED
    (one,) = document["runs"]
    assert one["status"] == "interrupted"
    assert any("stopped at a checkpoint (SIGTERM)" in note for note in one["notes"]), one["notes"]
    assert one["tables"]["people"] == harness.count("hollyhr", "people") > 0  # what it says loaded, loaded
    assert _runs(harness)[-1][0] == "interrupted"
    answered = len(_child_paths(app))

    assert RunProcess(harness, "hollyhr").finish() == 0
    _exact(harness, app)
    paths = _child_paths(app)
    new = paths[answered:]
    assert len(new) - len(set(new) - set(paths[:answered])) <= PAGE * 2  # the people not read by the stop


def test_a_time_budgeted_first_sync_completes_over_several_runs(harness: Harness) -> None:
    app = harness.start("hollyhr", people=60, time_off_per_person=0, documents_per_person=0, history_per_person=1)
    harness.setenv("SOURCES__HOLLYHR__PAGE_SIZE", str(PAGE))
    harness.setenv("HR_ELT__CHECKPOINT__MAX_SECONDS", "3600")
    app.set_latency(routes={"/people/*": (0.02, 0)})  # a whole sync: 120 per-person requests of 20 ms or more
    harness.setenv("SOURCES__HOLLYHR__CHILD_CONCURRENCY", "1")
    codes = []
    for _ in range(60 // PAGE + 2):  # each run gets at least one page further: the loop ends
        run = RunProcess(harness, "hollyhr", args=["--max-duration", "2s", "--json"])
        code = run.finish()
        assert code in (0, EXIT_INCOMPLETE), run.stderr()
        codes.append(code)
        document = json.loads(run.stdout())
        if code == 0:
            break
        assert document["status"] == "incomplete" and document["runs"][0]["status"] == "incomplete"
        assert any("the next run resumes" in note for note in document["runs"][0]["notes"])
    assert codes[-1] == 0 and codes[0] == EXIT_INCOMPLETE, codes
    _exact(harness, app)
    assert {status for status, _ in _runs(harness)} == {"incomplete", "ok"}


HOLD = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])  # a writer: DuckDB lets no other process open the file
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def duckdb_held(path: str) -> Iterator[None]:
    """Another process holds the DuckDB file, as a writer, for the block: no load can open it."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_first_sync_whose_load_fails_keeps_its_extract(harness: Harness) -> None:
    app = harness.start("hollyhr", people=40, time_off_per_person=1, documents_per_person=1, history_per_person=1)
    gate = Gate(app, "/people/*/employment-history", 40)  # the extract's last request
    first = RunProcess(harness, "hollyhr")
    with ExitStack() as held:
        try:
            first.wait_for(gate.reached.is_set, "the last history request")
            # another process takes the DuckDB file while the run is still reading: its load cannot open it
            held.enter_context(duckdb_held(harness.duckdb_path))
        finally:
            gate.open()
        assert first.finish() == 1, first.stderr()
        asked = len(app.requests())
        assert asked > 2 * 40  # it read everything before the load failed

    second = RunProcess(harness, "hollyhr")
    assert second.finish() == 0, second.stderr()
    assert len(app.requests()) - asked <= 3  # one boundary page per listing, nothing read again
    out = second.stdout()
    assert "first loaded" in out and "an earlier run had extracted but not loaded" in out, out
    for table in ("people", "employments", "employment_history", "time_off", "documents"):
        assert harness.count("hollyhr", table) == app.count(table), table


def test_a_load_behind_the_next_extract_that_fails_stops_the_run_and_loses_nothing(harness: Harness, app: Any) -> None:
    # chunks of three pages of people (PAGE people, 1 + 2 x PAGE requests each): the first loads before
    # the second extracts; the second loads in a thread while the third extracts
    # one of the last people of the second chunk: the first chunk is loaded, the second's pages of people are read
    gate = Gate(app, EMPLOYMENT, 2 * 3 * PAGE - 5)
    third: Gate | None = None
    first = RunProcess(harness, "hollyhr")
    with ExitStack() as held:
        try:
            first.wait_for(gate.reached.is_set, "an employment request of the second chunk")
            # another process takes the DuckDB file: the second chunk's load, behind the third's extract, cannot open it
            held.enter_context(duckdb_held(harness.duckdb_path))
            third = Gate(app, "/people", 1)  # the next page of people: the third chunk's first
            gate.open()
            first.wait_for(third.reached.is_set, "the third chunk's first page of people")
            first.wait_for(lambda: "the load of checkpoint 2" in first.stderr(), "the failed load said at once")
        finally:
            gate.open()
            if third is not None:
                third.open()
        assert first.finish() == 1, first.stderr()
        # the failed load stopped the extract in flight at its next checkpoint, after the page it was on
        # (its people's requests done), not at the end of its interval (three pages)
        assert len(_child_paths(app)) <= 2 * (2 * 3 + 1) * PAGE, first.stderr()
    assert harness.count("hollyhr", "people") == 3 * PAGE  # the first chunk stayed loaded

    second = RunProcess(harness, "hollyhr")
    assert second.finish() == 0, second.stderr()
    assert "first loaded" in second.stdout(), second.stdout()  # what the failed run extracted, loaded first
    assert len(_child_paths(app)) - 2 * PEOPLE <= ONE_INTERVAL  # the per-person requests read again
    _exact(harness, app)
