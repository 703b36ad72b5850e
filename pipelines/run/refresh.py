"""``--full-refresh`` that keeps history: the vendor's versions tables survive a reload.

dlt's ``refresh`` (``drop_sources`` / ``drop_resources``) drops every table of the resources a run
extracts, and a run always extracts the versions resources with their parents
(``sources/_shared/history.py``): their tables, the only record of what the vendor said in the
past, would go with the current state. So when the warehouse holds history, the run path drops
the other tables and the state itself first (dlt's ``pipeline_drop``, the same drop dlt's refresh
does) and runs without ``refresh``; the versions tables stay and the reload appends to them.

``hr_elt.history.on_full_refresh = "drop"`` drops them too, and the run says so.
"""

from __future__ import annotations

import logging
from typing import Any

import dlt
from dlt import Pipeline
from dlt.extract import DltSource
from dlt.pipeline.helpers import pipeline_drop

from sources import registry
from sources._shared.context import RunContext
from sources._shared.errors import ProviderConfigError

SETTING = "history.on_full_refresh"
KEEP, DROP = "keep", "drop"


def on_full_refresh() -> str:
    """``hr_elt.history.on_full_refresh``: ``keep`` (default) or ``drop``.

    Raises:
        ProviderConfigError: another value.
    """
    value = str(dlt.config.get(f"hr_elt.{SETTING}", str) or KEEP).strip().lower()
    if value not in (KEEP, DROP):
        raise ProviderConfigError("hr_elt", f"{SETTING} {value!r} is not one of {KEEP}, {DROP}",
                                  hint="Fix hr_elt.history.on_full_refresh (env HR_ELT__HISTORY__ON_FULL_REFRESH)")
    return value


def full_refresh(pipeline: Pipeline, source: DltSource, vendor: str, selected: list[str] | None,
                 context: RunContext) -> dict[str, Any]:
    """Prepares a full refresh; returns the ``run()`` arguments that finish it.

    Without loaded history (or with ``on_full_refresh = "drop"``): dlt's own refresh, as before.
    With it: the tables and state of every resource but the versions are dropped here, and the run
    gets no ``refresh``.

    Args:
        pipeline: The run's pipeline.
        source: The run's source (after selection).
        vendor: The vendor's name.
        selected: The resources the user selected (None: all).
        context: The run's context; the note says what happened to the history.
    """
    plain = {"refresh": "drop_resources" if selected else "drop_sources"}
    versions = set(registry.get(vendor).history)
    mode = on_full_refresh()
    kept = _loaded(pipeline, source.name, versions & set(source.selected_resources))  # only this run's
    log = logging.getLogger(f"sources.{vendor}")
    if not kept:
        return plain
    if mode == DROP:
        text = (f"full refresh drops the history tables too ({', '.join(kept)}): "
                f"hr_elt.history.on_full_refresh = \"drop\"")
        context.note(vendor, "history", text)
        log.warning("%s", text)
        return plain
    schema = pipeline.schemas[source.name]
    owners = {str(t.get("resource") or t["name"]) for t in schema.data_tables(include_incomplete=True)}
    # the selection's parents are extracted (and were reset by dlt's refresh) with their children
    wanted = set(source.selected_resources) if selected else owners
    drop = sorted((owners & wanted) - versions)
    if drop:
        pipeline_drop(pipeline, resources=drop, schema_name=source.name,
                      state_paths=() if selected else "*")()
    text = (f"full refresh keeps the history tables ({', '.join(kept)}): the reload appends to them "
            "(hr_elt.history.on_full_refresh = \"drop\" drops them too)")
    context.note(vendor, "history", text)
    log.info("%s", text)
    return {}


def _loaded(pipeline: Pipeline, schema_name: str, tables: set[str]) -> list[str]:
    """The tables of `tables` that hold data in the pipeline's schema `schema_name`."""
    if schema_name not in pipeline.schema_names:
        return []
    seen = set(pipeline.schemas[schema_name].data_table_names(seen_data_only=True))
    return sorted(tables & seen)
