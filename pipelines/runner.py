"""The one run path: builds and runs a vendor's (or tenant's) pipeline into a destination, and reports it.

Every caller runs through :func:`run_target` (``hr-elt run`` and ``run all``, tenants, webhook-triggered
runs, the Dagster and Airflow recipes in ``deploy/``), so all get the same policies: the pipeline lock,
pending-package recovery, writer and DuckDB settings, the bad-record/PII step, destination
hints, the per-run :class:`~sources._shared.context.RunContext` and partial-failure raising.

Pipeline names and destinations. dlt keeps a pipeline's local state and pending load packages under
its name, so one name must never serve two destinations. A vendor/tenant's pipeline is called plainly
``hollyhr`` (``hollyhr_acme``) for the first destination it loads into from a pipelines dir; a run into
any other destination uses ``hollyhr__<kind>_<hash8>`` (``hollyhr__duckdb_1a2b3c4d``), the hash taken
over the destination's kind and location (DuckDB: the file's absolute path; Postgres:
``host:port/database``; BigQuery: ``project/location``), never a password. Each pipeline records the
location it belongs to in its dlt local state (:data:`LOCATION_KEY`). A plain-named pipeline made by an
earlier hr-elt (no record) is adopted by the first run into a destination of the same kind.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
from dlt.common.configuration import ConfigurationValueError
from dlt.common.destination import Destination
from dlt.common.pipeline import LoadInfo, get_dlt_pipelines_dir
from dlt.extract.source import DltSource
from dlt.pipeline.pipeline import Pipeline

from pipelines.config_check import warn_unknown_keys
from pipelines.destinations import (
    DestinationConfigError,
    adapt_source,
    destination_problem,
    load_settings,
    loader_file_format,
    make_destination,
)
from pipelines.dlt_settings import check_dlt_settings
from pipelines.lock import PipelineLock
from pipelines.pii_columns import review as review_pii
from pipelines.quality import QualityRun
from pipelines.refresh import full_refresh as refresh_keeping_history
from pipelines.selection import reread_parents_of_new_children, select_with_parents
from pipelines.tenants import Target, tenant_source
from pipelines.tracking import RunTracker, alert_unrecorded
from sources import registry
from sources._shared.context import RunContext, activated, attach
from sources._shared.coverage import measure_source
from sources._shared.errors import ProviderPartialFailure
from sources._shared.guard import protect_source

# Arrow buffers from the C library's allocator instead of pyarrow's default mimalloc pool, which kept
# more resident after a run's Arrow items (bench/README.md, "Memory"). pyarrow reads this once, when
# it is first imported: none of the imports above loads it (they import it lazily); a setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

LOCATION_KEY = "hr_elt_destination"
"""Key in a pipeline's dlt local state: ``{"kind", "location", "fingerprint"}`` of the destination it belongs to."""

logger = logging.getLogger("pipelines.runner")


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
    """``ok``, ``partial`` (some resources failed on their own) or ``failed`` (nothing claimed loaded)."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds per dlt step of the run (``extract``, ``normalize``, ``load``), from its trace."""
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per resource: requests, retries, throttled and the row counts the source knows (pipelines/summary_json.py)."""
    failures: dict[str, str] = field(default_factory=dict)
    """Resources that failed on their own: ``resource -> message``."""

    def as_dict(self) -> dict[str, Any]:
        """Plain values (orchestrator metadata, XCom): the run object of the JSON summary (README)."""
        from pipelines.summary_json import run_object

        return run_object(self)


# --- destinations and pipeline names --------------------------------------------------------


@dataclass(frozen=True)
class DestinationRef:
    """A destination resolved far enough to know where its data lives.

    Attributes:
        kind: ``duckdb``, ``postgres`` or ``bigquery``.
        location: Where the data lives, without credentials.
        destination: The dlt destination to run the pipeline with.
    """

    kind: str
    location: str
    destination: Destination[Any, Any]

    @property
    def fingerprint(self) -> str:
        """Eight hex digits of a hash over kind and location: stable across runs and machines."""
        return hashlib.sha256(f"{self.kind}|{self.location}".encode()).hexdigest()[:8]

    def record(self) -> dict[str, str]:
        """What a pipeline's local state keeps about the destination it belongs to."""
        return {"kind": self.kind, "location": self.location, "fingerprint": self.fingerprint}


