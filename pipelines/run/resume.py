"""A run starts from the state the destination holds, whatever the pipelines dir holds.

A worker with an empty pipelines dir (a container, a Celery worker) must ask the vendor for what a warm
worker would ask, no more. dlt restores a pipeline's state and schemas from the destination when it
runs (``sync_destination``), under the pipeline's name, which is the same on every machine
(:mod:`pipelines.run.naming`). :func:`resume_from_destination` does three things before the run path
reads the state itself (the PII review, the backfill of children that never loaded):

1. loads what a local pipeline of the target under an older name left pending for this destination,
   so its rows and state are in the destination before anything is adopted, and removes that local
   pipeline's folder (its state now lives under the current name);
2. adopts a state the destination keeps under an older name (:mod:`pipelines.run.adoption`);
3. syncs the pipeline with the destination (skipped when the pipeline has pending packages: the run
   path loads those first, and dlt's own sync in ``run`` follows).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.exceptions import CannotRestorePipelineException
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.adoption import adopt_older_states
from pipelines.run.destinations import DestinationRef
from pipelines.run.naming import pipelines_of, recorded_location
from pipelines.run.tenants import Target
from sources._shared.context import RunContext


def resume_from_destination(pipeline: Pipeline, target: Target, ref: DestinationRef, context: RunContext,
                            pipelines_dir: str | None) -> None:
    """Brings `pipeline` to the state its destination holds (module docstring); says what it adopted."""
    log = logging.getLogger(f"sources.{target.vendor}")
    for name, line in finish_older_local(pipeline, target, ref, pipelines_dir):
        context.note(target.vendor, f"adopted/local/{name}", line)
        log.warning("%s", line)
    adoption = adopt_older_states(pipeline, target.name)
    if adoption is not None:
        text = adoption.describe(pipeline.pipeline_name, f"{ref.kind} {ref.location}")
        context.note(target.vendor, "adopted", text)
        log.warning("%s", text)
    if not pipeline.has_pending_data:
        pipeline.sync_destination()


def finish_older_local(pipeline: Pipeline, target: Target, ref: DestinationRef,
                       pipelines_dir: str | None) -> list[tuple[str, str]]:
    """Loads and removes this pipelines dir's older-named pipelines of the target made for `ref`.

    A pipeline made by an hr-elt that kept no destination record is left alone: which destination it
    belongs to is not known.

    Returns:
        The name of each pipeline handled and one line for the log and the summary.
    """
    lines: list[tuple[str, str]] = []
    for name in pipelines_of(target.name, pipelines_dir):
        if name == pipeline.pipeline_name:
            continue
        old = _attach(name, pipelines_dir)
        if old is None:
            continue
        recorded = recorded_location(old)
        if recorded is None or recorded.get("fingerprint") != ref.fingerprint:
            continue
        pending = old.has_pending_data
        if pending:
            kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
            loader = dlt.pipeline(pipeline_name=name, destination=ref.destination, dataset_name=old.dataset_name,
                                  **kwargs)
            loader.run()  # dlt loads the pending packages and stops there
        shutil.rmtree(Path(pipelines_dir or get_dlt_pipelines_dir()) / name)
        done = "loaded its pending packages and " if pending else ""
        lines.append((name, f"local pipeline {name} {done}was removed: "
                     f"its state is now {pipeline.pipeline_name!r}'s (the name every worker uses for {ref.kind} "
                     f"{ref.location})"))
    return lines


def _attach(name: str, pipelines_dir: str | None) -> Pipeline | None:
    try:
        old: Pipeline = dlt.attach(pipeline_name=name, pipelines_dir=pipelines_dir)  # type: ignore[arg-type]
    except CannotRestorePipelineException:
        return None
    return old
