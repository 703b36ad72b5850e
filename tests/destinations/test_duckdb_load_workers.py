"""DuckDB loads one job at a time unless dlt's ``load.workers`` says otherwise (read from the run's trace)."""

from __future__ import annotations

from typing import Any

from pipelines.run.destinations import DEFAULT_DUCKDB_LOAD_WORKERS, load_settings
from tests.bytehr.helpers import VENDOR, start
from tests.harness import Harness


def load_workers(result: Any) -> Any:
    """The ``workers`` value dlt's load step resolved in the run."""
    trace = result.load_info.pipeline.last_trace
    found = [v for v in trace.resolved_config_values if v.key == "workers" and "load" in v.sections]
    assert found, [(v.key, v.sections) for v in trace.resolved_config_values]
    return found[-1].value


def test_duckdb_runs_one_load_job_at_a_time(harness: Harness) -> None:
    harness.monkeypatch.delenv("LOAD__WORKERS", raising=False)
    start(harness, employees=30)
    result = harness.run(VENDOR)
    assert DEFAULT_DUCKDB_LOAD_WORKERS == 1
    assert int(load_workers(result)) == 1
    assert result.rows["employees"] == 30


def test_users_load_workers_win(harness: Harness) -> None:
    harness.setenv("LOAD__WORKERS", "3")
    start(harness, employees=30)
    result = harness.run(VENDOR)
    assert int(load_workers(result)) == 3
    assert load_settings("duckdb") == {}


def test_server_destinations_keep_dlts_parallel_jobs(harness: Harness) -> None:
    harness.monkeypatch.delenv("LOAD__WORKERS", raising=False)
    assert load_settings("duckdb") == {"load.workers": 1}
    assert load_settings("postgres") == load_settings("bigquery") == {}
