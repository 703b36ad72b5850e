"""Field coverage: per resource and documented field, how many records carried it and how many had a value.

A vendor declares its documented fields per resource in a :class:`FieldCoverage` (its spec's
``coverage``). The run path puts one :class:`CoverageStep` on every selected resource
(:func:`measure_source`); the step counts the records as the resource hands them over, before the
record guard applies PII rules or drops anything (its ``placement_affinity`` puts it ahead of the
guard), so a dropped or pseudonymised column still counts as sent.

* dict records: a field is *present* when the record has the key, *non-null* when its value is not
  None. Snapshot tombstones (``_deleted_at`` set, only the primary key) are not vendor records and
  are not counted.
* Arrow tables: non-null is ``num_rows - null_count`` of the column. Presence comes from the table's
  schema metadata (:data:`PRESENT_KEY`, written by ``sources/_shared/rows/arrow.py``: how many of
  the records the table was built from had each key), because a declared Arrow column exists even
  when no record carried the field. A table without that metadata counts a column as present in
  every row.
* Custom fields: a vendor whose records carry admin-defined fields (ByteHR) counts them itself,
  before it reshapes the record, with :meth:`FieldMeter.count_custom`, and reports the definitions
  it reads with :meth:`FieldMeter.define`; active definitions are documented fields of their resource.

The counts belong to the run: one :class:`FieldMeter` per :class:`RunContext` (:func:`meter_of`).
What the counts mean (ok, absent, empty, regression) is decided after the load by ``pipelines/observe/quality.py``.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, ClassVar

from dlt.common.typing import TDataItems
from dlt.sources import DltSource

from sources._shared.context import RunContext
from sources._shared.dlt_compat import INCREMENTAL_PLACEMENT, ItemTransform
from sources._shared.state.deletes import DELETED_AT

PRESENT_KEY = b"hr_elt.present"
"""Arrow schema metadata: JSON ``{column: records that had the key}`` of the records a table was built from."""


@dataclass(frozen=True)
class CustomFields:
    """Where a vendor's admin-defined fields live.

    Attributes:
        resource: The resource whose records carry them (e.g. ``employees``).
        definitions: The resource listing their definitions (e.g. ``custom_field_definitions``).
        archived: What happens to an archived field's values, as the run summary says it after
            ``custom field 'x' archived: it is no longer sent;`` (``{column}``: the field's column).
        retyped: What happens to a retyped field's values, said after ``custom field 'x' retyped from a to b;``.
    """

    resource: str
    definitions: str
    archived: str = "{column} is null in the rows written from now on"
    retyped: str = "values that no longer fit {column} go to a variant column in the rows written from now on"


@dataclass(frozen=True)
class FieldCoverage:
    """A vendor's documented fields, and what to check when the API withholds one.

    Attributes:
        documented: ``resource -> fields`` the vendor's contract documents for its records (top-level keys).
        may_be_null: ``resource -> fields`` the contract allows to be null on any record (end dates,
            deletion marks, optional links): null on every row of a load is not "empty" unless earlier
            loads make that implausible.
        withheld_hint: What to check when a documented field is absent from every record (the key's
            scopes, field visibility, the account's role), said in the warning.
        custom_fields: Where admin-defined fields live, or None when the vendor has none.
        types: ``resource -> {field: dlt data type}`` of may-be-null fields, so their columns exist from the
            first load (``sources/_shared/documented.py``); a field ending in ``_at`` needs none (a timestamp).
    """

    documented: Mapping[str, tuple[str, ...]]
    may_be_null: Mapping[str, tuple[str, ...]]
    withheld_hint: str
    custom_fields: CustomFields | None
    types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for label, mapping in (("documented", self.documented), ("may_be_null", self.may_be_null)):
            for resource, names in mapping.items():
                if not isinstance(names, tuple) or not all(isinstance(n, str) and n for n in names):
                    raise ValueError(f"coverage {label}[{resource!r}] must be a tuple of field names")
        for resource, names in self.may_be_null.items():
            stray = sorted(set(names) - set(self.documented.get(resource, ())))
            if stray:
                raise ValueError(f"coverage may_be_null[{resource!r}] names undocumented fields: {', '.join(stray)}")
        for resource, kinds in self.types.items():
            stray = sorted(set(kinds) - set(self.may_be_null.get(resource, ())))
            if stray:
                raise ValueError(f"coverage types[{resource!r}] names fields that are not may_be_null: "
                                 f"{', '.join(stray)}")
        if not self.withheld_hint.strip():
            raise ValueError("coverage withheld_hint is empty")


@dataclass
class FieldCount:
    """Counts of one field of one resource in one run."""

    present: int = 0
    non_null: int = 0


@dataclass(frozen=True)
class Definition:
    """One custom field definition as the vendor sent it this run."""

    key: str
    label: str | None
    type: str | None
    archived: bool
    column: str | None


@dataclass
class FieldMeter:
    """The run's field counts; every method is thread-safe (dlt may extract resources in threads)."""

    rows: Counter[str] = field(default_factory=Counter)
    fields: dict[str, dict[str, FieldCount]] = field(default_factory=dict)
    custom: dict[str, dict[str, FieldCount]] = field(default_factory=dict)
    definitions: dict[str, Definition] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    """``resource -> table`` of the measured resources (coverage is judged against these tables)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_rows(self, resource: str, rows: int, present: Mapping[str, int], non_null: Mapping[str, int]) -> None:
        """Adds one page: its row count, and per key the rows that had it and the rows with a value."""
        with self._lock:
            self.rows[resource] += rows
            counts = self.fields.setdefault(resource, {})
            for name, n in present.items():
                counts.setdefault(name, FieldCount()).present += n
            for name, n in non_null.items():
                counts.setdefault(name, FieldCount()).non_null += n

    def count_custom(self, resource: str, key: str, non_null: bool) -> None:
        """Counts one custom field entry a record carried (present), and whether it had a value."""
        with self._lock:
            count = self.custom.setdefault(resource, {}).setdefault(key, FieldCount())
            count.present += 1
            count.non_null += int(non_null)

    def define(self, definition: Definition) -> None:
        """Records a custom field definition read this run."""
        with self._lock:
            self.definitions[definition.key] = definition

    def snapshot(self) -> tuple[dict[str, int], dict[str, dict[str, FieldCount]], dict[str, dict[str, FieldCount]],
                                dict[str, Definition]]:
        """Copies of (rows, fields, custom, definitions)."""
        with self._lock:
            copy = {r: {k: FieldCount(c.present, c.non_null) for k, c in v.items()} for r, v in self.fields.items()}
            custom = {r: {k: FieldCount(c.present, c.non_null) for k, c in v.items()} for r, v in self.custom.items()}
            return dict(self.rows), copy, custom, dict(self.definitions)


def meter_of(context: RunContext) -> FieldMeter:
    """The run's field meter (made on first use)."""
    meter: FieldMeter = context.part("coverage", FieldMeter)
    return meter


def _dict_counts(records: list[Any]) -> tuple[int, Counter[str], Counter[str]]:
    vendor = [r for r in records if isinstance(r, dict) and r.get(DELETED_AT) is None]
    present: Counter[str] = Counter(chain.from_iterable(vendor))  # C-level counting of keys
    non_null: Counter[str] = Counter(k for r in vendor for k, v in r.items() if v is not None)
    return len(vendor), present, non_null


def arrow_counts(table: Any) -> tuple[int, dict[str, int], dict[str, int], Any]:
    """(rows, present, non-null, the table without :data:`PRESENT_KEY`) of an Arrow table or record batch."""
    rows = table.num_rows
    metadata = dict(table.schema.metadata or {})
    recorded = json.loads(metadata.pop(PRESENT_KEY)) if PRESENT_KEY in metadata else {}
    present: dict[str, int] = {}
    non_null: dict[str, int] = {}
    for index, name in enumerate(table.schema.names):
        if name.startswith("_dlt_"):
            continue
        present[name] = int(recorded.get(name, rows))
        non_null[name] = rows - table.column(index).null_count
    if recorded:
        table = table.replace_schema_metadata(metadata or None)
    return rows, present, non_null, table


class CoverageStep(ItemTransform[Any, Any]):
    """The dlt step that counts fields of the records one resource hands over (see module docstring).

    Args:
        resource: The resource name (the key of its counts).
        table: The table the resource loads into; items routed to other tables are not counted.
        meter: The run's meter.
    """

    # ahead of the record guard (incremental - 0.5): before PII rules drop columns
    placement_affinity: ClassVar[float] = INCREMENTAL_PLACEMENT - 0.6

    def __init__(self, resource: str, table: str, meter: FieldMeter) -> None:
        super().__init__(lambda item: item)
        self.resource = resource
        self.table = table
        self.meter = meter

    def __call__(self, item: TDataItems, meta: Any = None) -> TDataItems | None:
        """Counts one item (a page of dicts, a dict, an Arrow table); hands it on unchanged."""
        if item is None:
            return None
        table = getattr(meta, "table_name", None) or self.table
        if table != self.table:
            return item
        if isinstance(item, dict):
            item_rows, present, non_null = _dict_counts([item])
            self.meter.add_rows(self.resource, item_rows, present, non_null)
            return item
        if isinstance(item, list):
            dicts = [r for r in item if isinstance(r, dict)]
            if dicts:
                self.meter.add_rows(self.resource, *_dict_counts(dicts))
            if len(dicts) == len(item):
                return item
            out = []
            for r in item:
                out.append(self._arrow(r) if hasattr(r, "num_rows") and hasattr(r, "schema") else r)
            return out
        if hasattr(item, "num_rows") and hasattr(item, "schema"):
            return self._arrow(item)
        return item

    def _arrow(self, table: Any) -> Any:
        rows, present, non_null, table = arrow_counts(table)
        self.meter.add_rows(self.resource, rows, present, non_null)
        return table


def measure_source(source: DltSource, context: RunContext) -> DltSource:
    """Puts a :class:`CoverageStep` on every selected resource of `source`, in place; returns it."""
    meter = meter_of(context)
    for name, resource in source.selected_resources.items():
        table = resource.table_name if isinstance(resource.table_name, str) else name
        meter.tables[name] = table
        resource.add_step(CoverageStep(name, table, meter))
    return source