def resolve_destination(destination: str, duckdb_path: str | None = None) -> DestinationRef:
    """The destination and its location, credentials from dlt's config providers.

    Raises:
        DestinationConfigError: the destination's credentials are missing.
    """
    dest = make_destination(destination, duckdb_path)
    config: Any = dest.configuration(dest.spec(), accept_partial=True)  # no dataset yet: partial is fine
    credentials = config.credentials
    if destination == "bigquery":
        if not credentials or not credentials.project_id:
            raise DestinationConfigError(destination, "credentials missing")
        location = f"{credentials.project_id}/{config.location}"
    else:
        if not credentials or not credentials.is_resolved():
            raise DestinationConfigError(destination, "credentials missing")
        try:
            location = str(config.data_location())
        except ConfigurationValueError:  # DuckDB's ":pipeline:"/":memory:": a place only its own pipeline has
            location = str(credentials.database)
    return DestinationRef(destination, location, dest)


def _pipeline_dir(pipelines_dir: str | None, name: str) -> Path:
    return Path(pipelines_dir or get_dlt_pipelines_dir()) / name


def suffixed_name(target_name: str, ref: DestinationRef) -> str:
    """``hollyhr__duckdb_1a2b3c4d``: the target's pipeline for a destination other than its first."""
    return f"{target_name}__{ref.kind}_{ref.fingerprint}"


def _recorded(pipeline: Pipeline) -> dict[str, str] | None:
    try:
        value = pipeline.get_local_state_val(LOCATION_KEY)
    except KeyError:
        return None
    return value if isinstance(value, dict) else None


def _attach(name: str, pipelines_dir: str | None) -> Pipeline | None:
    from dlt.pipeline.exceptions import CannotRestorePipelineException

    if not _pipeline_dir(pipelines_dir, name).is_dir():
        return None
    try:
        pipeline: Pipeline = dlt.attach(pipeline_name=name, pipelines_dir=pipelines_dir)  # type: ignore[arg-type]
    except CannotRestorePipelineException:
        return None
    return pipeline


def bind_pipeline_name(target_name: str, ref: DestinationRef, pipelines_dir: str | None = None) -> str:
    """The pipeline name of `target_name` for `ref` in `pipelines_dir`: plain or suffixed (module docstring).

    The plain name goes to the first destination; the choice is made under a short lock
    (``<target>.naming.lock``) so two first runs into different destinations cannot both take it.
    """
    naming = PipelineLock(_pipeline_dir(pipelines_dir, f"{target_name}.naming.lock"), f"{target_name} (naming)")
    with naming.acquire(wait=True):
        plain = _attach(target_name, pipelines_dir)
        if plain is None:  # first run from this pipelines dir: the plain name is this destination's
            kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
            dlt.pipeline(pipeline_name=target_name, **kwargs).set_local_state_val(LOCATION_KEY, ref.record())
            return target_name
        recorded = _recorded(plain)
        if recorded is not None:
            return target_name if recorded.get("fingerprint") == ref.fingerprint else suffixed_name(target_name, ref)
        # made by an hr-elt that kept no record: adopted by a destination of the kind it last loaded into
        kind = str(plain.state.get("destination_type") or "")
        if not kind or kind.rsplit(".", 1)[-1] == ref.kind:
            plain.set_local_state_val(LOCATION_KEY, ref.record())
            logger.warning("%s: pipeline %r had no destination on record; it now belongs to %s %s",
                           target_name, target_name, ref.kind, ref.location)
            return target_name
        return suffixed_name(target_name, ref)


def pipelines_of(target_name: str, pipelines_dir: str | None = None) -> list[str]:
    """Local pipelines of a vendor/tenant (``hollyhr``, ``hollyhr__postgres_…``), most recently run first.

    For commands that read a vendor's saved state by name (``hr-elt quota bytehr``).
    """
    root = Path(pipelines_dir or get_dlt_pipelines_dir())
    pattern = re.compile(rf"^{re.escape(target_name)}(__[a-z]+_[0-9a-f]{{8}})?$")
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and pattern.match(p.name)]

    def last_change(path: Path) -> float:
        state = path / "state.json"
        return state.stat().st_mtime if state.exists() else path.stat().st_mtime

    return [p.name for p in sorted(found, key=last_change, reverse=True)]


def latest_pipeline_name(target_name: str, pipelines_dir: str | None = None) -> str:
    """The most recently run local pipeline of a vendor/tenant; the plain name when none ran here."""
    names = pipelines_of(target_name, pipelines_dir)
    return names[0] if names else target_name


def pipeline_name_for(vendor: str, tenant: str | None = None) -> str:
    """The target's plain name, ``hollyhr`` or ``hollyhr_acme`` (pipeline, dataset and config section)."""
    return Target(vendor, tenant).name


