"""Field coverage and schema changes of a run: judged, said, and stored beside the data.

:class:`QualityRun` is started before a run's ``pipeline.run`` (it notes the tables and columns the
pipeline's schema had) and finished after the load:

1. **Coverage.** The run's :class:`~sources._shared.coverage.FieldMeter` counted, per resource that
   loaded rows, every documented field (the vendor's ``spec.coverage``, plus its active custom field
   definitions). Each field is judged against its table, read before the run and after its load
   (:mod:`pipelines.observe.table_fill`): a load is not a sample of the table. ``regression`` only when
   the load shows that the vendor stopped sending or filling it: the key was absent from every record
   and records that had a value were re-read without one (the table lost values), or the column went
   from filled to empty (a snapshot walk re-read every row that had it). ``absent`` (no record
   carried the key, and the table holds no value: likely withheld by the API) and ``empty`` (sent,
   null on every row, and the table holds no value) likewise; a load whose records all lack a field
   the table still holds is ``ok``. A field the contract allows to be null (``may_be_null``, custom
   fields) is never ``empty``. When the table cannot be read, the load alone is judged, with the
   share of earlier loads standing in (null on every row is a regression when that share makes it
   implausible: below :data:`IMPLAUSIBLE`). Each finding is one WARNING on ``sources.<vendor>`` and
   one summary line (:meth:`RunContext.warn`).
2. **Schema changes** (``pipelines/observe/schema_changes.py``): new tables and columns, variant columns,
   custom fields added, archived, relabelled or retyped; one summary line each.
3. **Stored.** Rows go to ``_hr_elt_field_coverage`` and ``_hr_elt_schema_changes`` in the run's
   dataset, carrying the data's load id, by a small sibling pipeline ``<pipeline>__quality``
   loaded right after the data. A sibling because schema changes are only known once normalize
   ran, and dlt's ``refresh`` applies to every source of a ``run()``: kept apart, a
   ``--full-refresh`` of the vendor leaves the history (and the previous shares, kept in the
   sibling's dlt state next to the rows they describe) in place.
4. ``hr_elt.coverage.fail_on`` (e.g. ``["absent", "regression"]``) turns findings with those
   statuses into a failed run (:class:`CoverageFailure`), after the data and the rows are loaded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import dlt
from dlt.common.destination import Destination
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline

from pipelines.observe.schema_changes import (
    CHANGES_COLUMNS,
    CHANGES_TABLE,
    definition_changes,
    known_columns,
    load_changes,
    say_changes,
)
from pipelines.observe.table_fill import ColumnFill, TableFill, read_fill
from pipelines.run.naming import pipeline_arguments
from pipelines.run.observer import RunFacts, RunObserver
from pipelines.run.result import RunResult
from pipelines.run.siblings import sibling_pipeline
from pipelines.run.tenants import Target
from sources import registry
from sources._shared.context import RunContext
from sources._shared.coverage import FieldCount, FieldCoverage, meter_of
from sources._shared.errors import ProviderConfigError, ProviderError
from sources._shared.http.redaction import redact

COVERAGE_TABLE = "_hr_elt_field_coverage"
STATUSES = ("ok", "absent", "empty", "regression")
FINDINGS = ("absent", "empty", "regression")
FAIL_ON = "hr_elt.coverage.fail_on"
FAIL_ON_ENV = "HR_ELT__COVERAGE__FAIL_ON"
IMPLAUSIBLE = 0.001
"""A field null on every row is a regression when the earlier share p makes that this unlikely: (1 - p) ** rows."""
STATE_SOURCE = "hr_elt_quality"
QUALITY_SUFFIX = "__quality"

COVERAGE_COLUMNS: dict[str, Any] = {
    "load_id": {"data_type": "text", "nullable": True},
    "run_id": {"data_type": "text", "nullable": False},
    "vendor": {"data_type": "text", "nullable": False},
    "tenant": {"data_type": "text", "nullable": True},
    "resource": {"data_type": "text", "nullable": False},
    "field": {"data_type": "text", "nullable": False},
    "column_name": {"data_type": "text", "nullable": True},
    "rows": {"data_type": "bigint", "nullable": False},
    "present_rows": {"data_type": "bigint", "nullable": False},
    "non_null_rows": {"data_type": "bigint", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "measured_at": {"data_type": "timestamp", "nullable": False},
}


class CoverageFailure(ProviderError):
    """Findings whose status is in ``hr_elt.coverage.fail_on``; the data and the coverage rows are loaded.

    Attributes:
        result: What the run loaded (a ``pipelines.run.result.RunResult``).
    """

    def __init__(self, provider: str, message: str, hint: str, result: Any = None) -> None:
        self.result = result
        super().__init__(provider, message, hint=hint)


def load_fail_on() -> tuple[str, ...]:
    """``hr_elt.coverage.fail_on``: a list (or comma-separated text) of statuses that fail a run.

    Raises:
        ProviderConfigError: a value is not one of absent, empty, regression.
    """
    raw: Any = dlt.config.get(FAIL_ON)
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = [part for part in raw.split(",") if part.strip()]
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ProviderConfigError("hr_elt", f"coverage.fail_on {raw!r} is not a list of statuses",
                                  hint=f"Set {FAIL_ON} (env {FAIL_ON_ENV}) to a list of {', '.join(FINDINGS)}")
    statuses = tuple(v.strip().lower() for v in values)
    wrong = sorted(set(statuses) - set(FINDINGS))
    if wrong:
        raise ProviderConfigError("hr_elt", f"coverage.fail_on names unknown statuses {wrong}",
                                  hint=f"Set {FAIL_ON} (env {FAIL_ON_ENV}) to a list of {', '.join(FINDINGS)}")
    return statuses


@dataclass(frozen=True)
class Finding:
    """One documented field of one resource, as measured this run."""

    resource: str
    field: str
    column_name: str | None
    rows: int
    present: int
    non_null: int
    status: str
    earlier_share: float | None = None
    fill: ColumnFill | None = None

    def line(self, vendor: str, hint: str) -> str:
        """The warning (and summary line) of a field whose status is not ok."""
        what = f"{vendor}: field {self.resource}.{self.field}"
        if self.status == "absent":
            return (f"{what} is absent: not in any of the {self.rows} records loaded (likely withheld by the "
                    f"API: {hint})")
        if self.status == "empty":
            return f"{what} is empty: sent but null in all {self.rows} records loaded"
        now = "absent from" if self.present == 0 else "null in"
        if self.fill is not None:
            tail = f" (likely withheld by the API: {hint})" if self.present == 0 else ""
            return (f"{what} regressed: now {now} all {self.rows} records loaded, which took its values away "
                    f"from the table ({self.fill.before} rows had one before this run, {self.fill.after} now){tail}")
        tail = f" (likely withheld by the API: {hint})" if self.present == 0 else ""
        share = f"{self.earlier_share:.0%} of rows" if self.earlier_share is not None else "earlier"
        return f"{what} regressed: populated in earlier loads ({share}), now {now} all {self.rows} records loaded{tail}"


@dataclass
class QualityReport:
    """What :meth:`QualityRun.finish` found and stored."""

    findings: list[Finding] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    load_id: str | None = None


def judge(count: FieldCount, rows: int, earlier: float | None, may_be_null: bool,
          fill: ColumnFill | None = None) -> str:
    """The status of one field: ok, absent, empty or regression (see the module docstring).

    Args:
        count: What this run's records carried.
        rows: Records this run loaded.
        earlier: The field's share of non-null rows in earlier loads (None: never seen populated).
        may_be_null: The contract allows the field to be null on any record.
        fill: The column in the table before the run and after its load; None when the table could
            not be read (the load alone is judged then).
    """
    if fill is None:
        return _judge_load(count, rows, earlier, may_be_null)
    if count.non_null > 0:
        return "ok"
    if count.present == 0 and fill.lost > 0:
        return "regression"  # absent from every record, and re-read records that had it lost it
    if fill.before > 0 and fill.after == 0:
        return "regression"  # the table went from filled to empty: every row that had it was re-read without it
    if fill.after > 0:
        return "ok"  # the table holds values: these records simply have none
    if count.present == 0:
        return "absent"
    return "ok" if may_be_null else "empty"


def _judge_load(count: FieldCount, rows: int, earlier: float | None, may_be_null: bool) -> str:
    """The status from the load alone, when the table cannot be read: earlier shares stand in for it."""
    if count.present == 0:
        return "regression" if earlier else "absent"
    if count.non_null > 0:
        return "ok"
    implausible = earlier is not None and earlier > 0 and (1 - earlier) ** rows < IMPLAUSIBLE
    if may_be_null:
        return "regression" if implausible else "ok"
    return "regression" if earlier else "empty"


def _column_fill(before: TableFill | None, after: TableFill | None, column: str | None) -> ColumnFill | None:
    if before is None or after is None:
        return None
    return ColumnFill(before.of(column), after.of(column), before.rows, after.rows)


class QualityRun:
    """Field coverage and schema changes of one run (see the module docstring).

    Args:
        pipeline: The run's pipeline (before its ``run``).
        destination: Its destination (the sibling pipeline loads there too).
        context: The run's context (its meter, its warnings).
        target: The vendor/tenant.
        pipelines_dir: Where dlt keeps pipelines; None: dlt's default.
        loader_file_format: The run's file format.

    Raises:
        ProviderConfigError: ``hr_elt.coverage.fail_on`` is invalid (before anything is loaded).
    """

    def __init__(self, pipeline: Pipeline, destination: Destination[Any, Any], context: RunContext, target: Target,
                 pipelines_dir: str | None, loader_file_format: str | None) -> None:
        self.pipeline = pipeline
        self.destination = destination
        self.context = context
        self.target = target
        self.pipelines_dir = pipelines_dir
        self.loader_file_format = loader_file_format
        self.fail_on = load_fail_on()
        self.before = known_columns(pipeline)
        self.coverage: FieldCoverage = registry.get(target.vendor).coverage
        self.tables = {r: t for r, t in meter_of(context).tables.items() if self._judged(r)}
        self.fill_before = read_fill(pipeline, self.tables)  # what the table held: coverage is judged against it

    def _judged(self, resource: str) -> bool:
        extra = self.coverage.custom_fields
        return resource in self.coverage.documented or (extra is not None and resource == extra.resource)

    def _sibling(self) -> Pipeline:
        return sibling_pipeline(self.pipeline.pipeline_name, QUALITY_SUFFIX, self.destination,
                                self.pipeline.dataset_name, self.pipelines_dir)

    def finish(self, info: LoadInfo | None) -> QualityReport:
        """Judges the coverage, reads the schema changes, says both, stores both; returns them."""
        vendor = self.target.vendor
        report = QualityReport(load_id=info.loads_ids[-1] if info is not None and info.loads_ids else None)
        sibling = self._sibling()
        state: dict[str, Any] = dict(sibling.state.get("sources", {}).get(STATE_SOURCE, {}))
        earlier: dict[str, dict[str, float]] = state.get("shares", {})
        known_defs: dict[str, dict[str, Any]] = state.get("custom_fields", {})
        rows, counts, custom, definitions = meter_of(self.context).snapshot()
        now = datetime.now(timezone.utc)

        defs = {**known_defs, **{k: {"label": d.label, "type": d.type, "archived": d.archived, "column": d.column}
                                 for k, d in definitions.items()}}
        extra = self.coverage.custom_fields
        if extra is not None and "custom_fields" in state:  # the first definitions read are the baseline
            report.changes.extend(definition_changes(known_defs, defs, extra.resource, now, extra))
        shares = {r: dict(v) for r, v in earlier.items()}
        loaded = {r: t for r, t in self.tables.items() if rows.get(r, 0) > 0}
        fill_after = read_fill(self.pipeline, loaded)
        unread = sorted(r for r in loaded if self.fill_before.get(r) is None or fill_after.get(r) is None)
        if unread:  # degraded, and said: earlier shares stand in for the table
            self.context.note(vendor, "coverage/unread", f"field coverage of {', '.join(unread)} judged on this "
                              "load alone: the table could not be read before and after it")
        for resource, n in sorted(rows.items()):
            if n <= 0:
                continue
            for name, column, count, nullable in self._fields(resource, counts, custom, defs):
                before = earlier.get(resource, {}).get(name)
                fill = _column_fill(self.fill_before.get(resource), fill_after.get(resource), column)
                status = judge(count, n, before, nullable, fill)
                report.findings.append(Finding(resource, name, column, n, count.present, count.non_null, status,
                                               before, fill))
                if status == "ok" and count.non_null:
                    shares.setdefault(resource, {})[name] = round(count.non_null / n, 4)
        for finding in report.findings:
            if finding.status != "ok":
                self.context.warn(vendor, f"coverage/{finding.resource}/{finding.field}",
                                  finding.line(vendor, self.coverage.withheld_hint))
        report.changes[:0] = load_changes(info, self.before, now)
        say_changes(self.context, vendor, report.changes, first_load=self.before is None)
        coverage_rows = [self._coverage_row(f, report.load_id, now) for f in report.findings]
        change_rows = [{**c, "load_id": report.load_id, "run_id": self.context.run_id} for c in report.changes]
        new_state = {"shares": shares, "custom_fields": defs}
        try:
            self._store(sibling, coverage_rows, change_rows, new_state)
        except Exception as exc:  # the data is loaded and the findings said: the run goes on, saying this too
            reason = redact(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.context.warn(vendor, "quality/store", f"{vendor}: field coverage and schema changes of this run "
                              f"were not stored in {COVERAGE_TABLE} / {CHANGES_TABLE} ({reason}); "
                              f"dlt pipeline {self._arguments(sibling)} info shows what is pending")
        return report

    def _fields(self, resource: str, counts: Mapping[str, Mapping[str, FieldCount]],
                custom: Mapping[str, Mapping[str, FieldCount]],
                defs: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str | None, FieldCount, bool]]:
        naming = self.pipeline.default_schema.naming
        nullable = set(self.coverage.may_be_null.get(resource, ()))
        found = counts.get(resource, {})
        out: list[tuple[str, str | None, FieldCount, bool]] = [
            (name, naming.normalize_identifier(name), found.get(name, FieldCount()), name in nullable)
            for name in self.coverage.documented.get(resource, ())]
        extra = self.coverage.custom_fields
        if extra is not None and resource == extra.resource:
            sent = custom.get(resource, {})
            for key, d in sorted(defs.items()):
                if not d.get("archived"):  # any custom value may be null: judged by its earlier share only
                    out.append((key, d.get("column"), sent.get(key, FieldCount()), True))
        return out

    def _coverage_row(self, finding: Finding, load_id: str | None, now: datetime) -> dict[str, Any]:
        return {"load_id": load_id, "run_id": self.context.run_id, "vendor": self.target.vendor,
                "tenant": self.target.tenant, "resource": finding.resource, "field": finding.field,
                "column_name": finding.column_name, "rows": finding.rows, "present_rows": finding.present,
                "non_null_rows": finding.non_null, "status": finding.status, "measured_at": now}

    def _arguments(self, sibling: Pipeline) -> str:
        return pipeline_arguments(sibling.pipeline_name, self.pipelines_dir)

    def _store(self, sibling: Pipeline, coverage_rows: list[dict[str, Any]], change_rows: list[dict[str, Any]],
               state: dict[str, Any]) -> None:
        @dlt.source(name=STATE_SOURCE)
        def quality() -> Any:
            def coverage() -> Any:
                dlt.current.source_state().update(state)  # committed with the rows it describes
                yield coverage_rows

            return [
                dlt.resource(coverage, name=COVERAGE_TABLE, write_disposition="append", columns=COVERAGE_COLUMNS),
                dlt.resource(change_rows, name=CHANGES_TABLE, write_disposition="append", columns=CHANGES_COLUMNS),
            ]

        if sibling.has_pending_data:  # rows of an earlier run that could not be loaded
            sibling.run()
        sibling.run(quality(), loader_file_format=self.loader_file_format)  # type: ignore[arg-type]

    def raise_if_failing(self, report: QualityReport, result: Any) -> None:
        """Raises :class:`CoverageFailure` when a finding's status is in ``hr_elt.coverage.fail_on``."""
        failing = [f for f in report.findings if f.status in self.fail_on]
        if not failing:
            return
        names = ", ".join(f"{f.resource}.{f.field} {f.status}" for f in failing)
        raise CoverageFailure(
            self.target.vendor, f"{len(failing)} field(s) failed the coverage check ({names}); the data is loaded",
            hint=f"See the warnings above; {FAIL_ON} (env {FAIL_ON_ENV}) = {list(self.fail_on)} fails the run on "
                 f"them", result=result)


class QualityObserver(RunObserver):
    """:class:`QualityRun` as a run observer: judged and stored once the data is loaded, ``fail_on`` as its veto."""

    def __init__(self) -> None:
        self.quality: QualityRun | None = None
        self.report: QualityReport | None = None

    def on_start(self, run: RunFacts) -> None:
        """Reads ``fail_on`` (refusing a wrong one before any request) and the columns known before the run."""
        self.quality = QualityRun(run.pipeline, run.ref.destination, run.context, run.target, run.pipelines_dir,
                                  run.loader_file_format)

    def on_loaded(self, run: RunFacts, info: LoadInfo | None) -> None:
        """Field coverage and schema changes: said (the run's warnings) and stored."""
        if self.quality is not None:
            self.report = self.quality.finish(info)

    def veto(self, run: RunFacts, result: RunResult) -> None:
        """Fails the run when a finding's status is in ``hr_elt.coverage.fail_on``."""
        if self.quality is not None and self.report is not None:
            self.quality.raise_if_failing(self.report, result)
