"""What the run path records around one run attempt: the history row, lineage events, alerts.

:func:`pipelines.run.runner._run_locked` makes one :class:`RunTracker` per attempt and calls
:meth:`~RunTracker.start`, then :meth:`~RunTracker.finished` or :meth:`~RunTracker.failed`. None
of it may hide the run's own outcome: when the history row, an event or an alert cannot be
delivered, that is one WARNING line (on the vendor's logger) and the run's result stands.
"""

from __future__ import annotations

import logging
from typing import Any

from dlt.common.pipeline import LoadInfo

from pipelines.observe import attempts
from pipelines.observe.alerts import alert_run
from pipelines.observe.history import RunRecord, account_facts, utc_now, write_run
from pipelines.observe.lineage import LineageEmitter
from pipelines.run.failures import error_line
from pipelines.run.observer import RunFacts, RunObserver
from pipelines.run.outside_stops import outside_stop
from pipelines.run.result import RunResult
from pipelines.run.stops import TERMINATED, stop_requested
from pipelines.run.tenants import Target
from sources._shared.errors import exception_chain
from sources._shared.http.redaction import redact


class RunTracker(RunObserver):
    """History, lineage and alerts of one run attempt."""

    def __init__(self) -> None:
        self.run: RunFacts | None = None
        self.started_at = utc_now()
        self.lineage: LineageEmitter | None = None

    def on_refused(self, target: Target, destination: str, exc: BaseException) -> None:
        """Alerts a run refused before it had a destination to record it in."""
        alert_unrecorded(target, destination, exc)

    def on_start(self, run: RunFacts) -> None:
        """Sends the lineage START event (when lineage is on)."""
        self.run, self.started_at = run, utc_now()
        self.lineage = LineageEmitter.configured(run.target, run.ref, run.pipeline.dataset_name, run.context.run_id,
                                                 run.resources)
        if self.lineage is not None:
            self._guarded("lineage START event", self.lineage.start, self.started_at)
        killed = attempts.killed_before(run)
        if killed is not None:  # an earlier attempt died without a word: its row comes first
            self.logger.warning("%s: %s", run.target.name, killed.error)
            run.context.note(run.target.vendor, "killed", f"an earlier attempt ({killed.run_id or 'unknown'}) never "
                             f"recorded its end; recorded now as {killed.status} in the run history")
            self._deliver(killed)
        self._guarded("attempt mark", attempts.begin, run, self.started_at)

    def on_checkpoint(self, run: RunFacts, info: LoadInfo) -> None:
        """Keeps the checkpoint in the attempt's mark: a kill after it loses only what came after."""
        self._guarded("attempt mark", attempts.checkpoint, run, list(info.loads_ids))

    def on_finished(self, run: RunFacts, result: RunResult) -> None:
        """Records a run that loaded: ``ok``, or ``partial`` when some resources failed on their own."""
        failures = result.failures
        status = "partial" if failures else "ok"
        error = None
        if failures:
            error = "; ".join(f"{resource}: {message}" for resource, message in failures.items())
        if result.status in ("interrupted", "incomplete"):  # stopped at a checkpoint: SIGTERM or the time budget
            status = result.status
            error = "; ".join([*(note for note in result.notes if note.startswith("stopped at a checkpoint")),
                               *([error] if error else [])])
        info = result.load_info
        record = self._record(status, rows=dict(result.rows), warnings=list(result.warnings), error=error,
                              load_ids=list(info.loads_ids) if info is not None else [])
        problem = self._deliver(record)
        if problem:
            result.warnings.append(problem)
        self._guarded("attempt mark", attempts.end, run)

    def on_failed(self, run: RunFacts, exc: BaseException) -> None:
        """Records a run that failed; never raises (the run's own error is what the caller sees)."""
        stop = outside_stop(exc)
        if stop is not None:  # an orchestrator's timeout or termination: recorded now, the orchestrator goes on
            self._guarded("attempt mark", attempts.stopped_at_once, run)  # cut short while recording: said next run
            self._deliver(self._record("interrupted", error=stopped_from_outside(stop)))
            self._guarded("attempt mark", attempts.end, run)
            return
        if any(isinstance(e, KeyboardInterrupt) for e in exception_chain(exc)):
            if stop_requested() == TERMINATED:  # SIGTERM's grace ran out, or a second signal: the next run records it
                self._guarded("attempt mark", attempts.stopped_at_once, run)
            else:  # Ctrl-C: as it always was, no trace
                self._guarded("attempt mark", attempts.end, run)
            return  # exit at once, nothing more is sent
        self._guarded("attempt mark", attempts.end, run)  # it ends in a way it says: not a kill
        load_id = next((str(getattr(e, "load_id")) for e in exception_chain(exc)  # noqa: B009 - dlt's step errors
                        if getattr(e, "load_id", None)), None)
        record = self._record("failed", error=error_line(run.target.name, exc), load_ids=[load_id] if load_id else [])
        self._deliver(record)

    # ---------------------------------------------------------------------------------------
    @property
    def _run(self) -> RunFacts:
        assert self.run is not None, "on_start comes first"
        return self.run

    @property
    def logger(self) -> logging.Logger:
        """The vendor's logger: where a record that could not be delivered is said."""
        return logging.getLogger(f"sources.{self._run.target.vendor}")

    def _record(self, status: str, *, rows: dict[str, int] | None = None, warnings: list[str] | None = None,
                error: str | None = None, load_ids: list[str] | None = None) -> RunRecord:
        run = self._run
        vendor = run.target.vendor
        return RunRecord(
            run_id=run.context.run_id, vendor=vendor, tenant=run.target.tenant,
            pipeline_name=run.pipeline.pipeline_name, destination=run.ref.kind, location=run.ref.location,
            started_at=self.started_at, ended_at=utc_now(), status=status,
            requests=run.context.total(vendor), rows=rows or {},
            warnings=warnings if warnings is not None else run.context.warnings_of(vendor),
            error=redact(error) if error else None, load_ids=load_ids or [],
            **account_facts(run.context.facts_of(vendor)),
        )

    def _deliver(self, record: RunRecord) -> str | None:
        """Writes the history row, sends the lineage event and the alerts; returns what could not be written."""
        problem, run = None, self._run
        try:
            write_run(record, run.ref.destination, run.pipeline.dataset_name, run.pipelines_dir,
                      run.loader_file_format)
        except Exception as exc:
            problem = (f"run history not written to {record.destination} {record.location}: "
                       f"{error_line(run.target.name, exc)}")
            self.logger.warning("%s", redact(problem))
        if self.lineage is not None:
            self._guarded(f"lineage {record.status} event", self.lineage.finish, record, run.pipeline)
        self._guarded("alert", alert_run, record)
        return problem

    def _guarded(self, what: str, call: Any, *args: Any) -> None:
        try:
            call(*args)
        except Exception as exc:
            self.logger.warning("%s: %s not sent: %s", self._run.target.name, what, redact(str(exc)).splitlines()[0])


def stopped_from_outside(stop: BaseException) -> str:
    """The history row's line for a run an orchestrator stopped at once (its timeout, a termination)."""
    said = redact(str(stop)).splitlines()[0] if str(stop).strip() else ""
    return (f"stopped at once by {type(stop).__name__}{': ' + said if said else ''} (the orchestrator's timeout "
            "or termination, before the time budget's checkpoint); what earlier checkpoints committed stays loaded, "
            "nothing partial was marked done; the next run resumes")


def alert_unrecorded(target: Target, destination: str, exc: BaseException) -> None:
    """Alerts a run that failed before it had a destination to record it in; never raises."""
    record = RunRecord(run_id="", vendor=target.vendor, tenant=target.tenant, pipeline_name=target.name,
                       destination=destination, location="(not resolved)", started_at=utc_now(), ended_at=utc_now(),
                       status="failed", error=redact(error_line(target.name, exc)))
    try:
        alert_run(record)
    except Exception as problem:
        logging.getLogger(f"sources.{target.vendor}").warning("%s: alert not sent: %s", target.name,
                                                               redact(str(problem)).splitlines()[0])
