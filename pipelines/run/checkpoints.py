"""The checkpoint loop: a long extraction loaded in chunks, each committing its rows and state together.

dlt commits a pipeline's state once per ``pipeline.run`` (knowhow.md, "Checkpoints inside a long
sync"). The run path turns the run's checkpoint clock on (:func:`~sources._shared.checkpoint.enable_checkpoints`)
and runs ``pipeline.run`` over a fresh source instance of the same run (same
:class:`~sources._shared.context.RunContext`, so requests, notes and failures add up) for as long as
a resource stopped at a checkpoint with more to read. A short run never reaches a checkpoint and
stays one load. A stop asked from outside (SIGTERM, a time budget: :meth:`Checkpoints.request_stop`)
ends the loop after the chunk that was running commits.

Settings (``[hr_elt.checkpoint]``, env ``HR_ELT__CHECKPOINT__*``): ``max_requests`` (500) and
``max_seconds`` (60), whichever comes first; ``grace_seconds`` (20), how long a SIGTERM waits for the
next checkpoint before the run stops at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlt.common.pipeline import LoadInfo
from dlt.extract.source import DltSource
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.number_settings import number_setting
from pipelines.run.result import PHASES
from sources._shared.checkpoint import CheckpointPolicy, Checkpoints

logger = logging.getLogger("pipelines.run.checkpoints")

SETTINGS = ("checkpoint.max_requests", "checkpoint.max_seconds", "checkpoint.grace_seconds")
"""The ``hr_elt.*`` keys of this module (:mod:`pipelines.run.config_check` knows them)."""

DEFAULT_GRACE_SECONDS = 20.0


def checkpoint_policy() -> CheckpointPolicy:
    """``hr_elt.checkpoint.max_requests`` / ``max_seconds``, checked before any request.

    Raises:
        ProviderConfigError: a value that is not a number above 0.
    """
    defaults = CheckpointPolicy()
    return CheckpointPolicy(max_requests=int(number_setting("checkpoint.max_requests", defaults.max_requests, int)),
                            max_seconds=number_setting("checkpoint.max_seconds", defaults.max_seconds, float))


def grace_seconds() -> float:
    """``hr_elt.checkpoint.grace_seconds``: how long a SIGTERM waits for the next checkpoint."""
    return number_setting("checkpoint.grace_seconds", DEFAULT_GRACE_SECONDS, float)


@dataclass
class Chunks:
    """What the chunks of one run loaded, added up (the summary's rows and phases are the run's, not the last chunk's).

    Attributes:
        rows: Rows written per table, over every chunk (dlt's own tables left out).
        phases: Seconds per dlt step, over every chunk.
        load_ids: The load packages the run committed, in order.
        count: Chunks run (1: the run was one load).
        stopped: Why the loop ended before every resource finished (``SIGTERM``, the time budget), or None.
        positions: Per resource that stopped with more to read: how far it got.
    """

    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    count: int = 0
    stopped: str | None = None
    positions: dict[str, str] = field(default_factory=dict)

    def add(self, pipeline: Pipeline, info: LoadInfo | None) -> None:
        """Adds the pipeline's last run (its trace) to the totals."""
        trace = pipeline.last_trace
        if trace is not None and trace.last_normalize_info is not None:
            for table, n in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    self.rows[table] = self.rows.get(table, 0) + n
        if trace is not None:
            for step in trace.steps:
                if step.step in PHASES and step.started_at and step.finished_at:
                    seconds = (step.finished_at - step.started_at).total_seconds()
                    self.phases[step.step] = round(self.phases.get(step.step, 0.0) + seconds, 3)
        if info is not None:
            self.load_ids.extend(info.loads_ids)

    def sorted_rows(self) -> dict[str, int]:
        """The rows per table, by table name (as :func:`~pipelines.run.result.rows_loaded` gives them)."""
        return dict(sorted(self.rows.items()))


def next_selection(source: DltSource, stopped: dict[str, str]) -> list[str]:
    """The resources the next chunk runs: those that stopped with more to read, and their transformers.

    Resources that finished are not asked again; a transformer follows its parent (it reads what its
    parent yields), so it runs wherever its parent does.
    """
    names = set(stopped)
    grew = True
    while grew:
        grew = False
        for parent, child in source.resources.selected_dag:
            if parent in names and child not in names:
                names.add(child)
                grew = True
    return [name for name in source.selected_resources if name in names]


def run_in_chunks(
    pipeline: Pipeline,
    source: DltSource,
    checkpoints: Checkpoints,
    run_kwargs: dict[str, Any],
    rebuild: Callable[[list[str]], DltSource],
    on_checkpoint: Callable[[LoadInfo, dict[str, str]], None],
    chunks: Chunks | None = None,
) -> tuple[LoadInfo, Chunks, DltSource]:
    """Runs `source` as chunks until no resource stopped at a checkpoint, or a stop was asked.

    Args:
        pipeline: The run's pipeline.
        source: The first chunk's source (built with checkpoints on).
        checkpoints: The run's checkpoint clock.
        run_kwargs: ``pipeline.run`` arguments of the first chunk (a refresh applies to it only).
        rebuild: A fresh source of the same run with these resources selected.
        on_checkpoint: Called after each chunk that committed with more to read (its load info and
            how far each stopped resource got).
        chunks: Where the totals go (the caller's, so a failed chunk leaves what the earlier ones committed).

    Returns:
        The last chunk's load info, the totals, and the last chunk's source.
    """
    chunks = chunks if chunks is not None else Chunks()
    kwargs = dict(run_kwargs)
    while True:
        info = pipeline.run(source, **kwargs)
        chunks.count += 1
        chunks.add(pipeline, info)
        stopped = checkpoints.pending()
        if not stopped:
            return info, chunks, source
        chunks.positions = dict(stopped)
        logger.info("%s: checkpoint %d committed (%s); %s", pipeline.pipeline_name, chunks.count,
                    ", ".join(f"{name} at {where}" if where else name for name, where in sorted(stopped.items())),
                    "stopping: " + str(checkpoints.stop_reason) if checkpoints.stop_reason else "going on")
        on_checkpoint(info, stopped)
        checkpoints.committed()
        if checkpoints.stop_reason is not None:
            chunks.stopped = checkpoints.stop_reason
            return info, chunks, source
        kwargs.pop("refresh", None)  # the first chunk dropped what a full refresh drops; later ones add to it
        source = rebuild(next_selection(source, stopped))
