"""The checkpoint loop: a long extraction loaded in chunks, each committing its rows and state together.

dlt commits a pipeline's state once per load package (knowhow.md, "Checkpoints inside a long
sync"). The run path turns the run's checkpoint clock on (:func:`~sources._shared.checkpoint.enable_checkpoints`)
and runs dlt's extract, normalize and load over a fresh source instance of the same run (same
:class:`~sources._shared.context.RunContext`, so requests, notes and failures add up) for as long as
a resource stopped at a checkpoint with more to read; a chunk's load runs behind the next chunk's
extract (:mod:`pipelines.run.load_behind`). A short run never reaches a checkpoint and stays one
load. A stop asked from outside (SIGTERM, a time budget: :meth:`Checkpoints.request_stop`) ends the
loop after the chunk that was running commits.

Settings (``[hr_elt.checkpoint]``, env ``HR_ELT__CHECKPOINT__*``): ``max_requests`` (500) and
``max_seconds`` (60), whichever comes first; ``grace_seconds`` (20), how long a SIGTERM waits for the
next checkpoint before the run stops at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from dlt.common.pipeline import LoadInfo, NormalizeInfo
from dlt.extract.source import DltSource
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.failures import error_line
from pipelines.run.load_behind import LoadBehind
from pipelines.run.number_settings import number_setting
from pipelines.run.result import PHASES
from sources._shared.checkpoint import CheckpointPolicy, Checkpoints

logger = logging.getLogger("pipelines.run.checkpoints")
T = TypeVar("T")

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
        phases: Seconds per dlt step, over every chunk (a load behind the next extract counts its own).
        load_ids: The load packages the run committed, in order.
        count: Chunks loaded (1: the run was one load).
        stopped: Why the loop ended before every resource finished (``SIGTERM``, the time budget), or None.
        positions: Per resource that stopped with more to read: how far it got.
    """

    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    count: int = 0
    stopped: str | None = None
    positions: dict[str, str] = field(default_factory=dict)

    def timed(self, step: str, call: Callable[[], T]) -> T:
        """Runs one dlt step of a chunk (``extract``, ``normalize``, ``load``) and adds its seconds."""
        started = time.perf_counter()
        try:
            return call()
        finally:
            self.took(step, time.perf_counter() - started)

    def took(self, step: str, seconds: float) -> None:
        """Adds `seconds` to `step`."""
        if step in PHASES:
            self.phases[step] = round(self.phases.get(step, 0.0) + seconds, 3)

    def normalized(self, info: NormalizeInfo | None) -> None:
        """Adds a chunk's rows per table (dlt's normalize counts them)."""
        for table, n in (info.row_counts if info is not None else {}).items():
            if not table.startswith("_dlt"):
                self.rows[table] = self.rows.get(table, 0) + n

    def loaded(self, info: LoadInfo | None) -> None:
        """Counts a chunk whose load ended."""
        self.count += 1
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


def sync_with_destination(pipeline: Pipeline) -> None:
    """What ``pipeline.run`` does before its first extract: the state and schemas the destination has.

    A dataset dropped at the destination resets the local state; a newer state there replaces it.
    """
    if pipeline.config.restore_from_destination and not pipeline.dev_mode:
        pipeline.sync_destination()


