"""Which resources a run loads, so that selecting a subset never leaves a permanent gap.

HollyHR-style children (dlt transformers) are read for the records their parent returns. Two
things follow, for any vendor that has them:

- A selected child always brings its parent: dlt extracts the parent anyway, and its incremental
  cursor would move past rows that never load.
- A child that has never loaded (it was not selected before, or it was reset) needs every parent
  record once: the parent's incremental state is reset before the run, so the parent is read in full
  and the child gets its backfill. Tables are kept; the parent's rows merge onto themselves.
"""

from __future__ import annotations

import logging
from typing import Any

from dlt import Pipeline
from dlt.pipeline.helpers import pipeline_drop
from dlt.sources import DltSource

from sources import registry
from sources._shared.context import RunContext
from sources._shared.errors import ProviderConfigError


def parse_resources(text: str) -> list[str]:
    """``--resources a,b``: the names, in order, without blanks.

    Raises:
        ValueError: no name at all (``--resources ""``): loading everything is what leaving it out does.
    """
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError(f"--resources {text!r} names no resource: name at least one, or leave it out to load all")
    return list(dict.fromkeys(names))


def missing_resources(vendor: str, resources: list[str]) -> list[str]:
    """The names in `resources` that `vendor` has no resource for."""
    own = set(registry.get(vendor).resources)
    return [name for name in resources if name not in own]


def lacks_line(vendor: str, missing: list[str]) -> str:
    """``<vendor> has no resource(s) ...; its resources: ...``."""
    plural = "s" if len(missing) > 1 else ""
    return (f"{vendor} has no resource{plural} {', '.join(missing)}; its resources: "
            f"{', '.join(registry.get(vendor).resources)}")


def check_selection(vendor: str, resources: list[str]) -> None:
    """Refuses a selection naming resources `vendor` lacks, before any request (one line naming them).

    Raises:
        ProviderConfigError: a name is not one of the vendor's resources.
    """
    missing = missing_resources(vendor, resources)
    if missing:
        raise ProviderConfigError(vendor, f"--resources: {lacks_line(vendor, missing)}",
                                  hint="name only resources of this vendor")


def select_with_parents(source: DltSource, resources: list[str], context: RunContext, vendor: str) -> DltSource:
    """Selects `resources`, the resources they read from (a transformer's parent, recursively) and their versions.

    The versions of a selected resource (``VendorSpec.history``) are always loaded with it: its
    changes would otherwise be missing from the history for good.

    Raises:
        ProviderConfigError: a name is not one of the vendor's resources.
    """
    check_selection(vendor, resources)
    history = registry.get(vendor).history
    resources = [*resources, *sorted(v for v, kept in history.items() if kept in resources and v not in resources)]
    source = source.with_resources(*resources)
    parents = {parent for parent, child in source.resources.selected_dag if child != parent} - set(resources)
    if not parents:
        return source
    context.note(vendor, "selection", f"also loads {', '.join(sorted(parents))}: the selected resources are "
                 "read for the records it returns")
    logging.getLogger(f"sources.{vendor}").info("--resources %s also loads %s (their parent)",
                                                ",".join(resources), ", ".join(sorted(parents)))
    return source.with_resources(*resources, *sorted(parents))


def parents_to_reread(pipeline: Pipeline, source: DltSource, vendor: str) -> dict[str, list[str]]:
    """Parents whose saved cursor would hide records from a selected child that has never loaded.

    Only the vendor's own resources count as children (not the run path's side tables, such as the
    rejected-records tables, which load only when there is something to say).

    Returns:
        ``parent -> [children that have never loaded]``, for parents that have saved state.
    """
    if not pipeline.default_schema_name:
        return {}  # a first run reads everything anyway
    seen = set(pipeline.default_schema.data_table_names(seen_data_only=True))
    saved: dict[str, Any] = pipeline.state.get("sources", {}).get(source.name, {}).get("resources", {})
    own = set(registry.get(vendor).resources)
    found: dict[str, list[str]] = {}
    for parent, child in source.resources.selected_dag:
        if child == parent or parent not in saved or child not in own:
            continue
        table = source.resources[child].table_name
        if not isinstance(table, str) or table not in seen:
            found.setdefault(parent, []).append(child)
    return found


def reread_parents_of_new_children(pipeline: Pipeline, source: DltSource, context: RunContext, vendor: str) -> None:
    """Resets the saved state of parents whose children have never loaded (see the module docstring)."""
    found = parents_to_reread(pipeline, source, vendor)
    if not found:
        return
    pipeline_drop(pipeline, resources=sorted(found), schema_name=source.name, state_only=True)()
    for parent, children in sorted(found.items()):
        text = (f"{', '.join(children)} had never loaded: {parent} is read in full this run so "
                f"{'they get' if len(children) > 1 else 'it gets'} every {parent} record")
        context.note(vendor, f"backfill/{parent}", text)
        logging.getLogger(f"sources.{vendor}").info(text)
