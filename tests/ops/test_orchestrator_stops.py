"""An orchestrator's own stop exception, raised inside a load, is recorded as an interruption (the backstop).

Airflow's ``execution_timeout`` raises ``AirflowTaskTimeout`` (a BaseException) from a SIGALRM handler
in the task's main thread. This test does the same without Airflow: its own BaseException, raised
by a SIGALRM handler that the sandbox triggers right after the k-th request of a load that commits
at checkpoints. Like Airflow's and Dagster's stops it is a BaseException but not an Exception
(``pipelines/run/outside_stops.py``): the run path records the run ``interrupted`` and raises it on,
naming no orchestrator. The next load resumes after the committed checkpoints and the warehouse is exact.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from pipelines.orchestration import RecipeSettings, run_load
from pipelines.run.tenants import Target
from sandbox import Sandbox
from tests.ops.helpers import count, query, tenant_env
from tests.ops.test_dagster import use_env

INTERVAL = 40  # requests between checkpoints


class TaskTimeout(BaseException):
    """What an orchestrator raises in a task it stops (as ``AirflowTaskTimeout`` does)."""


@pytest.fixture
def alarm_raises_timeout() -> Iterator[None]:
    def timed_out(signum: int, frame: FrameType | None) -> None:
        raise TaskTimeout(f"Timeout, PID: {os.getpid()}")

    previous = signal.signal(signal.SIGALRM, timed_out)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.timeout(600)
def test_task_timeout_is_recorded_interrupted_and_the_retry_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm_raises_timeout: None) -> None:
    db = tmp_path / "w.duckdb"
    with Sandbox(seed=12, vendors=("hollyhr",), hollyhr={"people": 100}) as box:
        use_env(monkeypatch, tmp_path, {
            "HR_ELT__TENANTS__HOLLYHR": "acme", "HR_ELT__DUCKDB_PATH": str(db),
            "HR_ELT__CHECKPOINT__MAX_REQUESTS": str(INTERVAL), **tenant_env("hollyhr", "acme", box, PAGE_SIZE="10")})
        settings = RecipeSettings.from_env("duckdb", {"HR_ELT_PIPELINES_DIR": str(tmp_path / "p")})
        lines: list[str] = []
        target = Target("hollyhr", "acme")

        box.hollyhr.after_request(5 * INTERVAL // 2, lambda app: os.kill(os.getpid(), signal.SIGALRM))
        with pytest.raises(TaskTimeout):
            run_load(target, settings, lines.append, 3600.0)
        first = len(box.hollyhr.requests())
        rows = query(db, "select status, error from hollyhr_acme._hr_elt_runs")
        assert [status for status, _ in rows] == ["interrupted"], rows
        assert "stopped at once by TaskTimeout: Timeout, PID:" in rows[0][1]
        assert "nothing partial was marked done; the next run resumes" in rows[0][1]
        assert any("interrupted" in line for line in lines), lines  # the summary went to the task's log
        kept = count(db, "hollyhr_acme", "people")
        assert 0 < kept < box.hollyhr.count("people"), "the checkpoints before the timeout stay loaded"

        box.hollyhr.clear_log()
        result = run_load(target, settings, lines.append, 3600.0)
        assert result.status == "ok"
        second = box.hollyhr.requests()
        since = [e.arg("updated_since") or "" for e in second if e.path.endswith("/people")]
        assert since and not since[0].startswith("1970"), f"resumed after the checkpoints, not from the start: {since}"

    assert count(db, "hollyhr_acme", "people") == box.hollyhr.count("people")
    assert query(db, "select count(*) - count(distinct id) from hollyhr_acme.people") == [(0,)]
    assert [r[0] for r in query(db, "select status from hollyhr_acme._hr_elt_runs order by started_at")] == [
        "interrupted", "ok"]
    assert first > 2 * INTERVAL  # the timeout came after checkpoints had committed
