"""History of the employee-like records: an append log of every version a run loaded.

A vendor declares, next to a resource it merges on its key (the current state), a sibling resource
``<resource>_versions`` built here: a dlt transformer over that resource that appends every record
the resource yields, stamped with when this run saw it (``_hr_observed_at``). The current-state
table stays as it is; the versions table only grows.

Why an append log and not dlt's ``scd2`` on a sibling table: every vendor resource already yields
only what is new or changed (HollyHR's ``updated_since``, the snapshot walks' content digests), so
appending what is yielded *is* the log of changed versions, with no extra comparison in the
warehouse. ``scd2`` would need a complete extract each run (or it retires what was not re-sent),
rewrites the retired row's ``_dlt_valid_to`` on every change (an UPDATE per version on BigQuery and
Postgres) and dates versions by load time only. The observed timeline is built from this log in dbt
(``hr_employment_history``), where consecutive identical versions collapse into one interval.

Records reach the transformer after the parent's record checks and PII step (dlt forks the parent
pipe after its last step), so a versions table holds exactly what the current table got. Items are
shared with the parent's table: they are copied here, never changed in place.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.extract.hints import HintsMeta
from dlt.extract.items import TableNameMeta
from dlt.extract.resource import DltResource

OBSERVED_AT = "_hr_observed_at"
"""When the run that loaded a version saw it (UTC, the source's creation: one value per run)."""
VERSIONS_SUFFIX = "_versions"


def versions_table(resource: str) -> str:
    """The name of the versions table of `resource` (``employees`` -> ``employees_versions``)."""
    return f"{resource}{VERSIONS_SUFFIX}"


def observed_now() -> datetime.datetime:
    """The current time in UTC: the ``_hr_observed_at`` of every version a run loads."""
    return datetime.datetime.now(datetime.UTC)


def versions_of(parent: DltResource, key: str, observed_at: datetime.datetime) -> DltResource:
    """The append log of `parent`'s records: every record it yields, with ``_hr_observed_at``.

    Args:
        parent: A resource or transformer of the vendor's source (its table keeps the current state).
        key: The records' key column: a version is the record as one run saw it, so the versions'
            primary key is ``(key, _hr_observed_at)`` (a hint: an append never deduplicates).
        observed_at: When this run saw the records (one value per run, e.g. :func:`observed_now`
            taken when the source is created).

    Returns:
        The transformer ``<parent>_versions`` (write disposition ``append``).
    """
    name = versions_table(parent.name)
    parent_table = parent.table_name if isinstance(parent.table_name, str) else parent.name

    @dlt.transformer(name=name, write_disposition="append", primary_key=(key, OBSERVED_AT),
                     columns={OBSERVED_AT: {"data_type": "timestamp", "nullable": False}})
    def versions(items: TDataItems, meta: Any = None) -> Iterator[TDataItems]:
        if _table_of(meta) not in (None, parent_table):
            return  # rows the parent sent to another table of its own (e.g. ByteHR's custom_field_values)
        stamped = _stamp(items, observed_at)
        if stamped is not None:  # named: an item's table travels with it through a transformer otherwise
            yield dlt.mark.with_table_name(stamped, name)

    return parent | versions


def _table_of(meta: Any) -> str | None:
    """The table an item's meta sends it to (``dlt.mark.with_table_name`` / ``with_hints``); None: its resource's."""
    if isinstance(meta, TableNameMeta):
        return meta.table_name
    if isinstance(meta, HintsMeta):
        table = meta.hints.get("table_name")
        return table if isinstance(table, str) else None
    return None


def _stamp(items: Any, observed_at: datetime.datetime) -> Any:
    """Copies of `items` (a list of dicts, a dict or an Arrow table) with ``_hr_observed_at``; None when empty."""
    if isinstance(items, dict):
        return {**items, OBSERVED_AT: observed_at}
    if isinstance(items, list):
        rows = [{**row, OBSERVED_AT: observed_at} for row in items if isinstance(row, dict)]
        return rows or None
    if hasattr(items, "append_column") and hasattr(items, "num_rows"):  # an Arrow table (pyarrow is loaded then)
        if not items.num_rows:
            return None
        import pyarrow as pa  # only where a resource yields Arrow tables: the items are Arrow already

        column = pa.array([observed_at] * items.num_rows, type=pa.timestamp("us", tz="UTC"))
        field = pa.field(OBSERVED_AT, column.type, nullable=False)  # as the column hint says
        if OBSERVED_AT in items.column_names:
            return items.set_column(items.column_names.index(OBSERVED_AT), field, column)
        return items.append_column(field, column)
    return None
