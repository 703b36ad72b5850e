"""The record checks, each as a dict twin (one record) and an Arrow twin (every row of a table, columnar).

Each check gives the first problem of a record (dict twin) or, per row index, of a table's rows
(Arrow twin, ``pyarrow.compute``): a primary key present (not null, not ``""``), the incremental
cursor present, no string longer than the limit (strings in nested values too). The reasons read
the same for both, and :func:`record_problem` / :func:`table_problems` apply them in the same order.
Arrow columns carry their type: the type-change check (:mod:`.type_changes`) is dict-only. pyarrow
and numpy are imported with the first Arrow item: a vendor that yields only dicts never loads them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

ArrowItem = Any  # a pyarrow Table or RecordBatch
Note = Callable[[Any, "str | list[str | None]"], None]  # (row mask, reason or reason per row)


def is_arrow(item: Any) -> bool:
    """True for a pyarrow Table or RecordBatch."""
    pa = sys.modules.get("pyarrow")  # not imported: the item cannot be an Arrow table
    return pa is not None and isinstance(item, (pa.Table, pa.RecordBatch))


# --- primary key -------------------------------------------------------------------------
def missing_key(record: dict[str, Any], primary_key: tuple[str, ...]) -> str | None:
    for key in primary_key:
        if record.get(key) in (None, ""):
            return f"missing primary key {key}"
    return None


def missing_key_rows(table: ArrowItem, primary_key: tuple[str, ...], note: Note, everywhere: Any) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    names = table.schema.names
    for key in primary_key:
        if key not in names:
            note(everywhere, f"missing primary key {key}")
            continue
        column = table.column(key)
        missing = pc.is_null(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            missing = pc.fill_null(pc.or_kleene(missing, pc.equal(column, "")), True)
        note(missing, f"missing primary key {key}")


# --- incremental cursor ------------------------------------------------------------------
def missing_cursor(record: dict[str, Any], cursor: str | None) -> str | None:
    if cursor is not None and record.get(cursor) is None:
        return f"missing incremental cursor {cursor}"
    return None


def missing_cursor_rows(table: ArrowItem, cursor: str | None, note: Note, everywhere: Any) -> None:
    import pyarrow.compute as pc

    if cursor is not None:
        note(pc.is_null(table.column(cursor)) if cursor in table.schema.names else everywhere,
             f"missing incremental cursor {cursor}")


# --- long strings ------------------------------------------------------------------------
def long_string(record: dict[str, Any], limit: int) -> str | None:
    if limit and _may_hold_long_string(record, limit):
        found = _long_string(record, limit)
        if found is not None:
            return long_reason(*found, limit)
    return None


def long_string_rows(table: ArrowItem, limit: int, note: Note) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not limit:
        return
    for name, column in zip(table.schema.names, table.columns, strict=True):
        if name.startswith("_dlt_"):
            continue  # dlt's own columns (row and load ids)
        kind = column.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            lengths = pc.utf8_length(column)
            longest = pc.max(lengths).as_py()
            if longest is not None and longest > limit:
                note(pc.fill_null(pc.greater(lengths, limit), False),
                     [None if n is None or n <= limit else long_reason(name, n, limit)
                      for n in lengths.to_pylist()])
        elif _nested(kind):
            hits = [_long_string(v, limit, name) for v in column.to_pylist()]
            if any(hits):
                note(pa.array([h is not None for h in hits]),
                     [None if h is None else long_reason(h[0], h[1], limit) for h in hits])


def long_reason(name: str, length: int, limit: int) -> str:
    return f"field {name} holds a string of {length:,} characters (hr_elt.max_string_length is {limit:,})"


def _nested(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_struct(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind)
                or pa.types.is_map(kind) or pa.types.is_fixed_size_list(kind))


def _may_hold_long_string(record: dict[str, Any], limit: int) -> bool:
    """A fast pass over the top level: True when a long string, or a nested value, may hide one."""
    for value in record.values():
        kind = type(value)
        if kind is str:
            if len(value) > limit:
                return True
        elif kind is dict or kind is list:
            return True
    return False


def _long_string(obj: Any, limit: int, path: str = "") -> tuple[str, int] | None:
    if isinstance(obj, str):
        return (path or "value", len(obj)) if len(obj) > limit else None
    if isinstance(obj, dict):
        for key, value in obj.items():
            if isinstance(value, str):
                if len(value) > limit:
                    return (f"{path}.{key}" if path else str(key), len(value))
            elif isinstance(value, (dict, list)):
                found = _long_string(value, limit, f"{path}.{key}" if path else str(key))
                if found:
                    return found
    elif isinstance(obj, list):
        for value in obj:
            found = _long_string(value, limit, path)
            if found:
                return found
    return None


# --- all checks --------------------------------------------------------------------------
def record_problem(record: dict[str, Any], primary_key: tuple[str, ...], cursor: str | None,
                   limit: int) -> str | None:
    """The first problem of a dict record (primary key, cursor, long string), None for a good one."""
    return missing_key(record, primary_key) or missing_cursor(record, cursor) or long_string(record, limit)


def table_problems(table: ArrowItem, primary_key: tuple[str, ...], cursor: str | None,
                   limit: int) -> dict[int, str]:
    """Row index -> the first problem of that row of an Arrow table (none: a good row)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    found: dict[int, str] = {}
    everywhere = pa.array(np.ones(table.num_rows, dtype=bool))

    def note(mask: Any, reason: str | list[str | None]) -> None:
        if not pc.any(mask).as_py():
            return
        for index in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
            why = reason if isinstance(reason, str) else reason[int(index)]
            if why is not None:
                found.setdefault(int(index), why)

    missing_key_rows(table, primary_key, note, everywhere)
    missing_cursor_rows(table, cursor, note, everywhere)
    long_string_rows(table, limit, note)
    return found
