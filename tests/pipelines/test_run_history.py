"""Run history (`_hr_elt_runs`) and `hr-elt status`, over the sandbox into DuckDB and Postgres.

Runs go through the run path in-process (``run_vendor``); status is run as typed (subprocess).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from pipelines.run.destinations import DestinationConfigError
from pipelines.run.failures import error_line
from tests.harness import Harness, on_each_destination
from tests.pipelines.test_cli import BIN

RUN_COLUMNS = ("run_id, vendor, tenant, pipeline_name, destination, location, status, requests, rows, "
               "warnings, error, load_ids, started_at, ended_at")


def status(harness: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    """``hr-elt status ... --pipelines-dir <the harness's>`` with the harness's environment."""
    env = {**os.environ, "RUNTIME__DLTHUB_TELEMETRY": "false"}
    return subprocess.run([str(BIN / "hr-elt"), "status", *args, "--pipelines-dir", harness.pipelines_dir],
                          env=env, cwd=harness.tmp_path, capture_output=True, text=True, timeout=120)


def runs(harness: Harness, dataset: str = "hollyhr") -> list[dict[str, Any]]:
    rows = harness.query(f"select {RUN_COLUMNS} from {dataset}._hr_elt_runs order by ended_at")
    names = [c.strip() for c in RUN_COLUMNS.split(",")]
    out = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        for key in ("rows", "warnings", "load_ids"):  # DuckDB hands JSON back as text, Postgres as values
            if isinstance(record[key], str):
                record[key] = json.loads(record[key])
        out.append(record)
    return out


def break_base_url(harness: Harness) -> None:
    harness.setenv("SOURCES__HOLLYHR__BASE_URL", "http://127.0.0.1:9/api")  # nothing listens there
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "1")


@on_each_destination
def test_every_attempt_leaves_a_history_row_and_status_reads_it(harness: Harness, destination: str) -> None:
    harness.start("hollyhr", people=15)
    result = harness.run("hollyhr")
    [ok] = runs(harness)
    assert ok["status"] == "ok" and ok["vendor"] == "hollyhr" and ok["tenant"] is None
    assert ok["destination"] == destination and ok["location"] == result.location
    assert ok["rows"] == result.rows and ok["requests"] == result.requests > 0
    assert result.load_info is not None and ok["load_ids"] == list(result.load_info.loads_ids)
    [(schema_name,)] = harness.query(
        f"select schema_name from hollyhr._dlt_loads where load_id = '{ok['load_ids'][0]}'")
    assert schema_name == "hollyhr"  # the data's own load, not the history row's
    assert ok["started_at"] < ok["ended_at"] and ok["error"] is None and ok["warnings"] == []
    assert "unused" not in json.dumps(ok, default=str)  # the Postgres password of the test server

    done = status(harness, "hollyhr", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    [target] = report["targets"]
    assert report["healthy"] and target["healthy"] and target["problems"] == []
    assert (target["destination"], target["location"], target["dataset"]) == (destination, result.location, "hollyhr")
    assert target["rows"] == result.rows and target["last_success"]["run_id"] == ok["run_id"]
    assert target["last_failure"] is None
    state = harness.state("hollyhr")["sources"]["hollyhr"]["resources"]["people"]["incremental"]["updated_at"]
    assert target["cursors"]["people.updated_at"] == state["last_value"]
    stale = status(harness, "hollyhr", "--max-age", "0s")
    assert stale.returncode == 1 and "stale: last successful load" in stale.stdout

    break_base_url(harness)
    with pytest.raises(PipelineStepFailed) as failed:
        harness.run("hollyhr")
    first, second = runs(harness)
    assert first["run_id"] == ok["run_id"]
    assert second["status"] == "failed" and second["rows"] == {} and second["run_id"] != ok["run_id"]
    assert second["error"] == error_line("hollyhr", failed.value)  # the line `hr-elt run` prints
    assert "connection refused by 127.0.0.1:9" in second["error"]

    done = status(harness, "hollyhr", "--json")
    assert done.returncode == 1
    [target] = json.loads(done.stdout)["targets"]
    assert target["last_failure"]["error"] == second["error"] and target["last_status"] == "failed"
    assert target["last_success"]["run_id"] == ok["run_id"]
    assert any(p.startswith("latest run failed: hollyhr: extract failed") for p in target["problems"])
    text = status(harness)  # `all`, text
    assert text.returncode == 1
    assert f"hollyhr -> {destination} {result.location}: NOT OK" in text.stdout
    assert "last failure: " in text.stdout and "connection refused" in text.stdout
    assert "0/1 fresh and healthy" in text.stdout


def test_a_run_whose_destination_is_unreachable_is_refused_before_any_request(harness: Harness) -> None:
    app = harness.start("hollyhr", people=5)
    missing = Path(harness.tmp_path) / "no-such-dir" / "w.duckdb"
    with pytest.raises(DestinationConfigError) as failed:
        harness.duckdb_path = str(missing)
        harness.run("hollyhr")
    line = error_line("hollyhr", failed.value)
    assert line.startswith("hollyhr: destination duckdb: cannot connect") and str(missing) in line
    assert not missing.parent.exists()  # nothing was created on the way (no lock file, no folder)
    assert app.requests() == []  # the warehouse is checked before the vendor is asked


def test_status_of_nothing_or_of_a_vendor_never_run_here_exits_1(harness: Harness) -> None:
    empty = status(harness, "all", "--json")
    assert empty.returncode == 1 and json.loads(empty.stdout)["targets"] == []
    assert "no pipelines found" in empty.stderr
    never = status(harness, "bytehr", "--json")
    assert never.returncode == 1
    [target] = json.loads(never.stdout)["targets"]
    assert target["vendor"] == "bytehr" and target["problems"][0].startswith("never run here")
    bad = status(harness, "all", "--max-age", "soon")
    assert bad.returncode == 2 and "--max-age 'soon'" in bad.stderr


def test_status_lists_each_tenant_and_its_history_stays_in_its_dataset(harness: Harness) -> None:
    app = harness.start("hollyhr", people=5)
    for key, value in {"BASE_URL": app.base_url, **app.credentials()}.items():
        harness.setenv(f"SOURCES__HOLLYHR_ACME__{key.upper()}", str(value))
    harness.run("hollyhr")
    harness.run("hollyhr", tenant="acme")
    [acme] = runs(harness, "hollyhr_acme")
    assert (acme["tenant"], acme["status"]) == ("acme", "ok")
    assert acme["pipeline_name"].startswith("hollyhr_acme__")
    assert len(runs(harness)) == 1  # the default company's own
    done = status(harness, "hollyhr", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    found = {(t["tenant"], t["pipeline_name"], t["dataset"]) for t in json.loads(done.stdout)["targets"]}
    assert {(tenant, re.sub(r"__duckdb_[0-9a-f]{8}$", "", name), dataset) for tenant, name, dataset in found} \
        == {(None, "hollyhr", "hollyhr"), ("acme", "hollyhr_acme", "hollyhr_acme")}


def test_a_partial_run_is_recorded_as_partial_with_what_loaded(harness: Harness) -> None:
    from sources._shared.errors import ProviderPartialFailure
    from tests.bytehr.helpers import start

    app = start(harness)
    harness.run("bytehr")
    # the reserve (10) and 3 more: definitions and employees (2 pages) in walk_priority's order; the rest refused
    app.set_quota_remaining(13)
    with pytest.raises(ProviderPartialFailure) as partial:
        harness.run("bytehr")
    last = runs(harness, "bytehr")[-1]
    assert last["status"] == "partial" and last["rows"] == partial.value.result.rows
    assert last["error"].startswith("leave_requests: ") and "; departments: " in last["error"]
    assert "; positions: " in last["error"]
    assert last["requests"] == partial.value.result.requests == 3