def make_pipeline(
    target: Target,
    ref: DestinationRef,
    pipelines_dir: str | None = None,
    dataset: str | None = None,
    progress: str | None = None,
    name: str | None = None,
) -> Pipeline:
    """An ordinary dlt pipeline bound to `ref`, so ``dlt pipeline <name> ...`` works on it.

    Args:
        target: The vendor/tenant.
        ref: The destination (:func:`resolve_destination`).
        pipelines_dir: Where dlt keeps pipelines; default: dlt's.
        dataset: Dataset (schema) name; default: the target's name.
        progress: dlt progress collector name, or None.
        name: The pipeline name; default: :func:`bind_pipeline_name`.
    """
    kwargs: dict[str, Any] = {}
    if pipelines_dir:
        kwargs["pipelines_dir"] = pipelines_dir
    if progress:
        kwargs["progress"] = progress
    pipeline: Pipeline = dlt.pipeline(
        pipeline_name=name or bind_pipeline_name(target.name, ref, pipelines_dir),
        destination=ref.destination,
        dataset_name=dataset or target.name,
        **kwargs,
    )
    recorded = _recorded(pipeline)
    if recorded is None:
        pipeline.set_local_state_val(LOCATION_KEY, ref.record())
    elif recorded.get("fingerprint") != ref.fingerprint:  # only by a hand-made name: never load elsewhere
        raise DestinationConfigError(ref.kind, f"pipeline {pipeline.pipeline_name!r} belongs to "
                                     f"{recorded.get('kind')} {recorded.get('location')}, not {ref.location}")
    return pipeline


# --- the run path -----------------------------------------------------------------------------

_IMPORTS = threading.Lock()
_WARM_MODULES = ("pyarrow", "pyarrow.parquet", "pyarrow.compute", "pandas")


def warm_imports() -> None:
    """Imports the libraries dlt loads lazily during extract, once, before any run's threads need them.

    Two runs in one process (webhook threads, Dagster in-process) would otherwise import pandas or
    pyarrow at the same moment and one of them fail with "partially initialized module".
    """
    with _IMPORTS:
        for name in _WARM_MODULES:
            if importlib.util.find_spec(name.split(".")[0]) is not None:
                importlib.import_module(name)



def build_source(
    target: Target,
    destination: str = "duckdb",
    resources: list[str] | None = None,
    source_kwargs: dict[str, Any] | None = None,
    context: RunContext | None = None,
) -> DltSource:
    """The source as the run path hands it to dlt: tenant config, destination hints, bad-record/PII step.

    Builds no connection (sources are lazy). The source reports into `context` (a fresh one when
    None), which :func:`~sources._shared.context.context_of` returns for it.
    """
    vendor = target.vendor
    spec = registry.get(vendor)  # an unknown vendor: one line naming the known ones
    context = context or RunContext()
    with activated(context):  # the source and its clients report into this run's context
        source: DltSource
        if target.tenant:  # the tenant's own config section, [sources.<vendor>_<tenant>] (pipelines/tenants.py)
            source = tenant_source(vendor, target.tenant, **(source_kwargs or {}))
        else:
            source = spec.make_source(**(source_kwargs or {}))
    if resources:
        source = select_with_parents(source, resources, context, vendor)
    source = adapt_source(source, destination, vendor=vendor)
    source = measure_source(source, context)  # field coverage, counted before the PII step changes records
    source = protect_source(source, vendor, context=context)  # bad records and PII, before anything leaves extraction
    return attach(source, context)


