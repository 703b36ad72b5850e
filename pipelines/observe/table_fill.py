"""How full a loaded table's columns are: the warehouse side of field coverage.

Field coverage judges a field against what the table holds, not against one load: an incremental
load of one record says nothing about a field the other rows of the table carry. The coverage
observer reads :func:`read_fill` once before a run (what the table held) and once after its load
(what it holds now); :class:`ColumnFill` is one column's pair of counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dlt.pipeline.pipeline import Pipeline


@dataclass(frozen=True)
class TableFill:
    """One table's row count and non-null count per column (columns the table lacks count 0)."""

    rows: int
    non_null: Mapping[str, int]

    def of(self, column: str | None) -> int:
        """Non-null rows of `column` (0 when the table has no such column)."""
        return self.non_null.get(column, 0) if column else 0


EMPTY = TableFill(0, {})
"""A table that does not exist yet."""


@dataclass(frozen=True)
class ColumnFill:
    """A column's non-null rows before a run and after its load, and the table's rows before and after.

    Attributes:
        before: Non-null rows before the run.
        after: Non-null rows after the load.
        rows_before: The table's rows before the run.
        rows_after: The table's rows after the load.
    """

    before: int
    after: int
    rows_before: int
    rows_after: int

    @property
    def lost(self) -> int:
        """Values the load took away from rows it re-read (rows that left the table are not counted)."""
        return max(0, self.before - self.after - max(0, self.rows_before - self.rows_after))


def read_fill(pipeline: Pipeline, tables: Mapping[str, str]) -> dict[str, TableFill | None]:
    """``resource -> fill`` of each resource's table; :data:`EMPTY` before it exists; None when it cannot be read.

    Args:
        pipeline: The run's pipeline (its schema names the tables' columns).
        tables: ``resource -> table`` of the resources to read.
    """
    if not pipeline.default_schema_name:
        return {resource: EMPTY for resource in tables}
    schema = pipeline.default_schema
    out: dict[str, TableFill | None] = {}
    for resource, table in tables.items():
        known = schema.tables.get(table)
        columns = [c for c in (known or {}).get("columns", {}) if not c.startswith("_dlt_")]
        if known is None or not columns:
            out[resource] = EMPTY
            continue
        try:
            with pipeline.sql_client() as client:
                counts = ", ".join(f"count({client.escape_column_name(c)})" for c in columns)
                rows = client.execute_sql(f"select count(*), {counts} from {client.make_qualified_table_name(table)}")
        except Exception:  # the table is in the schema but not (yet) in the warehouse, or the warehouse is away
            out[resource] = None
            continue
        total, *non_null = rows[0] if rows else (0, *([0] * len(columns)))
        out[resource] = TableFill(int(total), {c: int(n) for c, n in zip(columns, non_null, strict=True)})
    return out