def run_in_chunks(
    pipeline: Pipeline,
    source: DltSource,
    checkpoints: Checkpoints,
    run_kwargs: dict[str, Any],
    rebuild: Callable[[list[str]], DltSource],
    on_checkpoint: Callable[[LoadInfo | None, dict[str, str]], None],
    chunks: Chunks | None = None,
) -> tuple[LoadInfo | None, Chunks, DltSource]:
    """Runs `source` as chunks until no resource stopped at a checkpoint, or a stop was asked.

    Each chunk is dlt's ``extract``, ``normalize`` and ``load`` of a fresh source of the run (as
    ``pipeline.run`` does them). A chunk that stopped at a checkpoint is loaded in a thread while the
    next chunk extracts (:mod:`pipelines.run.load_behind`); the last chunk loads in this thread, so
    a run that never reaches a checkpoint is one load, as before.

    Args:
        pipeline: The run's pipeline.
        source: The first chunk's source (built with checkpoints on).
        checkpoints: The run's checkpoint clock.
        run_kwargs: ``pipeline.extract`` arguments of the first chunk (a refresh applies to it only).
        rebuild: A fresh source of the same run with these resources selected.
        on_checkpoint: Called after each chunk that committed with more to read (its load info and
            how far each stopped resource got).
        chunks: Where the totals go (the caller's, so a failed chunk leaves what the earlier ones committed).

    Returns:
        The last chunk's load info, the totals, and the last chunk's source.
    """
    chunks = chunks if chunks is not None else Chunks()
    kwargs = dict(run_kwargs)
    behind: LoadBehind | None = None
    sync_with_destination(pipeline)
    try:
        while True:
            chunks.timed("extract", partial(pipeline.extract, source, **kwargs))
            stopped = checkpoints.pending()
            if behind is not None:
                done, behind = behind, None
                info = done.result()
                chunks.took("load", done.seconds)
                _committed(pipeline, chunks, info, done.stopped, checkpoints, on_checkpoint)
            chunks.normalized(chunks.timed("normalize", pipeline.normalize))
            last = not stopped or checkpoints.stop_reason is not None
            if last or chunks.count == 0:
                # the first load of a run records the run's context in dlt's local state: behind an
                # extract, that save could replace the state the extract wrote (the chunk is then read twice)
                info = chunks.timed("load", pipeline.load)
                _committed(pipeline, chunks, info, stopped, checkpoints, on_checkpoint)
                if last:
                    chunks.stopped = checkpoints.stop_reason if stopped else None
                    return info, chunks, source
            else:
                failed = partial(_load_failed, pipeline, checkpoints, chunks.count + 1)
                behind = LoadBehind(pipeline, stopped, failed).start()
            checkpoints.committed()  # extracted with its state: the next interval starts (while it loads)
            kwargs.pop("refresh", None)  # the first chunk dropped what a full refresh drops; later ones add to it
            source = rebuild(next_selection(source, stopped))
    except BaseException:
        if behind is not None:  # what the load in flight commits stays committed; a second Ctrl-C leaves it
            loaded = behind.result(raise_error=False)
            if loaded is not None:
                chunks.took("load", behind.seconds)
                _committed(pipeline, chunks, loaded, behind.stopped, checkpoints, on_checkpoint)
        raise


LOAD_FAILED = "the previous checkpoint's load failed"
"""The stop a failed load behind asks of the extract in progress (the run then raises the load's error)."""


def _load_failed(pipeline: Pipeline, checkpoints: Checkpoints, chunk: int, error: BaseException) -> None:
    """In the load's thread: says so now, and stops the extract in flight at its next checkpoint."""
    logger.warning("%s (the load of checkpoint %d, behind the next chunk's extract); that chunk stops at its next "
                   "checkpoint and keeps its extract for the next run", error_line(pipeline.dataset_name, error), chunk)
    checkpoints.request_stop(LOAD_FAILED)


def _committed(pipeline: Pipeline, chunks: Chunks, info: LoadInfo | None, stopped: dict[str, str],
               checkpoints: Checkpoints, on_checkpoint: Callable[[LoadInfo | None, dict[str, str]], None]) -> None:
    """A chunk's load ended: counted, and when the chunk stopped at a checkpoint, said and observed."""
    chunks.loaded(info)
    if not stopped:
        return
    chunks.positions = dict(stopped)
    logger.info("%s: checkpoint %d committed (%s); %s", pipeline.pipeline_name, chunks.count,
                ", ".join(f"{name} at {where}" if where else name for name, where in sorted(stopped.items())),
                "stopping: " + str(checkpoints.stop_reason) if checkpoints.stop_reason else "going on")
    on_checkpoint(info, stopped)
