"""Two runs of one pipeline at once: the second refuses with a clear message, or waits when asked."""

from __future__ import annotations

import pytest

from pipelines.run.failures import error_line
from pipelines.run.lock import PipelineLock, PipelineLockedError, lock_path
from tests.harness import Harness
from tests.resilience.crash import Gate, RunProcess


def test_lock_refuses_names_the_holder_and_times_out(tmp_path: pytest.TempPathFactory) -> None:
    path = lock_path(str(tmp_path), "hollyhr")
    first = PipelineLock(path, "hollyhr").acquire()
    try:
        with pytest.raises(PipelineLockedError) as refused:
            PipelineLock(path, "hollyhr").acquire()
        text = str(refused.value)
        assert "another run of pipeline 'hollyhr' is in progress" in text
        assert f"pid {__import__('os').getpid()}" in text and str(path) in text and "--wait" in text
        with pytest.raises(PipelineLockedError, match="gave up after waiting"):
            PipelineLock(path, "hollyhr").acquire(wait=True, timeout=0.2)
        # another pipeline in the same directory is not affected
        PipelineLock(lock_path(str(tmp_path), "bytehr"), "bytehr").acquire().release()
    finally:
        first.release()
    PipelineLock(path, "hollyhr").acquire().release()  # free again


def test_second_run_refuses_third_waits_never_two_writers(harness: Harness) -> None:
    app = harness.start("hollyhr", people=20)
    gate = Gate(app, "/people")  # the first run holds here, mid-extract, with the lock
    first = RunProcess(harness, "hollyhr")
    try:
        first.wait_for(gate.reached.is_set, "the first run's held request")

        # in-process: refused at once, before any request
        requests_before = len(app.requests())
        with pytest.raises(PipelineLockedError) as refused:
            harness.run("hollyhr")
        assert f"pid {first.pid}" in str(refused.value)
        assert error_line("hollyhr", refused.value).startswith("hollyhr: another run of pipeline 'hollyhr__duckdb_")
        assert len(app.requests()) == requests_before

        # a real second `hr-elt run`: exit 1, one clear line
        second = RunProcess(harness, "hollyhr")
        assert second.finish() == 1
        lines = [line for line in second.stderr().splitlines() if line.startswith("hr-elt:")]
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0] and "--wait" in lines[0]

        # `--wait` queues behind the first run
        # (a page size of its own tells its requests apart in the sandbox's log)
        third = RunProcess(harness, "hollyhr", args=["--wait"], extra_env={"SOURCES__HOLLYHR__PAGE_SIZE": "150"})
        third.wait_for(lambda: "waiting for it" in third.stderr(), "the third run to start waiting")
        assert len(app.requests()) == requests_before
    finally:
        gate.open()
    assert first.finish() == 0, first.stderr()
    assert third.finish() == 0, third.stderr()
    # the third run sent its first request after the first run's last one: never two writers
    third_requests = [e.n for e in app.requests() if e.arg("limit") == "150"]
    first_requests = [e.n for e in app.requests() if e.arg("limit") != "150"]
    assert third_requests and min(third_requests) > max(first_requests)
    assert "no new or changed rows" in third.stdout()
    assert harness.count("hollyhr", "people") == 20 and harness.distinct("hollyhr", "people", "id") == 20
