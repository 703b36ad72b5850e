"""The seam between a run and what watches it: run history, coverage, lineage, alerts, progress.

The run path (:mod:`pipelines.run.runner`) calls each :class:`RunObserver` it was handed at fixed
moments and hands it the run's facts (:class:`RunFacts`); observers never reach into the run core.
The composition root (:mod:`pipelines.app`) decides which observers a run gets. An observer's own
trouble (a history row that cannot be written) is its to say; only :meth:`RunObserver.veto` may
change a run's outcome, and only by raising.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.destinations import DestinationRef
from pipelines.run.result import RunResult
from pipelines.run.tenants import Target
from sources._shared.context import RunContext


@dataclass(frozen=True)
class RunFacts:
    """What an observer may know about the run it watches.

    Attributes:
        target: The vendor and tenant.
        ref: The destination, resolved.
        pipeline: The dlt pipeline the run loads with.
        context: The run's context (requests, notes, warnings, facts the source reported).
        pipelines_dir: Where dlt keeps the pipeline (None: dlt's default).
        loader_file_format: The load file format of this destination.
        resources: The resources asked for (None: all).
    """

    target: Target
    ref: DestinationRef
    pipeline: Pipeline
    context: RunContext
    pipelines_dir: str | None
    loader_file_format: str
    resources: list[str] | None = None


class RunObserver:
    """Watches one run attempt; every hook is optional (the defaults do nothing)."""

    def on_refused(self, target: Target, destination: str, exc: BaseException) -> None:
        """The run was refused before it had a pipeline (destination or settings): nothing was recorded."""

    def on_start(self, run: RunFacts) -> None:
        """The run is about to ask the vendor for data."""

    def on_checkpoint(self, run: RunFacts, info: LoadInfo) -> None:
        """A checkpoint of a long run committed its rows and state (``info``); the run goes on."""

    def on_loaded(self, run: RunFacts, info: LoadInfo | None) -> None:
        """The run's data is loaded; the result is not yet filled (an observer may add notes and warnings)."""

    def veto(self, run: RunFacts, result: RunResult) -> None:
        """Raises to fail a run whose data is loaded (``hr_elt.coverage.fail_on``)."""

    def on_finished(self, run: RunFacts, result: RunResult) -> None:
        """The run ended ``ok`` or ``partial`` (``result.status``)."""

    def on_failed(self, run: RunFacts, exc: BaseException) -> None:
        """The run failed or was interrupted; must not raise."""
