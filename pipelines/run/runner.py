"""The one run path: builds and runs a vendor's (or tenant's) pipeline into a destination.

Every caller runs through :func:`run_target` by way of :func:`pipelines.app.run_target` (``hr-elt run`` and
``run all``, tenants, webhook-triggered runs, the Dagster and Airflow recipes in ``deploy/``), so all get
the same policies: the pipeline lock, pending-package recovery, writer and DuckDB settings, the
bad-record/PII step, destination hints, the per-run :class:`~sources._shared.context.RunContext`,
partial-failure raising, and the run's observers (:mod:`pipelines.run.observer`). Pipeline names:
:mod:`pipelines.run.naming`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline
from dlt.sources import DltSource

from pipelines.run.budget import time_budget
from pipelines.run.checkpoints import Chunks, checkpoint_policy, run_in_chunks
from pipelines.run.config_check import warn_unknown_keys
from pipelines.run.destination_lock import HeldLock, destination_lock
from pipelines.run.destinations import (
    DestinationConfigError,
    DestinationRef,
    adapt_source,
    destination_problem,
    load_settings,
    loader_file_format,
    resolve_destination,
)
from pipelines.run.dlt_log import dlt_warnings_said
from pipelines.run.dlt_settings import check_dlt_settings
from pipelines.run.interrupts import is_interruption
from pipelines.run.lock import PipelineLock
from pipelines.run.naming import LOCATION_KEY, PIPELINE_NOTE, bind_pipeline_name, pipeline_arguments, recorded_location
from pipelines.run.observer import RunFacts, RunObserver
from pipelines.run.outside_stops import outside_stop
from pipelines.run.pending import load_pending
from pipelines.run.pii_columns import review as review_pii
from pipelines.run.progress_display import collector_for, every_seconds, progress_shown
from pipelines.run.refresh import full_refresh as refresh_keeping_history
from pipelines.run.result import RunResult, attach_failed_run, gather, rows_loaded
from pipelines.run.resume import resume_from_destination
from pipelines.run.selection import reread_parents_of_new_children, select_with_parents
from pipelines.run.stops import TERMINATED, stoppable
from pipelines.run.tenants import Target, tenant_source
from sources import registry
from sources._shared import dlt_compat
from sources._shared.checkpoint import enable_checkpoints
from sources._shared.context import RunContext, activated, attach
from sources._shared.coverage import measure_source
from sources._shared.documented import declare_documented
from sources._shared.errors import ProviderPartialFailure
from sources._shared.guard import protect_source

# Arrow buffers from the C library's allocator instead of pyarrow's default mimalloc pool, which kept
# more resident after a run's Arrow items (bench/README.md, "Memory"). pyarrow reads this once, when
# it is first imported: none of the imports above loads it (they import it lazily); a setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


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
        kwargs["progress"] = collector_for(progress)  # tqdm: fed per resource by the progress display
    pipeline: Pipeline = dlt.pipeline(
        pipeline_name=name or bind_pipeline_name(target.name, ref),
        destination=ref.destination,
        dataset_name=dataset or target.name,
        **kwargs,
    )
    recorded = recorded_location(pipeline)
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
    context.titles[vendor] = spec.title
    with activated(context):  # the source and its clients report into this run's context
        source: DltSource
        if target.tenant:  # the tenant's own config section, [sources.<vendor>_<tenant>] (pipelines/run/tenants.py)
            source = tenant_source(vendor, target.tenant, **(source_kwargs or {}))
        else:
            source = spec.make_source(**(source_kwargs or {}))
    if resources:
        source = select_with_parents(source, resources, context, vendor)
    source = adapt_source(source, destination, vendor=vendor)
    source = declare_documented(source, spec.coverage)  # documented columns exist from the first load
    source = measure_source(source, context)  # field coverage, counted before the PII step changes records
    # bad records and PII, before anything leaves extraction
    source = protect_source(source, vendor, pii=registry.pii_policy(vendor), context=context)
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
    observers: Sequence[RunObserver] = (),
    max_duration: float | None = None,
) -> RunResult:
    """Extracts, normalizes and loads one vendor or tenant, as the only writer of its pipeline.

    Holds ``<pipelines_dir>/<pipeline>.lock`` (see :mod:`pipelines.run.lock`) and the destination's lock
    (:mod:`pipelines.run.destination_lock`) for the whole run.
    Callers go through :func:`pipelines.app.run_target`, which hands in the run's observers.

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
        observers: What watches this attempt (:class:`~pipelines.run.observer.RunObserver`), in order.
        max_duration: A time budget in seconds, counted from this call: the run stops at a checkpoint
            before it ends, status ``incomplete`` (:mod:`pipelines.run.budget`); None: no budget.

    Raises:
        PipelineLockedError: another run of this pipeline is in progress (and `wait` is off or timed out).
        DestinationConfigError: the destination's credentials are missing, refused or unreachable.
        ProviderPartialFailure: some resources failed on their own; the rest loaded (its ``result``).
        ProviderError: the vendor refused or failed (wrapped by dlt in ``PipelineStepFailed``).
    """
    registry.get(target.vendor)  # an unknown vendor: one line naming the known ones
    began = time.monotonic()
    try:
        ref = resolve_destination(destination, duckdb_path)
    except DestinationConfigError as exc:
        _refused(observers, target, destination, exc)  # no destination, so no history row
        raise
    except Exception as exc:
        problem = destination_problem(destination, exc)
        _refused(observers, target, destination, problem or exc)
        if problem is not None:
            raise problem from exc
        raise
    name = bind_pipeline_name(target.name, ref)
    with PipelineLock.for_pipeline(pipelines_dir, name).acquire(wait, wait_timeout), \
            destination_lock(ref, name, dataset or target.name, wait, wait_timeout) as held:  # across machines
        return _run_locked(target, ref, name, dataset, full_refresh, pipelines_dir, progress, resources,
                           source_kwargs, observers, max_duration, began, held)


def _refused(observers: Sequence[RunObserver], target: Target, destination: str, exc: BaseException) -> None:
    for observer in observers:
        observer.on_refused(target, destination, exc)


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
    observers: Sequence[RunObserver],
    max_duration: float | None = None,
    began: float | None = None,
    held: HeldLock | None = None,
) -> RunResult:
    vendor, destination = target.vendor, ref.kind
    check_dlt_settings(vendor)  # e.g. LOAD__WORKERS=0 would fail only at load, after every request was spent
    warm_imports()
    pipeline = make_pipeline(target, ref, pipelines_dir, dataset, progress, name=name)
    if held is not None and held.created_dataset and pipeline.has_data and not pipeline.has_pending_data:
        # the lease made the dataset: dlt's reset of a pipeline whose dataset is gone, which it no longer sees
        pipeline.drop()
        pipeline = make_pipeline(target, ref, pipelines_dir, dataset, progress, name=name)
    warn_unknown_keys({target.vendor, target.name})  # a misspelt setting would leave its default in force unsaid
    context = RunContext()
    for line in held.notes if held is not None else ():
        context.warn(vendor, "lease", line)
    try:
        checkpoints = enable_checkpoints(context, checkpoint_policy())  # a bad interval: refused before any request
        progress_every = every_seconds()
        source = build_source(target, destination, resources, source_kwargs, context)  # settings checked, lazily
        resume_from_destination(pipeline, target, ref, context, pipelines_dir)  # a fresh worker resumes as a warm one
        # PII keys against the loaded schema; a policy tightened after a load (pipelines/run/pii_columns.py)
        review_pii(pipeline, source, vendor, context, tenant=target.tenant, destination=destination,
                   full_refresh=full_refresh, pipelines_dir=pipelines_dir,
                   duckdb_path=ref.location if destination == "duckdb" else None)
    except Exception as exc:  # refused before any request: the warehouse's data is not touched
        problem = destination_problem(destination, exc)
        _refused(observers, target, destination, problem or exc)
        if problem is not None:
            raise problem from exc
        raise
    file_format = loader_file_format(destination)
    facts = RunFacts(target, ref, pipeline, context, pipelines_dir, file_format, resources)
    for observer in observers:
        observer.on_start(facts)
    started, started_epoch = time.perf_counter(), time.time()
    result = RunResult(vendor, pipeline.pipeline_name, destination, pipeline.dataset_name, tenant=target.tenant,
                       pipelines_dir=pipelines_dir, location=ref.location)
    run_kwargs: dict[str, Any] = {"loader_file_format": file_format}
    chunks = Chunks()

    declared = set(registry.get(vendor).resources)  # the run path's side resources come with them again

    def rebuild(selected: list[str]) -> DltSource:  # the next chunk: a fresh source of the same run
        return build_source(target, destination, [n for n in selected if n in declared], source_kwargs, context)

    def checkpoint(info: LoadInfo | None, stopped: dict[str, str]) -> None:
        if info is None:  # nothing was loaded (dlt had no schema to load)
            return
        for observer in observers:
            observer.on_checkpoint(facts, info)

    try:
        with run_settings({**extract_writer_settings(), **load_settings(destination)}), \
                dlt_warnings_said(vendor, context), \
                stoppable(partial(checkpoints.request_stop, hurry=True)), \
                time_budget(checkpoints, max_duration, began), \
                progress_shown(progress, context, source.selected_resources, pipeline.collector, progress_every):
            load_pending(pipeline, context, vendor, ref.location, chunks)
            if full_refresh:  # with a selection: only the selected resources'; history kept (pipelines/run/refresh.py)
                run_kwargs.update(refresh_keeping_history(pipeline, source, vendor, resources, context))
            else:  # a child that never loaded gets its backfill (pipelines/run/selection.py)
                reread_parents_of_new_children(pipeline, source, context, vendor)
            info, chunks, _ = run_in_chunks(pipeline, source, checkpoints, run_kwargs, rebuild, checkpoint, chunks)
    except BaseException as exc:  # a Ctrl-C and a scheduler's stop too: the summary of the run it stopped
        for observer in observers:
            observer.on_failed(facts, exc)  # a Ctrl-C stops at once: no history load, as after a kill
        result.status = "interrupted" if is_interruption(exc) or outside_stop(exc) is not None else "failed"
        result.seconds = time.perf_counter() - started
        gather(result, context, pipeline, source, started_epoch)  # requests and durations of the failed run
        committed_before(result, chunks)
        problem = None if result.status == "interrupted" else destination_problem(destination, exc)
        if problem is not None:  # missing or refused destination credentials: one clear line
            attach_failed_run(problem, result)
            raise problem from exc
        exc.add_note(PIPELINE_NOTE + pipeline_arguments(pipeline.pipeline_name, pipelines_dir))  # for error_line
        attach_failed_run(exc, result)
        raise
    result.load_info = info
    result.seconds = time.perf_counter() - started
    result.rows = chunks.sorted_rows() if chunks.count else rows_loaded(pipeline)
    result.requests = context.total(vendor)
    result.retries = context.total(vendor, "retries")
    result.throttled = context.total(vendor, "throttled")
    for observer in observers:  # field coverage and schema changes: said and stored (pipelines/observe/quality.py)
        observer.on_loaded(facts, info)
    result.notes.extend(context.notes_of(vendor))  # e.g. quota left, key expiry, walks continued next run
    result.warnings.extend(context.warnings_of(vendor))
    failures = result.failures = context.failures_of(vendor)
    gather(result, context, pipeline, source, started_epoch)  # per-resource counts and phase durations
    if chunks.phases:
        result.phases = dict(chunks.phases)  # every chunk's, not the last one's
    if chunks.stopped is not None:  # SIGTERM or the time budget: stopped at a checkpoint, all of it committed
        result.status = "interrupted" if chunks.stopped == TERMINATED else "incomplete"
        result.notes.append(stopped_note(chunks))
    if failures:
        result.status = "partial"
        for observer in observers:
            observer.on_finished(facts, result)
        raise ProviderPartialFailure(vendor, failures, result)
    try:
        for observer in observers:
            observer.veto(facts, result)  # hr_elt.coverage.fail_on: the data is loaded, the run fails
    except Exception as exc:
        for observer in observers:
            observer.on_failed(facts, exc)
        raise
    for observer in observers:
        observer.on_finished(facts, result)
    return result


def stopped_note(chunks: Chunks) -> str:
    """The summary line of a run that stopped at a checkpoint: why, how far each resource got, what comes next."""
    where = "; ".join(f"{name} up to {position}" if position else name
                      for name, position in sorted(chunks.positions.items()))
    return (f"stopped at a checkpoint ({chunks.stopped}) after {chunks.count} load(s), all committed; "
            f"not yet complete: {where or 'nothing'}; the next run resumes from there")


def committed_before(result: RunResult, chunks: Chunks) -> None:
    """Says what the checkpoints of a failed or interrupted run committed before it ended (it stays loaded)."""
    if chunks.count == 0 or not chunks.rows:
        return
    rows = sum(chunks.rows.values())
    result.notes.append(f"{chunks.count} checkpoint(s) committed {rows} rows before the run ended "
                        f"(loads {', '.join(chunks.load_ids) or 'none'}); they stay loaded and the next run "
                        "resumes after them")


# dlt.config.values held across overlapping runs (sources/_shared/dlt_compat.py says why)
_RUN_SETTINGS = dlt_compat.OverlappingConfigValues()


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


