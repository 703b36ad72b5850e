"""Records handed to dlt as Arrow tables, so that extract writes parquet and normalize only copies it.

dlt's row-by-row normalizer costs ~12 us a row; an Arrow table goes through extract as parquet
and normalize imports the file as it is (bench/README.md, "Time vs the physical floor").
:class:`ArrowPages` turns the records a resource would yield (after its digests, cursor
bookkeeping and timestamp parsing) into Arrow tables with a fixed schema:

* the declared columns (dlt types from the resource's column hints) come first, in their order,
  always with the same Arrow type: a column that is all null on a page is still typed;
* a field the vendor adds (not declared) becomes a column of its own, typed from its values and
  kept at that type for the rest of the run; dlt adds the column to the table (schema evolution);
* ``_dlt_load_id`` and ``_dlt_id`` are added as dlt's normalizer adds them to dict records, so the
  table has the same columns whether or not ``normalize.parquet_normalizer.add_dlt_id`` /
  ``add_dlt_load_id`` are set, and whoever runs the source (``run_vendor``, a deploy recipe, a
  plain ``pipeline.run``). With ``add_dlt_id`` set, dlt's normalizer adds the id and the table
  leaves it out; dlt replaces ``_dlt_load_id`` with the same value when ``add_dlt_load_id`` is set.

Records that do not fit go to dlt as dicts, exactly as before: a value of another type than its
column's (e.g. a date that did not parse, a string in a number column), or an added field holding
objects, lists, mixed types or strings dlt would detect as timestamps. dlt then handles them as it
always did (variant columns, the record guard's type check, child tables).

Rows are batched (``batch_rows``, default 5,000): dlt's Arrow extractor costs ~0.65 ms per item
(schema merge and validation per table), so one table per 200-row page would cost ~3 s per
million rows. The resource flushes at the points where it moves its cursor.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

import dlt
import numpy as np
import pyarrow as pa
from dlt.common.schema.typing import TColumnSchema

from sources._shared.coverage import PRESENT_KEY
from sources._shared.rows.detections import current_type_detections, detected_type

DEFAULT_BATCH_ROWS = 5_000
DLT_ID, DLT_LOAD_ID = "_dlt_id", "_dlt_load_id"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
# inferred Arrow type -> the declared types whose column it may fill (after a safe cast)
_FITS: dict[str, tuple[str, ...]] = {
    "int64": ("bigint", "double"),
    "double": ("double",),
    "string": ("text",),
    "bool": ("bool",),
    "date32[day]": ("date",),
}
# Python types of an added field's values that become an Arrow column (others go as dicts)
_ADDED: dict[type, tuple[str, pa.DataType]] = {
    str: ("text", pa.string()),
    int: ("bigint", pa.int64()),
    float: ("double", pa.float64()),
    bool: ("bool", pa.bool_()),
}
_B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype=np.uint8)


def dlt_ids(n: int) -> pa.StringArray:
    """`n` random row ids (96 bits, 16 base64 characters each), as dlt gives every dict record one."""
    raw = np.frombuffer(os.urandom(n * 12), dtype=np.uint8).reshape(n, 4, 3).astype(np.uint32)
    bits = (raw[:, :, 0] << 16) | (raw[:, :, 1] << 8) | raw[:, :, 2]
    symbols = np.stack([(bits >> 18) & 63, (bits >> 12) & 63, (bits >> 6) & 63, bits & 63], axis=2)
    chars = _B64[symbols.reshape(n, 16)]
    offsets = np.arange(0, n * 16 + 1, 16, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes()))


class ArrowPages:
    """Builds Arrow tables of one resource's records, with a schema stable for the whole run.

    Args:
        columns: The resource's column hints, in the order the table has them; every column needs a
            ``data_type`` among text, bigint, double, bool, date, timestamp (UTC).
        batch_rows: Rows per table; :meth:`add` returns a batch once this many rows are held.
    """

    def __init__(self, columns: Mapping[str, TColumnSchema], batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        self.declared: dict[str, str] = {name: str(c["data_type"]) for name, c in columns.items()}
        self.fields: dict[str, pa.Field] = {
            name: pa.field(name, _ARROW_TYPES[kind], nullable=columns[name].get("nullable", True) is not False)
            for name, kind in self.declared.items()}
        self.added: dict[str, pa.DataType] = {}  # fields the vendor added, with the type their column got
        self.as_dicts: set[str] = set()  # added fields that only dicts carry (objects, mixed types...)
        self.batch_rows = batch_rows
        self.rows: list[dict[str, Any]] = []
        self.tables = 0
        self.dict_pages = 0
        self._load_id: str | None = None
        self._add_dlt_id: bool | None = None

    def add(self, rows: list[dict[str, Any]]) -> Iterator[Any]:
        """Holds `rows`; yields a table (or the records as dicts) when a batch is full."""
        self.rows.extend(rows)
        if len(self.rows) >= self.batch_rows:
            yield from self.flush()

    def flush(self) -> Iterator[Any]:
        """Yields the rows held: one Arrow table, or the list of records when they do not fit one."""
        rows, self.rows = self.rows, []
        if not rows:
            return
        table = self.table(rows)
        if table is None:
            self.dict_pages += 1
            yield rows
        else:
            self.tables += 1
            yield table

    def table(self, rows: list[dict[str, Any]]) -> pa.Table | None:
        """The records as an Arrow table, or None when some value does not fit its column."""
        names = Counter(chain.from_iterable(rows))  # keys in first-seen order, with the rows that had each
        extra = [name for name in names if name not in self.fields]
        if any(name in self.as_dicts for name in extra):
            return None
        arrays: list[pa.Array] = []
        fields: list[pa.Field] = []
        try:
            for name, field in self.fields.items():
                arrays.append(self._column(rows, name, field.type, self.declared[name]))
                fields.append(field)
            for name in extra:
                array = self._added(rows, name)
                if array is None:
                    continue  # all null on this page and never typed: no column yet, as with dicts
                arrays.append(array)
                fields.append(pa.field(name, array.type))
        except _DoesNotFit:
            return None
        n = len(rows)
        arrays.append(pa.repeat(self.load_id(), n).cast(pa.string()))
        fields.append(pa.field(DLT_LOAD_ID, pa.string(), nullable=False))
        if not self.normalizer_adds_dlt_id():
            arrays.append(dlt_ids(n))
            fields.append(pa.field(DLT_ID, pa.string(), nullable=False))
        # which records had each column's key: a declared column exists even when no record carried it
        present = {f.name: names.get(f.name, 0) for f in fields if not f.name.startswith("_dlt_")}
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata={PRESENT_KEY: json.dumps(present)}))

    # --- columns ---------------------------------------------------------------------
    def _column(self, rows: list[dict[str, Any]], name: str, target: pa.DataType, kind: str) -> pa.Array:
        try:
            array = pa.array([row.get(name) for row in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            raise _DoesNotFit from None
        inferred = array.type
        if inferred == target:
            return array
        if pa.types.is_null(inferred):
            return pa.nulls(len(array), target)
        if kind == "timestamp":
            if not pa.types.is_timestamp(inferred) or inferred.tz is None:
                raise _DoesNotFit  # a string that did not parse, or a naive datetime
        elif kind not in _FITS.get(str(inferred), ()):
            raise _DoesNotFit
        try:
            return array.cast(target, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _DoesNotFit from None

    def _added(self, rows: list[dict[str, Any]], name: str) -> pa.Array | None:
        values = [row.get(name) for row in rows]
        known = self.added.get(name)
        if known is None:
            kinds = {type(v) for v in values if v is not None}
            if not kinds:
                return None
            kind = kinds.pop() if len(kinds) == 1 else None
            if kind not in _ADDED or (kind is str and _detected(next(v for v in values if v is not None))):
                self.as_dicts.add(name)
                raise _DoesNotFit
            known = self.added[name] = _ADDED[kind][1]
        types = {type(v) for v in values if v is not None}
        if types and types != {_python_type(known)}:
            raise _DoesNotFit
        try:
            return pa.array(values, type=known)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            raise _DoesNotFit from None

    # --- dlt columns -----------------------------------------------------------------
    def load_id(self) -> str:
        """The load id of the package being extracted (dlt's ``_dlt_load_id`` of dict records)."""
        if self._load_id is None:
            self._load_id = str(dlt.current.load_package_state()["load_id"])
        return self._load_id

    def normalizer_adds_dlt_id(self) -> bool:
        """True when ``normalize.parquet_normalizer.add_dlt_id`` is set: dlt adds ``_dlt_id`` itself then."""
        if self._add_dlt_id is None:
            value: Any = dlt.config.get("normalize.parquet_normalizer.add_dlt_id")
            self._add_dlt_id = str(value).strip().lower() in ("true", "1", "yes") if value is not None else False
        return self._add_dlt_id


class _DoesNotFit(Exception):
    """A value does not fit its Arrow column: the rows go to dlt as dicts."""


def _python_type(arrow_type: pa.DataType) -> type:
    return next(kind for kind, (_, t) in _ADDED.items() if t == arrow_type)


def _detected(value: str) -> bool:
    """True when dlt's type detection would not keep this string as text (e.g. an ISO timestamp)."""
    return detected_type(current_type_detections(), value) is not None
