"""Human-readable run summaries and error lines."""

from __future__ import annotations

import os
from typing import TypeVar

from pipelines.destinations import DestinationConfigError
from pipelines.failures import dsn_problem, last_resort, partial_line, root_cause
from pipelines.runner import RunResult
from sources._shared.errors import ProviderError, ProviderPartialFailure, exception_chain

E = TypeVar("E", bound=BaseException)

PIPELINE_NOTE = "hr-elt pipeline: "
"""Prefix of the note (``BaseException.add_note``) the run path adds to a run's error: the pipeline's CLI arguments."""


def format_summary(result: RunResult) -> str:
    """A few lines: rows per table (with what the source knows of them), requests, duration."""
    lines = [
        f"{result.vendor}: loaded into {result.destination} dataset {result.dataset} "
        f"in {result.seconds:.1f}s, {result.requests} requests"
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

    The same counts as the JSON summary (:func:`pipelines.summary_json.resource_counts`); a count
    that is not known (null there) or zero is left out, and ``upserted`` is said only when the split
    into inserted and updated is not known.
    """
    from pipelines.summary_json import resource_counts

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


def pipeline_arguments(pipeline_name: str, pipelines_dir: str | None = None) -> str:
    """``[--pipelines-dir DIR] NAME``: what ``dlt pipeline`` needs to find a pipeline."""
    from dlt.common.pipeline import get_dlt_pipelines_dir

    if pipelines_dir and os.path.abspath(pipelines_dir) != os.path.abspath(get_dlt_pipelines_dir()):
        return f"--pipelines-dir {pipelines_dir} {pipeline_name}"
    return pipeline_name


def find_provider_error(exc: BaseException) -> ProviderError | None:
    """The ProviderError behind an exception, following dlt's wrapping."""
    return _find(exc, ProviderError)


def _find(exc: BaseException, kind: type[E]) -> E | None:
    return next((error for error in exception_chain(exc) if isinstance(error, kind)), None)


def error_line(vendor: str, exc: BaseException, pipeline: str | None = None) -> str:
    """One line that says what failed and what to do.

    Args:
        vendor: The vendor (or tenant section) the line starts with.
        exc: What went wrong.
        pipeline: ``[--pipelines-dir DIR] NAME`` of the pipeline, for the ``dlt pipeline`` advice;
            default: `vendor`.
    """
    pipeline = pipeline or next((n[len(PIPELINE_NOTE):] for n in getattr(exc, "__notes__", ())
                                 if n.startswith(PIPELINE_NOTE)), None)
    partial = _find(exc, ProviderPartialFailure)
    if partial is not None:
        tables = [t for t, n in getattr(partial.result, "rows", {}).items() if n]
        return partial_line(partial.provider, partial.failures, tables)
    provider_error = find_provider_error(exc)
    if provider_error is not None:
        return str(provider_error)
    destination_error = _find(exc, DestinationConfigError)
    if destination_error is not None:
        return f"{vendor}: {dsn_problem(destination_error.destination) or destination_error}"
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.common.schema.exceptions import DataValidationError

    violation = _find(exc, DataValidationError)
    if violation is not None:
        where = f"table {violation.table_name}" + (f" column {violation.column_name}" if violation.column_name else "")
        return (f"{vendor}: schema contract violated in {where}: {violation.schema_entity} are frozen "
                f"({violation.contract_mode}); nothing of this run was loaded: allow evolution in the "
                f"resource's schema_contract or fix the data, then drop the pending package "
                f"(dlt pipeline {pipeline or vendor} drop-pending-packages)")

    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ConfigFieldMissingException):
            keys = ", ".join(
                f"sources.{vendor}.{f} (env SOURCES__{vendor.upper()}__{f.upper()})" for f in current.fields
            )
            return f"{vendor}: missing setting {keys}: put it in .dlt/secrets.toml or .dlt/config.toml, or the env"
        current = current.__cause__ or current.__context__
    if "PostgresCredentials" in str(exc) and (problem := dsn_problem("postgres")):
        return f"{vendor}: {problem}"
    return root_cause(vendor, exc) or last_resort(vendor, exc)
