"""The composition root: a run with its observers, the one way in for every caller.

The CLI, the webhook receiver, the Dagster and Airflow recipes and a vendor's CLI plugin all run
through :func:`run_target` here, which hands the run core (:mod:`pipelines.run.runner`) the observers
every run gets: field coverage and schema changes (:mod:`pipelines.observe.quality`), then run
history, lineage and alerts (:mod:`pipelines.observe.tracking`). The order matters: coverage adds its
warnings to the run before the history row records them, and its ``fail_on`` veto fails the run
that the history then records as failed.
"""

from __future__ import annotations

from typing import Any

from pipelines.observe.quality import QualityObserver
from pipelines.observe.tracking import RunTracker
from pipelines.run import runner
from pipelines.run.observer import RunObserver
from pipelines.run.result import RunResult
from pipelines.run.tenants import Target


def observers() -> list[RunObserver]:
    """A fresh set of the observers every run gets, in the order they are called."""
    return [QualityObserver(), RunTracker()]


def run_target(target: Target, destination: str = "duckdb", **kwargs: Any) -> RunResult:
    """:func:`pipelines.run.runner.run_target` with the observers every run gets; same arguments, same errors."""
    return runner.run_target(target, destination, observers=observers(), **kwargs)


def run_vendor(vendor: str, destination: str = "duckdb", dataset: str | None = None, full_refresh: bool = False,
               pipelines_dir: str | None = None, duckdb_path: str | None = None, progress: str | None = None,
               resources: list[str] | None = None, source_kwargs: dict[str, Any] | None = None,
               tenant: str | None = None, wait: bool = False, wait_timeout: float | None = None,
               max_duration: float | None = None) -> RunResult:
    """:func:`run_target` for ``Target(vendor, tenant)``; same arguments, same errors."""
    return run_target(Target(vendor, tenant), destination, dataset=dataset, full_refresh=full_refresh,
                      pipelines_dir=pipelines_dir, duckdb_path=duckdb_path, progress=progress, resources=resources,
                      source_kwargs=source_kwargs, wait=wait, wait_timeout=wait_timeout, max_duration=max_duration)