def run_target(
    target: Target,
    destination: str = "duckdb",
    *,
    dataset: str | None = None,
    full_refresh: bool = False,
    pipelines_dir: str | None = None,
    duckdb_path: str | None = None,
    progress: str | None = None,
    resources: list[str] | None = None,
    source_kwargs: dict[str, Any] | None = None,
    wait: bool = False,
    wait_timeout: float | None = None,
) -> RunResult:
    """Extracts, normalizes and loads one vendor or tenant, as the only writer of its pipeline.

    Holds ``<pipelines_dir>/<pipeline>.lock`` for the whole run (see :mod:`pipelines.lock`).

    Args:
        target: The vendor, and the tenant if any.
        destination: ``duckdb``, ``postgres`` or ``bigquery``.
        dataset: Dataset (schema) name; default: the target's name.
        full_refresh: Drop the vendor's tables and state, load everything again.
        pipelines_dir: Where dlt keeps pipeline state (and the lock); default: dlt's.
        duckdb_path: DuckDB file for the duckdb destination.
        progress: dlt progress collector name, or None.
        resources: Load only these resources.
        source_kwargs: Source settings over the config providers'.
        wait: When another run of the same pipeline holds the lock, wait for it instead of refusing.
        wait_timeout: With `wait`, give up after this many seconds (None: no limit).

    Raises:
        PipelineLockedError: another run of this pipeline is in progress (and `wait` is off or timed out).
        DestinationConfigError: the destination's credentials are missing, refused or unreachable.
        ProviderPartialFailure: some resources failed on their own; the rest loaded (its ``result``).
        ProviderError: the vendor refused or failed (wrapped by dlt in ``PipelineStepFailed``).
    """
    registry.get(target.vendor)  # an unknown vendor: one line naming the known ones
    try:
        ref = resolve_destination(destination, duckdb_path)
    except DestinationConfigError as exc:
        alert_unrecorded(target, destination, exc)  # no destination, so no history row: the alert still goes
        raise
    except Exception as exc:
        problem = destination_problem(destination, exc)
        alert_unrecorded(target, destination, problem or exc)
        if problem is not None:
            raise problem from exc
        raise
    name = bind_pipeline_name(target.name, ref, pipelines_dir)
    with PipelineLock.for_pipeline(pipelines_dir, name).acquire(wait, wait_timeout):
        return _run_locked(target, ref, name, dataset, full_refresh, pipelines_dir, progress, resources,
                           source_kwargs)


def run_vendor(vendor: str, destination: str = "duckdb", dataset: str | None = None, full_refresh: bool = False,
               pipelines_dir: str | None = None, duckdb_path: str | None = None, progress: str | None = None,
               resources: list[str] | None = None, source_kwargs: dict[str, Any] | None = None,
               tenant: str | None = None, wait: bool = False, wait_timeout: float | None = None) -> RunResult:
    """:func:`run_target` for ``Target(vendor, tenant)``; same arguments, same errors."""
    return run_target(Target(vendor, tenant), destination, dataset=dataset, full_refresh=full_refresh,
                      pipelines_dir=pipelines_dir, duckdb_path=duckdb_path, progress=progress, resources=resources,
                      source_kwargs=source_kwargs, wait=wait, wait_timeout=wait_timeout)


