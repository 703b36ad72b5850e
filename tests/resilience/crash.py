"""Helpers for the crash tests: real ``hr-elt run`` subprocesses, frozen in a phase, then SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pendulum

from pipelines.run.naming import latest_pipeline_name
from tests.harness import Harness

BIN = Path(sys.executable).parent
PAUSE_DIR = Path(__file__).parent / "pausepoint"
PHASE_TIMEOUT = 180.0  # generous: a ceiling for a stuck test, never a performance assertion


@dataclass
class Case:
    """One vendor's crash-test parameters, taken from its contract suite."""

    vendor: str
    contract: Any  # the vendor's SourceContract subclass instance
    gate_route: str  # a list route whose first request blocks the extract phase

    def __str__(self) -> str:
        return self.vendor


class RunProcess:
    """A real ``hr-elt run <vendor>`` subprocess against the harness's sandbox and warehouse."""

    def __init__(self, harness: Harness, vendor: str, pause_at: str | None = None,
                 extra_env: dict[str, str] | None = None, args: list[str] | None = None) -> None:
        self.marker = harness.tmp_path / f"paused-{vendor}-{time.monotonic_ns()}"
        env = dict(os.environ)  # the harness put the sandbox's URL and credentials here
        env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
        env[f"SOURCES__{vendor.upper()}__TIMEOUT"] = "600"  # a gated request must not time out
        if pause_at:
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PAUSE_DIR), env.get("PYTHONPATH", "")) if p)
            env["HR_ELT_TEST_PAUSE_AT"] = pause_at
            env["HR_ELT_TEST_PAUSE_MARKER"] = str(self.marker)
        env.update(extra_env or {})
        cmd = [str(BIN / "hr-elt"), "run", vendor, "--pipelines-dir", harness.pipelines_dir,
               "--duckdb-path", harness.duckdb_path, "--destination", harness.destination, *(args or [])]
        self.stdout_path = harness.tmp_path / f"run-{vendor}-{time.monotonic_ns()}.out"
        self.stderr_path = self.stdout_path.with_suffix(".err")
        self._out = open(self.stdout_path, "w")  # noqa: SIM115
        self._err = open(self.stderr_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, env=env, cwd=harness.tmp_path, stdout=self._out, stderr=self._err)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        if not self._err.closed:
            self._err.flush()
        return self.stderr_path.read_text()

    def stdout(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.stdout_path.read_text()

    def wait_paused(self) -> str:
        """Waits until the subprocess froze at its pause point; returns the point's name."""
        deadline = time.monotonic() + PHASE_TIMEOUT
        while time.monotonic() < deadline:
            if self.marker.exists() and self.marker.read_text():
                return self.marker.read_text()
            if self.proc.poll() is not None:
                raise AssertionError(f"the run ended (exit {self.proc.returncode}) before its pause point:\n"
                                     f"{self.stderr()}")
            time.sleep(0.02)
        raise AssertionError("the run never reached its pause point")

    def wait_for(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + PHASE_TIMEOUT
        while time.monotonic() < deadline:
            if condition():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"the run ended (exit {self.proc.returncode}) before {what}:\n{self.stderr()}")
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no signal handler, no finally block runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)
        assert self.proc.returncode == -signal.SIGKILL
        self._out.close()
        self._err.close()

    def finish(self, timeout: float = PHASE_TIMEOUT) -> int:
        code = self.proc.wait(timeout=timeout)
        self._out.close()
        self._err.close()
        return code


class Gate:
    """Blocks the sandbox's answer to one request (an ``after_request`` hook) until opened."""

    def __init__(self, app: Any, route: str, k: int = 1) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

        def hold(_: Any) -> None:
            self.reached.set()
            self.opened.wait(PHASE_TIMEOUT)

        app.after_request(k, hold, route=route)

    def open(self) -> None:
        self.opened.set()


def kill_run_at(harness: Harness, vendor: str, app: Any, route: str, k: int, what: str) -> None:
    """Starts ``hr-elt run`` for `vendor` and kills it while the sandbox holds its `k`-th answer on `route`."""
    gate = Gate(app, route, k)
    run = RunProcess(harness, vendor)
    try:
        run.wait_for(gate.reached.is_set, what)
        run.kill()
    finally:
        gate.open()


# --- the pipeline's working directory ------------------------------------------------------------
def packages(harness: Harness, vendor: str) -> dict[str, list[str]]:
    """Load packages by where they sit in dlt's working dir: extracted, normalizing, normalized, loaded."""
    work = Path(harness.pipelines_dir) / latest_pipeline_name(vendor, harness.pipelines_dir)  # per destination
    where = {"extracted": work / "normalize" / "extracted", "normalizing": work / "load" / "new",
             "normalized": work / "load" / "normalized", "loaded": work / "load" / "loaded"}
    return {k: sorted(p.name for p in d.iterdir() if p.is_dir()) if d.exists() else [] for k, d in where.items()}


def completed_jobs(harness: Harness, vendor: str, load_id: str) -> list[str]:
    jobs = (Path(harness.pipelines_dir) / latest_pipeline_name(vendor, harness.pipelines_dir) / "load" / "normalized"
            / load_id / "completed_jobs")
    return sorted(p.name for p in jobs.iterdir()) if jobs.exists() else []


# --- cursors -------------------------------------------------------------------------------------
def cursors(state: dict[str, Any], vendor: str) -> dict[str, tuple[str, Any]]:
    """``resource -> (cursor column, last value)`` of every dlt incremental in a pipeline state."""
    out = {}
    resources = state.get("sources", {}).get(vendor, {}).get("resources", {})
    for name, resource_state in resources.items():
        for path, inc in (resource_state.get("incremental") or {}).items():
            out[name] = (path, inc.get("last_value"))
    return out


def committed_state(harness: Harness, dataset: str) -> dict[str, Any] | None:
    """The newest state of the dataset's own pipeline in the warehouse whose load was committed (in ``_dlt_loads``).

    Only the dataset's own pipeline (``<dataset>__<kind>_<hash8>``, run/naming.py): the run facts' sibling
    pipelines (``<name>__quality``, ``<name>__runs``) keep their state in the same dataset.
    """
    from dlt.pipeline.state_sync import decompress_state

    rows = harness.query(
        f'select s.state from "{dataset}"."_dlt_pipeline_state" s join "{dataset}"."_dlt_loads" l '
        f"on s._dlt_load_id = l.load_id where l.status = 0 "
        f"and s.pipeline_name like '{dataset}__%' and s.pipeline_name not like '%__quality' "
        "and s.pipeline_name not like '%__runs' "
        "order by s.version desc limit 1")
    return decompress_state(rows[0][0]) if rows else None


def as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    parsed = pendulum.parse(str(value))
    if not isinstance(parsed, datetime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day)  # type: ignore[union-attr]
    return parsed


def assert_cursors_not_ahead(harness: Harness, vendor: str, state: dict[str, Any] | None) -> None:
    """Every cursor in `state` is at most the newest cursor value loaded into its table."""
    if state is None:
        return
    for resource, (column, value) in cursors(state, vendor).items():
        if value is None:
            continue
        tables = {r[0] for r in harness.query(
            f"select table_name from information_schema.tables where table_schema = '{vendor}'")}
        assert resource in tables, f"cursor of {resource} is at {value} but nothing of it was loaded"
        loaded = as_datetime(harness.scalar(f'select max("{column}") from "{vendor}"."{resource}"'))
        cursor = as_datetime(value)
        assert loaded is not None and cursor is not None and cursor <= loaded, \
            f"cursor of {resource} ({cursor}) is ahead of the data ({loaded})"
