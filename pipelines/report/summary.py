"""Human-readable run summaries."""

from __future__ import annotations

from pipelines.run.naming import pipeline_arguments
from pipelines.run.result import RunResult, resource_counts


def format_summary(result: RunResult) -> str:
    """A few lines: rows per table (with what the source knows of them), requests, duration."""
    lines = [
        f"{result.vendor}: loaded into {result.destination} dataset {result.dataset} "
        f"in {result.seconds:.1f}s, {result.requests} requests"
        + (f" [{result.status}: stopped at a checkpoint]" if result.status in ("incomplete", "interrupted") else "")
        + (f" ({result.retries} retries, {result.throttled} throttled)" if result.retries or result.throttled else ""),
        f"  pipeline: dlt pipeline {pipeline_arguments(result.pipeline_name, result.pipelines_dir)} "
        "info|trace|schema|load-package",
    ]
    if result.rows:
        width = max(len(t) for t in result.rows)
        split = changes_by_table(result)
        lines += [f"  {table:<{width}}  {n:>8} rows" + (f": {split[table]}" if split.get(table) else "")
                  for table, n in result.rows.items()]
    else:
        lines.append("  no new or changed rows")
    lines += [f"  note: {note}" for note in result.notes]
    lines += [f"  warning: {warning}" for warning in result.warnings]
    return "\n".join(lines)


def changes_by_table(result: RunResult) -> dict[str, str]:
    """``1 inserted, 1 updated, 1 deleted (flagged), 9 unchanged`` per resource table: the known counts only.

    The same counts as the JSON summary (:func:`pipelines.run.result.resource_counts`); a count
    that is not known (null there) or zero is left out, and ``upserted`` is said only when the split
    into inserted and updated is not known.
    """
    said: dict[str, str] = {}
    for entry in result.resources.values():
        table = entry["table"]
        counts = resource_counts(entry, result.rows.get(table, 0))
        if counts["inserted"] is not None and counts["updated"] is not None:
            parts = [f"{counts['inserted']} inserted", f"{counts['updated']} updated"]
        else:
            parts = [f"{counts['upserted']} upserted"] if counts["upserted"] is not None else []
        if counts["deleted"]:
            how = f" ({counts['deleted_as']})" if counts["deleted_as"] else ""
            parts.append(f"{counts['deleted']} deleted{how}")
        if counts["unchanged"]:
            parts.append(f"{counts['unchanged']} unchanged")
        said[table] = ", ".join(p for p in parts if not p.startswith("0 "))
    return said
