"""Runs one vendor's pipeline and reports what it did."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline

from pipelines.collector import collector_tuned, configured_threshold
from pipelines.destinations import (
    adapt_source,
    destination_problem,
    load_settings,
    loader_file_format,
    make_destination,
)
from pipelines.lock import PipelineLock
from sources import registry
from sources._shared.context import RunContext, activated
from sources._shared.errors import ProviderPartialFailure
from sources._shared.guard import protect_source

# Arrow buffers from the C library's allocator instead of pyarrow's default mimalloc pool, which kept
# more resident after a run's Arrow items (bench/README.md, "Memory"). pyarrow reads this once, when
# it is first imported: none of the imports above loads it (they import it lazily); a setting wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


@dataclass
class RunResult:
    """What one run of one vendor did."""

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


def pipeline_name_for(vendor: str, tenant: str | None = None) -> str:
    """The stable dlt pipeline name: ``hollyhr``, or ``hollyhr_acme`` for a tenant."""
    return f"{vendor}_{tenant}" if tenant else vendor


def make_pipeline(
    vendor: str,
    destination: str = "duckdb",
    dataset: str | None = None,
    pipelines_dir: str | None = None,
    duckdb_path: str | None = None,
    progress: str | None = None,
    tenant: str | None = None,
) -> Pipeline:
    """An ordinary dlt pipeline with a stable name, so ``dlt pipeline <name> ...`` works on it."""
    kwargs: dict[str, Any] = {}
    if pipelines_dir:
        kwargs["pipelines_dir"] = pipelines_dir
    if progress:
        kwargs["progress"] = progress
    pipeline: Pipeline = dlt.pipeline(
        pipeline_name=pipeline_name_for(vendor, tenant),
        destination=make_destination(destination, duckdb_path),
        dataset_name=dataset or pipeline_name_for(vendor, tenant),
        **kwargs,
    )
    return pipeline


def run_vendor(
    vendor: str,
    destination: str = "duckdb",
    dataset: str | None = None,
    full_refresh: bool = False,
    pipelines_dir: str | None = None,
    duckdb_path: str | None = None,
    progress: str | None = None,
    resources: list[str] | None = None,
    source_kwargs: dict[str, Any] | None = None,
    tenant: str | None = None,
    wait: bool = False,
    wait_timeout: float | None = None,
) -> RunResult:
    """Extracts, normalizes and loads one vendor, as the only writer of its pipeline.

    Holds ``<pipelines_dir>/<pipeline>.lock`` for the whole run (see :mod:`pipelines.lock`).

    Args:
        vendor: ``bytehr``, ``cutehr`` or ``hollyhr``.
        destination: ``duckdb``, ``postgres`` or ``bigquery``.
        dataset: Dataset (schema) name; default: the pipeline name.
        full_refresh: Drop the vendor's tables and state, load everything again.
        pipelines_dir: Where dlt keeps pipeline state (and the lock); default: dlt's.
        duckdb_path: DuckDB file for the duckdb destination.
        progress: dlt progress collector name, or None.
        resources: Load only these resources.
        source_kwargs: Source settings over the config providers'.
        tenant: Tenant suffix of the pipeline name.
        wait: When another run of the same pipeline holds the lock, wait for it instead of refusing.
        wait_timeout: With `wait`, give up after this many seconds (None: no limit).

    Raises:
        PipelineLockedError: another run of this pipeline is in progress (and `wait` is off or timed out).
        ProviderError: the vendor refused or failed (wrapped by dlt in ``PipelineStepFailed``).
    """
    registry.get(vendor)  # an unknown vendor: one line naming the known ones
    with PipelineLock.for_pipeline(pipelines_dir, pipeline_name_for(vendor, tenant)).acquire(wait, wait_timeout):
        return _run_vendor_locked(vendor, destination, dataset, full_refresh, pipelines_dir, duckdb_path, progress,
                                  resources, source_kwargs, tenant)


def _run_vendor_locked(
    vendor: str,
    destination: str = "duckdb",
    dataset: str | None = None,
    full_refresh: bool = False,
    pipelines_dir: str | None = None,
    duckdb_path: str | None = None,
    progress: str | None = None,
    resources: list[str] | None = None,
    source_kwargs: dict[str, Any] | None = None,
    tenant: str | None = None,
) -> RunResult:
    """Extracts, normalizes and loads one vendor.

    Raises:
        ProviderError: the vendor refused or failed (wrapped by dlt in ``PipelineStepFailed``).
    """
    spec = registry.get(vendor)
    pipeline = make_pipeline(vendor, destination, dataset, pipelines_dir, duckdb_path, progress, tenant)
    context = RunContext()
    with activated(context):  # the source and its clients report into this run's context
        if tenant:  # the tenant's own config section, [sources.<vendor>_<tenant>] (pipelines/tenants.py)
            from pipelines.tenants import tenant_source

            source = tenant_source(vendor, tenant, **(source_kwargs or {}))
        else:
            source = spec.make_source(**(source_kwargs or {}))
    if resources:
        source = source.with_resources(*resources)
    source = adapt_source(source, destination, vendor=vendor)
    source = protect_source(source, vendor, context=context)  # bad records and PII, before anything leaves extraction
    started = time.perf_counter()
    run_kwargs: dict[str, Any] = {"loader_file_format": loader_file_format(destination)}
    if full_refresh:
        run_kwargs["refresh"] = "drop_sources"
    try:
        with dlt.config.values({**extract_writer_settings(), **load_settings(destination)}), \
                collector_tuned(configured_threshold()):
            if pipeline.has_pending_data:  # a killed run left packages: dlt would only load them and stop there
                pipeline.run(loader_file_format=run_kwargs["loader_file_format"])
                context.note(vendor, "pending", "first finished loading what an interrupted run had left pending")
            info = pipeline.run(source, **run_kwargs)
    except Exception as exc:
        problem = destination_problem(destination, exc)
        if problem is not None:  # missing or refused destination credentials: one clear line
            raise problem from exc
        raise
    result = RunResult(vendor, pipeline.pipeline_name, destination, pipeline.dataset_name, load_info=info)
    result.seconds = time.perf_counter() - started
    result.rows = rows_loaded(pipeline)
    result.requests = context.total(vendor)
    result.retries = context.total(vendor, "retries")
    result.throttled = context.total(vendor, "throttled")
    result.notes.extend(context.notes_of(vendor))  # e.g. quota left, key expiry, walks continued next run
    failures = context.failures_of(vendor)
    if failures:
        raise ProviderPartialFailure(vendor, failures, result)
    return result


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
