"""What one run did: :class:`RunResult`, filled from the run's context and dlt's trace of it.

The run path fills it; the reports (``pipelines.report``) and observers read it. A failed run's
result travels with the exception that ended it (:func:`attach_failed_run`, :func:`failed_run_of`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline
from dlt.sources import DltSource

from sources import registry
from sources._shared.context import RunContext
from sources._shared.errors import ProviderPartialFailure, exception_chain

PHASES = ("extract", "normalize", "load")
_CLOCK_SLACK = 0.05  # seconds: the run's start is taken just before dlt's trace starts, by another clock call
_FAILED_RUN = "_hr_elt_failed_run"  # attribute of an exception: the RunResult of the run it ended


@dataclass
class RunResult:
    """What one run of one vendor (or tenant) did."""

    vendor: str
    pipeline_name: str
    destination: str
    dataset: str
    rows: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    throttled: int = 0
    seconds: float = 0.0
    load_info: LoadInfo | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What a user must act on (also logged as WARNING records on the vendor's logger)."""
    tenant: str | None = None
    pipelines_dir: str | None = None
    """Where the pipeline lives, when not dlt's default (``dlt pipeline --pipelines-dir``)."""
    location: str = ""
    """The destination's location (file path, ``host:port/database``, ``project/location``)."""
    status: str = "ok"
    """``ok``, ``partial`` (some resources failed on their own), ``failed`` (nothing claimed loaded),
    ``incomplete`` (a time budget stopped it at a checkpoint: what it read is loaded, the next run goes on)
    or ``interrupted`` (Ctrl-C, or SIGTERM: at a checkpoint when ``load_info`` is set, what it read loaded)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per dlt step of the run (``extract``, ``normalize``, ``load``), from its trace."""
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per resource: requests, retries, throttled and the row counts the source knows (:func:`gather`)."""
    failures: dict[str, str] = field(default_factory=dict)
    """Resources that failed on their own: ``resource -> message``."""

    def as_dict(self) -> dict[str, Any]:
        """Plain values (orchestrator metadata, XCom): the run object of the JSON summary (README)."""
        return run_object(self)


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
    for error in exception_chain(exc):
        if isinstance(error, ProviderPartialFailure) and isinstance(error.result, RunResult):
            return error.result
        found = getattr(error, _FAILED_RUN, None)
        if isinstance(found, RunResult):
            return found
    return None


def rows_loaded(pipeline: Pipeline) -> dict[str, int]:
    """Rows written per table by the last run (dlt's own tables left out)."""
    trace = pipeline.last_trace
    if trace is None or trace.last_normalize_info is None:
        return {}
    counts = trace.last_normalize_info.row_counts
    return {table: n for table, n in sorted(counts.items()) if not table.startswith("_dlt")}


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
    loaded = claims_loaded(result)
    resources = {}
    for name, entry in result.resources.items():
        rows = result.rows.get(entry["table"], 0) if loaded else None
        resources[name] = {**resource_counts(entry, rows), "requests": entry["requests"],
                           "retries": entry["retries"], "throttled": entry["throttled"],
                           "failure": _one_line(result.failures[name]) if name in result.failures else None}
    return {
        "vendor": result.vendor,
        "tenant": result.tenant,
        "pipeline": {"name": result.pipeline_name, "pipelines_dir": absolute_path(result.pipelines_dir)},
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


def claims_loaded(result: RunResult) -> bool:
    """Whether the run's rows are loaded: it finished, or stopped at a checkpoint (SIGTERM, time budget)."""
    return result.status in ("ok", "partial", "incomplete") or (
        result.status == "interrupted" and result.load_info is not None)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def absolute_path(path: str | None) -> str:
    """The pipelines dir as ``dlt pipeline --pipelines-dir`` takes it: absolute, dlt's default when not given."""
    from dlt.common.pipeline import get_dlt_pipelines_dir

    return os.path.abspath(path or get_dlt_pipelines_dir())