def _run_locked(
    target: Target,
    ref: DestinationRef,
    name: str,
    dataset: str | None,
    full_refresh: bool,
    pipelines_dir: str | None,
    progress: str | None,
    resources: list[str] | None,
    source_kwargs: dict[str, Any] | None,
) -> RunResult:
    vendor, destination = target.vendor, ref.kind
    check_dlt_settings(vendor)  # e.g. LOAD__WORKERS=0 would fail only at load, after every request was spent
    warm_imports()
    pipeline = make_pipeline(target, ref, pipelines_dir, dataset, progress, name=name)
    warn_unknown_keys({target.vendor, target.name})  # a misspelt setting would leave its default in force unsaid
    context = RunContext()
    try:
        source = build_source(target, destination, resources, source_kwargs, context)
        # PII keys against the loaded schema; a policy tightened after a load (pipelines/pii_columns.py)
        review_pii(pipeline, source, vendor, context, tenant=target.tenant, destination=destination,
                   full_refresh=full_refresh, pipelines_dir=pipelines_dir,
                   duckdb_path=ref.location if destination == "duckdb" else None)
    except Exception as exc:  # refused by its settings before any request: the warehouse is not touched
        alert_unrecorded(target, destination, exc)
        raise
    tracker = RunTracker(target, ref, pipeline, context, pipelines_dir, loader_file_format(destination), resources)
    tracker.start()  # history row, lineage events, alerts (pipelines/tracking.py)
    started, started_epoch = time.perf_counter(), time.time()
    result = RunResult(vendor, pipeline.pipeline_name, destination, pipeline.dataset_name, tenant=target.tenant,
                       pipelines_dir=pipelines_dir, location=ref.location)
    run_kwargs: dict[str, Any] = {"loader_file_format": loader_file_format(destination)}
    quality = QualityRun(pipeline, ref.destination, context, target, pipelines_dir, run_kwargs["loader_file_format"])
    try:
        with run_settings({**extract_writer_settings(), **load_settings(destination)}):
            if pipeline.has_pending_data:  # a killed run left packages: dlt would only load them and stop there
                pipeline.run(loader_file_format=run_kwargs["loader_file_format"])
                context.note(vendor, "pending", "first finished loading what an interrupted run had left pending "
                             f"(into {ref.location}, the destination it was made for)")
            if full_refresh:  # with a selection: only the selected resources'; history kept (pipelines/refresh.py)
                run_kwargs.update(refresh_keeping_history(pipeline, source, vendor, resources, context))
            else:  # a child that never loaded gets its backfill (pipelines/selection.py)
                reread_parents_of_new_children(pipeline, source, context, vendor)
            info = pipeline.run(source, **run_kwargs)
    except (Exception, KeyboardInterrupt) as exc:  # a Ctrl-C too: the summary of the run it stopped
        from pipelines.entry import is_interruption

        tracker.failed(exc)  # a Ctrl-C stops at once: no history load, as after a kill
        from pipelines.summary_json import attach_failed_run, gather

        result.status = "interrupted" if is_interruption(exc) else "failed"
        result.seconds = time.perf_counter() - started
        gather(result, context, pipeline, source, started_epoch)  # requests and durations of the failed run
        problem = None if result.status == "interrupted" else destination_problem(destination, exc)
        if problem is not None:  # missing or refused destination credentials: one clear line
            attach_failed_run(problem, result)
            raise problem from exc
        from pipelines.summary import PIPELINE_NOTE, pipeline_arguments

        exc.add_note(PIPELINE_NOTE + pipeline_arguments(pipeline.pipeline_name, pipelines_dir))  # for error_line
        attach_failed_run(exc, result)
        raise
    result.load_info = info
    result.seconds = time.perf_counter() - started
    result.rows = rows_loaded(pipeline)
    result.requests = context.total(vendor)
    result.retries = context.total(vendor, "retries")
    result.throttled = context.total(vendor, "throttled")
    report = quality.finish(info)  # field coverage and schema changes: said and stored (pipelines/quality.py)
    result.notes.extend(context.notes_of(vendor))  # e.g. quota left, key expiry, walks continued next run
    result.warnings.extend(context.warnings_of(vendor))
    failures = result.failures = context.failures_of(vendor)
    from pipelines.summary_json import gather

    gather(result, context, pipeline, source, started_epoch)  # per-resource counts and phase durations
    if failures:
        result.status = "partial"
        tracker.finished(result, failures)
        raise ProviderPartialFailure(vendor, failures, result)
    try:
        quality.raise_if_failing(report, result)  # hr_elt.coverage.fail_on: the data is loaded, the run fails
    except Exception as exc:
        tracker.failed(exc)
        raise
    tracker.finished(result, failures)
    return result


class _RunSettings:
    """Run settings in dlt's config while any run of this process is active, restored after the last.

    ``dlt.config.values`` snapshots the whole config provider on entry and restores that snapshot on
    exit: two overlapping runs in threads (webhook server, Dagster in-process) would exit out of
    order and leave the first run's overrides in place for good. Here the first run in takes the
    snapshot, the last one out restores it; while runs overlap, each sets its own values on top.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._preserved: Any = None

    @contextmanager
    def applied(self, values: dict[str, Any]) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._preserved = dlt.config.values(values)
                self._preserved.__enter__()
            else:
                for key, value in values.items():
                    dlt.config[key] = value
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    preserved, self._preserved = self._preserved, None
                    preserved.__exit__(None, None, None)


_RUN_SETTINGS = _RunSettings()


def run_settings(values: dict[str, Any]) -> AbstractContextManager[None]:
    """Sets `values` in dlt's config for one run (overlapping runs restore once, after the last)."""
    return _RUN_SETTINGS.applied(values)


def extract_writer_settings() -> dict[str, Any]:
    """Writer settings for a run: extract's intermediate files uncompressed, load files as configured.

    dlt gzips the files extract writes and normalize reads back a moment later in the same
    process (then deletes): measured on ByteHR 100k, zlib took ~3.4 s of an 18 s extract. Those
    files are written uncompressed (``data_writer.disable_compression``); normalize keeps dlt's
    default for the load files (``normalize.data_writer.disable_compression``: BigQuery's jsonl is
    uploaded gzipped). Either key, when set in config or env, is left to the user.
    """
    if "data_writer.disable_compression" in dlt.config or "normalize.data_writer.disable_compression" in dlt.config:
        return {}
    return {"data_writer.disable_compression": True, "normalize.data_writer.disable_compression": False}


def rows_loaded(pipeline: Pipeline) -> dict[str, int]:
    """Rows written per table by the last run (dlt's own tables left out)."""
    trace = pipeline.last_trace
    if trace is None or trace.last_normalize_info is None:
        return {}
    counts = trace.last_normalize_info.row_counts
    return {table: n for table, n in sorted(counts.items()) if not table.startswith("_dlt")}
