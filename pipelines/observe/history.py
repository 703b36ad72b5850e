"""Run history: one ``_hr_elt_runs`` row per run attempt, in the vendor's (tenant's) own dataset.

The row is loaded with dlt by a small sibling pipeline, ``<pipeline>__runs``, into the same dataset
and destination, right after the run (also after a failed one). A sibling rather than the run's own
pipeline because a failed load leaves its package pending, and dlt's ``run()`` then only retries
that package and exits, so a failed run's row would never be written; and a ``--full-refresh``
drops every table of the run's schema, history included. ``dlt pipeline <pipeline>__runs info``
shows its loads; dbt reads the table like any other.

Columns (agreed with the coverage tables, see README "Run history"): run_id, vendor, tenant,
pipeline_name, destination, location, started_at, ended_at, status (``ok`` | ``partial`` |
``failed``), requests, rows (JSON table -> rows), quota_remaining, quota_reset, key_expires_at,
warnings (JSON list), error, load_ids (JSON list).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, cast

import dlt
import pendulum
from dlt.common.destination import Destination
from dlt.common.schema.typing import TColumnSchema
from dlt.common.typing import TLoaderFileFormat
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.siblings import sibling_pipeline
from sources._shared.http.redaction import redact

RUNS_TABLE = "_hr_elt_runs"
RUNS_SCHEMA = "hr_elt_runs"
"""The sibling pipeline's dlt schema: ``_dlt_loads.schema_name`` of history loads (dbt freshness leaves them out)."""

STATUSES = ("ok", "partial", "failed", "interrupted", "incomplete", "killed")
"""Every `status` a history row can have (dbt's source tests accept exactly these)."""

COLUMNS: dict[str, dict[str, Any]] = {
    "run_id": {"data_type": "text", "nullable": False},
    "vendor": {"data_type": "text", "nullable": False},
    "tenant": {"data_type": "text", "nullable": True},
    "pipeline_name": {"data_type": "text", "nullable": False},
    "destination": {"data_type": "text", "nullable": False},
    "location": {"data_type": "text", "nullable": True},
    "started_at": {"data_type": "timestamp", "nullable": False},
    "ended_at": {"data_type": "timestamp", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "requests": {"data_type": "bigint", "nullable": False},
    "rows": {"data_type": "json", "nullable": True},
    "quota_remaining": {"data_type": "bigint", "nullable": True},
    "quota_reset": {"data_type": "timestamp", "nullable": True},
    "key_expires_at": {"data_type": "timestamp", "nullable": True},
    "warnings": {"data_type": "json", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "load_ids": {"data_type": "json", "nullable": True},
}
"""Every column typed up front: a column that is null in the first rows would otherwise not exist yet."""

logger = logging.getLogger("pipelines.observe.history")


def utc_now() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def as_timestamp(value: Any) -> datetime | None:
    """A vendor's ISO-8601 fact (``quota_reset``, ``key_expires_at``) as aware UTC; None when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if not isinstance(parsed, pendulum.DateTime):
        return None
    return datetime.fromtimestamp(parsed.timestamp(), timezone.utc)


def as_count(value: Any) -> int | None:
    """A fact as a whole number; None when it is not one."""
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


@dataclass
class RunRecord:
    """One ``_hr_elt_runs`` row."""

    run_id: str
    vendor: str
    tenant: str | None
    pipeline_name: str
    destination: str
    location: str
    started_at: datetime
    ended_at: datetime
    status: str
    requests: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    quota_remaining: int | None = None
    quota_reset: datetime | None = None
    key_expires_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    load_ids: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """How long the attempt took."""
        return (self.ended_at - self.started_at).total_seconds()

    def row(self) -> dict[str, Any]:
        """The row as loaded; text that could carry a secret is scrubbed once more."""
        values = asdict(self)
        values["error"] = redact(self.error) if self.error else None
        values["warnings"] = [redact(w) for w in self.warnings]
        return values


def account_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """``quota_remaining``, ``quota_reset``, ``key_expires_at`` from a vendor's run facts, typed."""
    return {"quota_remaining": as_count(facts.get("quota_remaining")),
            "quota_reset": as_timestamp(facts.get("quota_reset")),
            "key_expires_at": as_timestamp(facts.get("key_expires_at"))}


HISTORY_SUFFIX = "__runs"


def history_pipeline_name(pipeline_name: str) -> str:
    """``hollyhr__runs``: the sibling pipeline that loads a pipeline's run rows."""
    return f"{pipeline_name}{HISTORY_SUFFIX}"


class _HistoryJobRecords(logging.Filter):
    """Drops dlt's job-failure and job-retry records (with tracebacks) of history loads.

    :class:`~pipelines.observe.tracking.RunTracker` says a history row that could not be written in one
    line; dlt's own records of that load would put tracebacks under the run's one error line. A
    record is a history load's when it names the history table, a history pipeline's folder, or the
    id of a history package being loaded (dlt's "retried in load <id>" names only that).
    """

    def __init__(self) -> None:
        super().__init__()
        self.load_ids: set[str] = set()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if "job" not in message.lower():
            return True
        if f"{RUNS_TABLE}." in message or f"{HISTORY_SUFFIX}/" in message:
            return False
        with self._lock:
            return not any(load_id in message for load_id in self.load_ids)

    @contextmanager
    def loading(self, pipeline: Pipeline) -> Iterator[None]:
        """Treats the pipeline's normalized packages as history loads while they load."""
        ids = set(pipeline.list_normalized_load_packages())
        with self._lock:
            self.load_ids |= ids
        try:
            yield
        finally:
            with self._lock:
                self.load_ids -= ids


_HISTORY_JOBS = _HistoryJobRecords()
logging.getLogger("dlt").addFilter(_HISTORY_JOBS)


def write_run(record: RunRecord, destination: Destination[Any, Any], dataset: str,
              pipelines_dir: str | None, loader_file_format: str) -> str | None:
    """Loads one row into ``<dataset>._hr_elt_runs``; returns the load id.

    Raises:
        Exception: whatever dlt raises when the destination cannot be reached.
    """
    pipeline = sibling_pipeline(record.pipeline_name, HISTORY_SUFFIX, destination, dataset, pipelines_dir)
    if pipeline.has_pending_data:  # an earlier history write that could not reach the destination
        with _HISTORY_JOBS.loading(pipeline):
            pipeline.run()
    rows = dlt.resource([record.row()], name=RUNS_TABLE, table_name=RUNS_TABLE, write_disposition="append",
                        columns=cast("dict[str, TColumnSchema]", COLUMNS))
    pipeline.extract(rows, schema=dlt.Schema(RUNS_SCHEMA),
                     loader_file_format=cast("TLoaderFileFormat", loader_file_format))
    pipeline.normalize()
    with _HISTORY_JOBS.loading(pipeline):
        info = pipeline.load()
    return info.loads_ids[0] if info.loads_ids else None
