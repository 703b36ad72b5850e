"""Pipeline names: the dlt pipeline a (vendor, tenant) uses for a destination, the same on every machine.

A pipeline's name is a function of the target and the destination alone:
``<target>__<kind>_<hash8>`` (``hollyhr__duckdb_1a2b3c4d``, ``hollyhr_acme__postgres_5e6f7a8b``), the hash
taken over the destination's kind and location (DuckDB: the file's absolute path; Postgres:
``host:port/database``; BigQuery: ``project/location``), never a login or password. Every worker, warm or
with an empty pipelines dir, so picks the name under which the destination keeps the pipeline's state
(``_dlt_pipeline_state``), and dlt restores that state before the run asks the vendor for anything
(:mod:`pipelines.run.resume`). An earlier hr-elt named the first destination's pipeline plainly
(``hollyhr``); such states are adopted once (:mod:`pipelines.run.adoption`). Each pipeline also records
the destination it belongs to in its dlt local state (:data:`LOCATION_KEY`). docs/tenants.md.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.pipeline import Pipeline

from pipelines.run.destinations import DestinationRef
from pipelines.run.tenants import Target

LOCATION_KEY = "hr_elt_destination"
"""Key in a pipeline's dlt local state: ``{"kind", "location", "fingerprint"}`` of the destination it belongs to."""

PIPELINE_NOTE = "hr-elt pipeline: "
"""Prefix of the note (``BaseException.add_note``) the run path adds to a run's error: the pipeline's CLI arguments."""

logger = logging.getLogger("pipelines.run.naming")


def suffixed_name(target_name: str, ref: DestinationRef) -> str:
    """``hollyhr__duckdb_1a2b3c4d``: the target's pipeline for `ref` (module docstring)."""
    return f"{target_name}__{ref.kind}_{ref.fingerprint}"


def bind_pipeline_name(target_name: str, ref: DestinationRef) -> str:
    """The pipeline name of `target_name` for `ref`: the same on every machine and every run."""
    return suffixed_name(target_name, ref)


def name_pattern(target_name: str) -> re.Pattern[str]:
    """Every name a target's pipeline has had: plain (an earlier hr-elt) or ``<target>__<kind>_<hash8>``."""
    return re.compile(rf"^{re.escape(target_name)}(__[a-z]+_[0-9a-f]{{8}})?$")


def recorded_location(pipeline: Pipeline) -> dict[str, str] | None:
    """The destination record a pipeline keeps (:data:`LOCATION_KEY`); None when it has none."""
    try:
        value = pipeline.get_local_state_val(LOCATION_KEY)
    except KeyError:
        return None
    return value if isinstance(value, dict) else None


def pipelines_of(target_name: str, pipelines_dir: str | None = None) -> list[str]:
    """Local pipelines of a vendor/tenant (``hollyhr``, ``hollyhr__postgres_…``), most recently run first.

    For commands that read a vendor's saved state by name (``hr-elt quota bytehr``).
    """
    root = Path(pipelines_dir or get_dlt_pipelines_dir())
    pattern = name_pattern(target_name)
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
    """The target's plain name, ``hollyhr`` or ``hollyhr_acme`` (dataset, config section, name prefix)."""
    return Target(vendor, tenant).name


def pipeline_arguments(pipeline_name: str, pipelines_dir: str | None = None) -> str:
    """``[--pipelines-dir DIR] NAME``: what ``dlt pipeline`` needs to find a pipeline."""
    if pipelines_dir and os.path.abspath(pipelines_dir) != os.path.abspath(get_dlt_pipelines_dir()):
        return f"--pipelines-dir {pipelines_dir} {pipeline_name}"
    return pipeline_name
