"""What the run path records around one run attempt: the history row, lineage events, alerts.

:func:`pipelines.runner._run_locked` makes one :class:`RunTracker` per attempt and calls
:meth:`~RunTracker.start`, then :meth:`~RunTracker.finished` or :meth:`~RunTracker.failed`. None
of it may hide the run's own outcome: when the history row, an event or an alert cannot be
delivered, that is one WARNING line (on the vendor's logger) and the run's result stands.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pipelines.alerts import alert_run
from pipelines.history import RunRecord, account_facts, utc_now, write_run
from pipelines.lineage import LineageEmitter
from sources._shared.context import RunContext
from sources._shared.errors import exception_chain
from sources._shared.http.redaction import redact

if TYPE_CHECKING:
    from dlt.pipeline.pipeline import Pipeline

    from pipelines.runner import DestinationRef, RunResult
    from pipelines.tenants import Target


class RunTracker:
    """History, lineage and alerts of one run attempt."""

    def __init__(self, target: Target, ref: DestinationRef, pipeline: Pipeline, context: RunContext,
                 pipelines_dir: str | None, loader_file_format: str, resources: list[str] | None = None) -> None:
        self.target = target
        self.ref = ref
        self.pipeline = pipeline
        self.context = context
        self.pipelines_dir = pipelines_dir
        self.loader_file_format = loader_file_format
        self.started_at = utc_now()
        self.logger = logging.getLogger(f"sources.{target.vendor}")
        self.lineage = LineageEmitter.configured(target, ref, pipeline.dataset_name, context.run_id, resources)

    def start(self) -> None:
        """Sends the lineage START event (when lineage is on)."""
        if self.lineage is not None:
            self._guarded("lineage START event", self.lineage.start, self.started_at)

    def finished(self, result: RunResult, failures: dict[str, str]) -> None:
        """Records a run that loaded: ``ok``, or ``partial`` when some resources failed on their own."""
        status = "partial" if failures else "ok"
        error = None
        if failures:
            error = "; ".join(f"{resource}: {message}" for resource, message in failures.items())
        info = result.load_info
        record = self._record(status, rows=dict(result.rows), warnings=list(result.warnings), error=error,
                              load_ids=list(info.loads_ids) if info is not None else [])
        problem = self._deliver(record)
        if problem:
            result.warnings.append(problem)

    def failed(self, exc: BaseException) -> None:
        """Records a run that failed; never raises (the run's own error is what the caller sees)."""
        if any(isinstance(e, KeyboardInterrupt) for e in exception_chain(exc)):
            return  # Ctrl-C: exit at once, nothing more is sent
        from pipelines.summary import error_line

        load_id = next((str(getattr(e, "load_id")) for e in exception_chain(exc)  # noqa: B009 - dlt's step errors
                        if getattr(e, "load_id", None)), None)
        record = self._record("failed", error=error_line(self.target.name, exc), load_ids=[load_id] if load_id else [])
        self._deliver(record)

    # ---------------------------------------------------------------------------------------
    def _record(self, status: str, *, rows: dict[str, int] | None = None, warnings: list[str] | None = None,
                error: str | None = None, load_ids: list[str] | None = None) -> RunRecord:
        vendor = self.target.vendor
        return RunRecord(
            run_id=self.context.run_id, vendor=vendor, tenant=self.target.tenant,
            pipeline_name=self.pipeline.pipeline_name, destination=self.ref.kind, location=self.ref.location,
            started_at=self.started_at, ended_at=utc_now(), status=status,
            requests=self.context.total(vendor), rows=rows or {},
            warnings=warnings if warnings is not None else self.context.warnings_of(vendor),
            error=redact(error) if error else None, load_ids=load_ids or [],
            **account_facts(self.context.facts_of(vendor)),
        )

    def _deliver(self, record: RunRecord) -> str | None:
        """Writes the history row, sends the lineage event and the alerts; returns what could not be written."""
        problem = None
        try:
            write_run(record, self.ref.destination, self.pipeline.dataset_name, self.pipelines_dir,
                      self.loader_file_format)
        except Exception as exc:
            from pipelines.summary import error_line

            problem = (f"run history not written to {record.destination} {record.location}: "
                       f"{error_line(self.target.name, exc)}")
            self.logger.warning("%s", redact(problem))
        if self.lineage is not None:
            self._guarded(f"lineage {record.status} event", self.lineage.finish, record, self.pipeline)
        self._guarded("alert", alert_run, record)
        return problem

    def _guarded(self, what: str, call: Any, *args: Any) -> None:
        try:
            call(*args)
        except Exception as exc:
            self.logger.warning("%s: %s not sent: %s", self.target.name, what, redact(str(exc)).splitlines()[0])


def alert_unrecorded(target: Target, destination: str, exc: BaseException) -> None:
    """Alerts a run that failed before it had a destination to record it in; never raises."""
    from pipelines.summary import error_line

    record = RunRecord(run_id="", vendor=target.vendor, tenant=target.tenant, pipeline_name=target.name,
                       destination=destination, location="(not resolved)", started_at=utc_now(), ended_at=utc_now(),
                       status="failed", error=redact(error_line(target.name, exc)))
    try:
        alert_run(record)
    except Exception as problem:
        logging.getLogger(f"sources.{target.vendor}").warning("%s: alert not sent: %s", target.name,
                                                               redact(str(problem)).splitlines()[0])
