"""The machine-readable run summary: ``hr-elt run ... --json`` and ``--summary-file F``.

One document per command: ``{"schema_version", "status", "exit_code", "runs": [...], "skipped": [...]}``,
one run object per vendor/tenant, for a failed run too. The keys are listed in README.md
("Machine-readable summary"); :data:`SCHEMA_VERSION` changes when a key changes meaning or goes.

Row counts are only what is known, never a guess: ``inserted`` and ``updated`` come from the sources
that remember what they loaded (snapshot walks: an id not remembered is inserted, a remembered one
with new content updated); a resource without that memory (an ``updated_since`` listing merged on its
key) reports its rows as ``upserted`` with ``inserted`` and ``updated`` null. ``deleted`` is counted
by the resources that can tell deletes (:func:`sources._shared.state.deletes.report_deletes`); null
elsewhere.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.entry import EXIT_INTERRUPTED
from pipelines.entry import INTERRUPTED as INTERRUPTED_LINE
from sources import registry
from sources._shared.context import RunContext
from sources._shared.errors import ProviderPartialFailure, exception_chain

if TYPE_CHECKING:
    from dlt.pipeline.pipeline import Pipeline
    from dlt.sources import DltSource

    from pipelines.runner import RunResult
    from pipelines.tenants import Target

SCHEMA_VERSION = 1
PHASES = ("extract", "normalize", "load")
_CLOCK_SLACK = 0.05  # seconds: the run's start is taken just before dlt's trace starts, by another clock call
INTERRUPTED = INTERRUPTED_LINE.removeprefix("hr-elt: ")
"""The ``error`` of an interrupted run and document: the line printed on stderr, as ``error`` holds the others."""
_FAILED_RUN = "_hr_elt_failed_run"  # attribute of an exception: the RunResult of the run it ended


def gather(result: RunResult, context: RunContext, pipeline: Pipeline, source: DltSource,
           since: float | None = None) -> None:
    """Fills the summary fields of `result` from the run's context and dlt's trace of the run.

    `since` is when the run began (epoch seconds; default: `result.seconds` ago): an older trace is
    an earlier run's.

    ``phases`` (seconds per dlt step), ``resources`` (per selected resource: requests, retries,
    throttled, and the row counts the source reported); for a failed run also the totals, notes,
    warnings and failures that the run path fills after a successful one (also for an interrupted run).
    """
    vendor = result.vendor
    result.phases = phase_seconds(pipeline, since=time.time() - result.seconds if since is None else since)
    changes = context.changes_of(vendor)
    declared = registry.get(vendor).resources  # the run path's side resources (``_rejected_*``) left out
    keys = [name for name in source.selected_resources.keys() if name in declared]
    tables = {name: _table_of(source, name) for name in keys}
    result.resources = {}
    for name in keys:
        entry: dict[str, Any] = {"table": tables[name]}
        for counter in ("requests", "retries", "throttled"):
            entry[counter] = getattr(context, counter).get(f"{vendor}/{name}", 0)
        entry["changes"] = changes.get(name, {})
        result.resources[name] = entry
    if result.status in ("failed", "interrupted"):
        result.requests = context.total(vendor)
        result.retries = context.total(vendor, "retries")
        result.throttled = context.total(vendor, "throttled")
        result.notes[:] = context.notes_of(vendor)
        result.warnings[:] = context.warnings_of(vendor)
        result.failures = context.failures_of(vendor)


def phase_seconds(pipeline: Pipeline, since: float) -> dict[str, float]:
    """Seconds of each step (extract, normalize, load) in the pipeline's last trace; absent steps left out.

    Args:
        pipeline: The pipeline that ran.
        since: When this run began (epoch seconds): an older trace is an earlier run's (this one
            failed before dlt started its own), and tells nothing.
    """
    try:
        trace = pipeline.last_trace
    except Exception:  # noqa: BLE001 - an unreadable trace file: the durations are unknown, the run is not
        return {}
    if trace is None or trace.started_at.timestamp() < since - _CLOCK_SLACK:
        return {}
    seconds: dict[str, float] = {}
    for step in trace.steps:
        if step.step in PHASES and step.started_at and step.finished_at:
            seconds[step.step] = round((step.finished_at - step.started_at).total_seconds(), 3)
    return seconds


def _table_of(source: DltSource, resource: str) -> str:
    found = source.resources.get(resource)
    table = getattr(found, "table_name", None) if found is not None else None
    return table if isinstance(table, str) else resource


def attach_failed_run(exc: BaseException, result: RunResult) -> None:
    """Keeps the facts of a failed run with the exception that ended it (see :func:`failed_run_of`)."""
    setattr(exc, _FAILED_RUN, result)


def failed_run_of(exc: BaseException) -> RunResult | None:
    """The RunResult of a failed or partial run behind `exc`; None when it failed before it ran."""
    from pipelines.runner import RunResult

    for error in exception_chain(exc):
        if isinstance(error, ProviderPartialFailure) and isinstance(error.result, RunResult):
            return error.result
        found = getattr(error, _FAILED_RUN, None)
        if isinstance(found, RunResult):
            return found
    return None


def resource_counts(entry: dict[str, Any], rows: int | None) -> dict[str, Any]:
    """The row counts of one resource: what the source knows, the rest null (README: the key table).

    Args:
        entry: The resource's entry in ``RunResult.resources``.
        rows: Rows the run wrote to the resource's table; None when the run claims nothing loaded.
    """
    changes: dict[str, Any] = entry.get("changes") or {}
    deleted = changes.get("deleted")
    inserted, updated, upserted = changes.get("inserted"), changes.get("updated"), None
    if rows is None:  # a failed run: nothing of it is claimed loaded
        inserted = updated = deleted = None
    elif inserted is not None and updated is not None:
        upserted = inserted + updated
    elif rows == 0:
        inserted = updated = upserted = 0
    else:  # merged on the key without a memory of the ids: the split is unknown
        upserted = rows - (deleted or 0)
    return {"rows": rows, "inserted": inserted, "updated": updated, "upserted": upserted, "deleted": deleted,
            "deleted_as": changes.get("deleted_as") if deleted is not None else None,
            "unchanged": changes.get("unchanged") if rows is not None else None}


def run_object(result: RunResult, error: str | None = None) -> dict[str, Any]:
    """The summary of one run (of one vendor or tenant), as plain JSON values."""
    loaded = result.status in ("ok", "partial")
    resources = {}
    for name, entry in result.resources.items():
        rows = result.rows.get(entry["table"], 0) if loaded else None
        resources[name] = {**resource_counts(entry, rows), "requests": entry["requests"],
                           "retries": entry["retries"], "throttled": entry["throttled"],
                           "failure": _one_line(result.failures[name]) if name in result.failures else None}
    return {
        "vendor": result.vendor,
        "tenant": result.tenant,
        "pipeline": {"name": result.pipeline_name, "pipelines_dir": _absolute(result.pipelines_dir)},
        "destination": {"kind": result.destination, "location": result.location or None},
        "dataset": result.dataset,
        "status": result.status,
        "error": error,
        "seconds": round(result.seconds, 3),
        "phases": {phase: result.phases.get(phase) for phase in PHASES},
        "requests": {"total": result.requests, "retries": result.retries, "throttled": result.throttled},
        "resources": resources,
        "tables": dict(result.rows) if loaded else {},
        "notes": list(result.notes),
        "warnings": list(result.warnings),
        "failures": {name: _one_line(message) for name, message in result.failures.items()},
    }


def unstarted_run_object(target: Target, destination: str, dataset: str | None, pipelines_dir: str | None,
                         error: str, status: str = "failed") -> dict[str, Any]:
    """The summary of a run that failed (or was interrupted) before its pipeline ran (settings, destination, lock)."""
    return {
        "vendor": target.vendor,
        "tenant": target.tenant,
        "pipeline": {"name": None, "pipelines_dir": _absolute(pipelines_dir)},
        "destination": {"kind": destination, "location": None},
        "dataset": dataset or target.name,
        "status": status,
        "error": error,
        "seconds": None,
        "phases": dict.fromkeys(PHASES),
        "requests": {"total": 0, "retries": 0, "throttled": 0},
        "resources": {},
        "tables": {},
        "notes": [],
        "warnings": [],
        "failures": {},
    }


class SummaryDocument:
    """The JSON document of one ``hr-elt run`` command: its runs, in order, and the vendors skipped."""

    def __init__(self) -> None:
        self.runs: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.error: str | None = None

    def add(self, result: RunResult, error: str | None = None) -> None:
        """Adds a run that ran (ok, partial, or failed after its pipeline started)."""
        self.runs.append(run_object(result, error))

    def add_failure(self, target: Target, destination: str, exc: BaseException, line: str,
                    dataset: str | None = None, pipelines_dir: str | None = None) -> None:
        """Adds a run that raised: its facts if it got as far as running, else what the command knew."""
        result = failed_run_of(exc)
        if result is None:
            self.runs.append(unstarted_run_object(target, destination, dataset, pipelines_dir, line))
        else:
            self.add(result, line)

    def add_interrupted(self, target: Target, destination: str, interrupt: BaseException,
                        dataset: str | None = None, pipelines_dir: str | None = None) -> None:
        """Adds the run a Ctrl-C stopped: its facts so far if its pipeline ran, else what the command knew."""
        result = failed_run_of(interrupt)
        if result is None:
            self.runs.append(unstarted_run_object(target, destination, dataset, pipelines_dir, INTERRUPTED,
                                                  status="interrupted"))
        else:
            result.status = "interrupted"
            self.add(result, INTERRUPTED)

    def as_dict(self, exit_code: int) -> dict[str, Any]:
        """The document, with its ``status``.

        ``interrupted`` after a Ctrl-C (exit 130), else ``ok`` when every run was, ``failed`` when
        none ran or all failed, ``partial`` otherwise.
        """
        statuses = {run["status"] for run in self.runs}
        if exit_code == EXIT_INTERRUPTED:
            status = "interrupted"
        elif not self.runs or statuses == {"failed"}:
            status = "failed"
        elif exit_code == 0 and statuses == {"ok"}:
            status = "ok"
        else:
            status = "partial"
        error = INTERRUPTED if exit_code == EXIT_INTERRUPTED else self.error
        return {"schema_version": SCHEMA_VERSION, "status": status, "exit_code": exit_code, "error": error,
                "runs": self.runs, "skipped": list(self.skipped)}

    def dumps(self, exit_code: int) -> str:
        """The document as indented JSON."""
        return json.dumps(self.as_dict(exit_code), indent=2, default=str)

    def hand_over(self, exit_code: int, to_stdout: bool, path: str | None) -> int:
        """Prints the document (``--json``) and writes it to `path` (``--summary-file``); returns `exit_code`.

        A file that cannot be written is one line on stderr and exit 1: a scheduler reading it
        must not take an old file for this run's.
        """
        if to_stdout:
            print(self.dumps(exit_code))
        if path:
            try:
                self.write(path, exit_code)
            except OSError as exc:
                print(f"hr-elt: cannot write the summary file {path}: {exc.strerror or exc}", file=sys.stderr)
                return 1
        return exit_code

    def write(self, path: str, exit_code: int) -> None:
        """Writes the document to `path` (whole or not at all: a temp file renamed over it)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temp.write_text(self.dumps(exit_code) + "\n", encoding="utf-8")
        os.replace(temp, target)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _absolute(path: str | None) -> str:
    """The pipelines dir as ``dlt pipeline --pipelines-dir`` takes it: absolute, dlt's default when not given."""
    from dlt.common.pipeline import get_dlt_pipelines_dir

    return os.path.abspath(path or get_dlt_pipelines_dir())
