"""Dagster's run termination reaches the run path's stop: recorded ``interrupted``, and the next run resumes.

In-process, on a real Dagster instance: Dagster terminates a run by sending SIGTERM to the process that
runs it, whose handler raises ``DagsterExecutionInterruptedError`` inside the op. Here the sandbox sends
that SIGTERM to this process right after it answered the k-th request of a tenant's load, a run that
commits at checkpoints every 40 requests. The run fails as terminated, its history row says
``interrupted`` (why, and that nothing partial was marked done), the checkpoints before the stop stay
loaded, and the partition's next run resumes from them: the warehouse is exact and the two runs
together ask the vendor for no more than one full sync and one checkpoint interval.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import dagster
import pytest

from sandbox import Sandbox
from tests.ops.helpers import count, query, tenant_env
from tests.ops.test_dagster import load_definitions, step_events, use_env

INTERVAL = 40  # requests between checkpoints


@pytest.mark.timeout(600)
def test_terminated_run_is_recorded_interrupted_and_the_next_run_resumes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    with Sandbox(seed=11, vendors=("hollyhr",), hollyhr={"people": 120}) as box:
        use_env(monkeypatch, tmp_path, {
            "HR_ELT__TENANTS__HOLLYHR": "acme,control", "HR_ELT_DESTINATION": "duckdb", "HR_ELT_RETRIES": "0",
            "HR_ELT_PIPELINES_DIR": str(tmp_path / "p"), "HR_ELT__DUCKDB_PATH": str(db),
            "HR_ELT__CHECKPOINT__MAX_REQUESTS": str(INTERVAL),
            **tenant_env("hollyhr", "acme", box, PAGE_SIZE="10"),
            **tenant_env("hollyhr", "control", box, PAGE_SIZE="10")})
        module = load_definitions()
        load = [module.LOADS["hollyhr"]]
        with dagster.instance_for_test() as instance:
            instance.add_dynamic_partitions("hr_elt_tenants", ["acme", "control"])
            # the same data as another tenant, loaded in one go: what a full sync asks
            box.hollyhr.clear_log()
            assert dagster.materialize(load, partition_key="control", instance=instance).success
            full = len(box.hollyhr.requests())
            assert full > 3 * INTERVAL, "the sync must span several checkpoints"

            box.hollyhr.clear_log()
            stop_after = full // 2
            box.hollyhr.after_request(stop_after, lambda app: os.kill(os.getpid(), signal.SIGTERM))
            stopped = dagster.materialize(load, partition_key="acme", instance=instance, raise_on_error=False)
            first = len(box.hollyhr.requests())
            assert not stopped.success
            failure = step_events(stopped, "STEP_FAILURE", "load_hollyhr")
            assert failure and "DagsterExecutionInterruptedError" in str(failure[0].event_specific_data)
            rows = query(db, "select status, error from hollyhr_acme._hr_elt_runs")
            assert [status for status, _ in rows] == ["interrupted"], rows
            assert "stopped at once by DagsterExecutionInterruptedError" in rows[0][1]
            assert "nothing partial was marked done" in rows[0][1]
            kept = count(db, "hollyhr_acme", "people")
            assert 0 < kept < box.hollyhr.count("people"), "the checkpoints before the stop stay loaded"

            box.hollyhr.clear_log()
            again = dagster.materialize(load, partition_key="acme", instance=instance)
            assert again.success
            second = len(box.hollyhr.requests())

    assert count(db, "hollyhr_acme", "people") == box.hollyhr.count("people")
    assert query(db, "select count(*) - count(distinct id) from hollyhr_acme.people") == [(0,)]
    for table in ("employments", "documents"):  # the same as the tenant loaded in one go
        assert count(db, "hollyhr_acme", table) == count(db, "hollyhr_control", table)
    assert second < full, "the next run resumed after the committed checkpoints"
    assert first + second <= full + 2 * INTERVAL, (first, second, full)  # at most about one interval redone
    statuses = query(db, "select status from hollyhr_acme._hr_elt_runs order by started_at")
    assert statuses == [("interrupted",), ("ok",)]
