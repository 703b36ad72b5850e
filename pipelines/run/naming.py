"""Pipeline names: which dlt pipeline a (vendor, tenant) uses for a destination.

dlt keeps a pipeline's local state and pending load packages under its name, so one name must never
serve two destinations. A vendor/tenant's pipeline is called plainly ``hollyhr`` (``hollyhr_acme``) for
the first destination it loads into from a pipelines dir; a run into any other destination uses
``hollyhr__<kind>_<hash8>`` (``hollyhr__duckdb_1a2b3c4d``), the hash taken over the destination's kind and
location (DuckDB: the file's absolute path; Postgres: ``host:port/database``; BigQuery:
``project/location``), never a password. Each pipeline records the location it belongs to in its dlt
local state (:data:`LOCATION_KEY`). A plain-named pipeline made by an earlier hr-elt (no record) is
adopted by the first run into a destination of the same kind.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.exceptions import CannotRestorePipelineException
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.destinations import DestinationRef
from pipelines.run.lock import PipelineLock
from pipelines.run.tenants import Target

LOCATION_KEY = "hr_elt_destination"
"""Key in a pipeline's dlt local state: ``{"kind", "location", "fingerprint"}`` of the destination it belongs to."""

PIPELINE_NOTE = "hr-elt pipeline: "
"""Prefix of the note (``BaseException.add_note``) the run path adds to a run's error: the pipeline's CLI arguments."""

logger = logging.getLogger("pipelines.run.naming")


def _pipeline_dir(pipelines_dir: str | None, name: str) -> Path:
    return Path(pipelines_dir or get_dlt_pipelines_dir()) / name


def suffixed_name(target_name: str, ref: DestinationRef) -> str:
    """``hollyhr__duckdb_1a2b3c4d``: the target's pipeline for a destination other than its first."""
    return f"{target_name}__{ref.kind}_{ref.fingerprint}"


def recorded_location(pipeline: Pipeline) -> dict[str, str] | None:
    """The destination record a pipeline keeps (:data:`LOCATION_KEY`); None when it has none."""
    try:
        value = pipeline.get_local_state_val(LOCATION_KEY)
    except KeyError:
        return None
    return value if isinstance(value, dict) else None


def _attach(name: str, pipelines_dir: str | None) -> Pipeline | None:
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
        recorded = recorded_location(plain)
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


def pipeline_arguments(pipeline_name: str, pipelines_dir: str | None = None) -> str:
    """``[--pipelines-dir DIR] NAME``: what ``dlt pipeline`` needs to find a pipeline."""
    if pipelines_dir and os.path.abspath(pipelines_dir) != os.path.abspath(get_dlt_pipelines_dir()):
        return f"--pipelines-dir {pipelines_dir} {pipeline_name}"
    return pipeline_name
