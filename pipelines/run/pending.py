"""Packages an earlier run left pending (killed, stopped, or its load failed): loaded first, where they were made for.

A first sync whose load fails leaves its package pending, but ``pipeline.run()`` would discard it: it
syncs with the destination, finds no state there and resets the working folder (knowhow.md,
"Checkpoints inside a long sync"), so every request is sent again. Normalizing and loading the pending
packages first, then running, keeps the extract: the rerun asks only for what was not yet extracted.
"""

from __future__ import annotations

import logging

from dlt.pipeline.pipeline import Pipeline

from pipelines.run.checkpoints import Chunks
from sources._shared.context import RunContext


def load_pending(pipeline: Pipeline, context: RunContext, vendor: str, location: str, chunks: Chunks) -> None:
    """Normalizes and loads what an earlier run of `pipeline` left pending, and says so in the run's notes.

    Raises what the load raises (the destination still refuses): the run fails before any request.
    """
    if not pipeline.has_pending_data:
        return
    # the load file format was chosen when the package was extracted (its tables' hints)
    normalized = pipeline.normalize() if pipeline.list_extracted_load_packages() else None
    counts = normalized.row_counts if normalized else {}
    rows = {table: n for table, n in counts.items() if not table.startswith("_dlt")}
    info = pipeline.load()
    for table, n in rows.items():
        chunks.rows[table] = chunks.rows.get(table, 0) + n
    chunks.load_ids.extend(info.loads_ids)
    loaded = f"{sum(rows.values())} rows" if rows else "the rows"
    text = (f"first loaded {loaded} an earlier run had extracted but not loaded (it was stopped, or its load "
            f"failed; load {', '.join(info.loads_ids) or 'none'}) into {location}, the destination they were made "
            "for; then asked the vendor only for what came after")
    context.note(vendor, "pending", text)
    logging.getLogger(f"sources.{vendor}").info("%s", text)
