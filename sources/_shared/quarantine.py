"""Bad records and PII, handled in one dlt transform step per resource, before data leaves extraction.

:func:`protect_source` adds a :class:`RecordGuard` step to every selected resource of a source.
For each page (list of records, or an Arrow table: see below) the guard

1. checks every record: a primary key present, the incremental cursor present, no string longer
   than ``hr_elt.max_string_length``, and (with ``hr_elt.type_changes = "reject"``) no field whose
   value cannot be coerced to the type its column already has;
2. applies the PII policy (:mod:`sources._shared.privacy`) to the good records;
3. handles a bad record by ``hr_elt.bad_records``: ``quarantine`` (default) sets it aside for the
   ``_rejected`` table, with the reason, the page and its request id (PII rules applied to the
   copy too, long strings cut); ``fail`` stops the run with a :class:`BadRecordError` naming the
   resource, the record, the page and the request id. Nothing of a failed run is loaded and no
   cursor moves.

Arrow items (a ``pyarrow.Table`` or ``RecordBatch``, e.g. CuteHR attendance: ``arrow_pages.py``)
get the same checks column by column (``pyarrow.compute``): primary key and cursor not null, string
lengths. A bad row is converted to a dict (``to_pylist``, only the bad rows, without dlt's
``_dlt_*`` columns; a field the row lacked is null in that copy) and set aside or fails the run as
a bad dict record does; the PII rules drop or pseudonymise whole columns
(:meth:`TableRules.apply_arrow`). A rejected Arrow row names the last page its resource received
before the table was handed over: a table may hold several pages. ``type_changes = "reject"``
does not apply to Arrow columns, which carry their type. pyarrow and numpy are imported with the
first Arrow item (~37 MB): a vendor that yields only dicts never loads them.

The guard runs before the resource's incremental step, so a cursor never moves past a record
because of what the guard did: a rejected record is loaded into ``_rejected`` in the same load
package (the same transaction of state and data) as the page it came with. Rejected records reach
``_rejected`` through one small dlt transformer per resource fed by that resource.

Settings (dlt config, env in brackets): ``hr_elt.bad_records`` [HR_ELT__BAD_RECORDS] ``quarantine``
| ``fail``; ``hr_elt.type_changes`` [HR_ELT__TYPE_CHANGES] ``evolve`` (dlt's variant columns,
default) | ``reject``; ``hr_elt.max_string_length`` [HR_ELT__MAX_STRING_LENGTH] (characters,
default 1,000,000; 0 turns the check off).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import dlt
from dlt.common.data_types import coerce_value, py_type_to_sc_type
from dlt.common.schema import Schema
from dlt.common.schema import utils as schema_utils
from dlt.common.typing import TDataItems
from dlt.extract.incremental import IncrementalResourceWrapper
from dlt.extract.items_transform import ItemTransform
from dlt.extract.pipe import Pipe
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from sources._shared.context import RunContext
from sources._shared.errors import BadRecordError, ProviderConfigError
from sources._shared.privacy import PiiPolicy, TableRules, load_pii_settings

if TYPE_CHECKING:
    import pyarrow as pa

logger = logging.getLogger("sources.quarantine")

ArrowItem = Any  # a pyarrow Table or RecordBatch

QUARANTINE, FAIL = "quarantine", "fail"
EVOLVE, REJECT = "evolve", "reject"
REJECTED_TABLE = "_rejected"
DEFAULT_MAX_STRING_LENGTH = 1_000_000
PAYLOAD_STRING_LIMIT = 1_000  # characters of a string kept in a rejected record's copy

REJECTED_COLUMNS: dict[str, Any] = {
    "rejection_id": {"data_type": "text", "nullable": False, "primary_key": True},
    "table_name": {"data_type": "text"},
    "resource": {"data_type": "text"},
    "reason": {"data_type": "text"},
    "page": {"data_type": "text"},
    "request_id": {"data_type": "text"},
    "record": {"data_type": "json"},
    "rejected_at": {"data_type": "timestamp"},
}


@dataclass(frozen=True)
class GuardSettings:
    """How bad records are handled.

    Attributes:
        bad_records: ``quarantine`` into ``_rejected``, or ``fail`` the run.
        type_changes: ``evolve``: a field whose type flips lands in a dlt variant column;
            ``reject``: the record is a bad record.
        max_string_length: Longest string accepted in a field, in characters (0: no limit).
    """

    bad_records: str = QUARANTINE
    type_changes: str = EVOLVE
    max_string_length: int = DEFAULT_MAX_STRING_LENGTH


def load_guard_settings() -> GuardSettings:
    """Reads ``hr_elt.bad_records``, ``hr_elt.type_changes`` and ``hr_elt.max_string_length``."""
    bad = str(dlt.config.get("hr_elt.bad_records", str) or QUARANTINE).strip().lower()
    types = str(dlt.config.get("hr_elt.type_changes", str) or EVOLVE).strip().lower()
    raw_max: Any = dlt.config.get("hr_elt.max_string_length")
    if bad not in (QUARANTINE, FAIL):
        raise ProviderConfigError("hr_elt", f"bad_records {bad!r} is not one of {QUARANTINE}, {FAIL}",
                                  hint="Fix hr_elt.bad_records (env HR_ELT__BAD_RECORDS)")
    if types not in (EVOLVE, REJECT):
        raise ProviderConfigError("hr_elt", f"type_changes {types!r} is not one of {EVOLVE}, {REJECT}",
                                  hint="Fix hr_elt.type_changes (env HR_ELT__TYPE_CHANGES)")
    try:
        max_len = DEFAULT_MAX_STRING_LENGTH if raw_max is None or raw_max == "" else int(raw_max)
        if max_len < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise ProviderConfigError("hr_elt", f"max_string_length {raw_max!r} is not a whole number >= 0",
                                  hint="Fix hr_elt.max_string_length (env HR_ELT__MAX_STRING_LENGTH)") from None
    return GuardSettings(bad, types, max_len)


class RecordGuard(ItemTransform[Any, dict[str, Any]]):
    """The dlt transform step that checks records, applies PII rules and sets bad records aside.

    Args:
        vendor: Provider name (named in errors).
        resource: Resource name (named in errors, and in ``_rejected.resource``).
        table: The table the resource loads into.
        primary_key: Primary key columns (empty: not checked).
        settings: Bad-record settings.
        pii: The table's PII rules, or None.
        rules_for: PII rules of another table, for items the resource routes there (``table -> rules``).
        context: The run's context: the page a bad record came from, and the summary note.
    """

    placement_affinity: ClassVar[float] = 0.5  # after the resource's own steps, before its incremental

    def __init__(self, vendor: str, resource: str, table: str, primary_key: tuple[str, ...],
                 settings: GuardSettings, pii: TableRules | None,
                 rules_for: Callable[[str], TableRules | None] | None = None, *,
                 context: RunContext) -> None:
        super().__init__(lambda item: item)
        self.context = context
        self.rules_for = rules_for
        self.vendor = vendor
        self.resource = resource
        self.table = table
        self.primary_key = primary_key
        self.settings = settings
        self.pii = pii
        self.rejected: list[dict[str, Any]] = []
        self.rejected_count = 0
        self._lock = threading.Lock()
        self._pipe: Pipe | None = None
        self._cursor: str | None = None
        self._cursor_known = False
        self._types: dict[str, str] = {}
        self._fits: dict[tuple[str, type], bool] = {}
        self._names: dict[tuple[tuple[str, ...], str], str] = {}
        self._schema: Schema | None = None
        self._record_no = 0
        self._wrapped: Iterator[Any] | None = None

    # --- dlt step protocol -----------------------------------------------------------
    def bind(self, pipe: Any) -> RecordGuard:
        """Called by dlt when extraction starts; makes sure set-aside records are always handed over."""
        self._pipe = pipe
        self._cursor_known = False
        gen = pipe.gen
        if not pipe.has_parent and isinstance(gen, Iterator) and gen is not self._wrapped:
            self._wrapped = self._flush_at_end(gen)
            pipe.replace_gen(self._wrapped)
        return self

    def __call__(self, item: TDataItems, meta: Any = None) -> TDataItems | None:
        """Checks one page (or record); returns the good records."""
        if item is None:
            return None
        table = getattr(meta, "table_name", None) or self.table
        if table != self.table:  # items the resource routes elsewhere: only PII rules of their table apply
            other = self.rules_for(table) if self.rules_for is not None else None
            if other is None:
                return item
            if _is_arrow(item):
                return other.apply_arrow(item)
            if isinstance(item, list):
                return [other.apply_arrow(r) if _is_arrow(r) else other.apply(r) if isinstance(r, dict) else r
                        for r in item]
            return other.apply(item) if isinstance(item, dict) else item
        if _is_arrow(item):
            checked = self._check_arrow(item)
            if isinstance(checked, list) or checked.num_rows or not (item.num_rows or self.rejected):  # type: ignore[union-attr]
                return checked
            return []  # keep the (empty) page flowing so that the rejected records are handed over
        if isinstance(item, list):
            good = []
            for record in item:
                if isinstance(record, dict):
                    if self._check(record):
                        good.append(record)
                elif _is_arrow(record):  # a list of Arrow tables: each checked as one
                    checked = self._check_arrow(record)
                    if isinstance(checked, list):
                        good.extend(checked)
                    elif checked.num_rows:
                        good.append(checked)
                else:
                    good.append(record)
            if not good and (item or self.rejected):
                return []  # keep the (empty) page flowing so that the rejected records are handed over
            return good
        if isinstance(item, dict):
            return item if self._check(item) else ([] if self.rejected else None)
        return item  # other item types (e.g. pandas frames) pass unchanged

    def _flush_at_end(self, gen: Iterator[Any]) -> Iterator[Any]:
        """Yields the resource's items, then one empty page if records are still set aside.

        A page whose records were all filtered out later (e.g. by the incremental step) never
        reaches the collector; the empty page at the end does.
        """
        yield from gen
        with self._lock:
            pending = bool(self.rejected)
        if pending:
            yield []

    # --- checks ----------------------------------------------------------------------
    def _check(self, record: dict[str, Any]) -> bool:
        self._record_no += 1
        reason = self._problem(record)
        if reason is None:
            if self.pii is not None:
                self.pii.apply(record)
            return True
        self._reject(record, reason)
        return False

    def _problem(self, record: dict[str, Any]) -> str | None:
        for key in self.primary_key:
            if record.get(key) in (None, ""):
                return f"missing primary key {key}"
        cursor = self._cursor_field()
        if cursor is not None and record.get(cursor) is None:
            return f"missing incremental cursor {cursor}"
        limit = self.settings.max_string_length
        if limit and _may_hold_long_string(record, limit):
            long_field = _long_string(record, limit)
            if long_field is not None:
                return _long_reason(*long_field, limit)
        if self.settings.type_changes == REJECT:
            return self._type_flip(record)
        return None

    def _check_arrow(self, table: ArrowItem) -> Any:
        """The columnar checks of an Arrow table (or record batch); returns its good rows, PII rules applied.

        Checked per row as dict records are: a primary key present (not null, not ``""``), the
        incremental cursor present, no string longer than ``hr_elt.max_string_length`` (strings in
        nested columns too). A bad row is converted to a dict and set aside (or fails the run) like a
        bad dict record, with the first reason that applies to it. Arrow columns carry their type,
        so ``hr_elt.type_changes = "reject"`` has nothing to check here (a resource sends a value
        that does not fit its column as a dict record: ``sources/_shared/arrow_pages.py``).
        """
        import numpy as np  # imported with the first Arrow item: vendors without Arrow items never load it
        import pyarrow as pa

        base = self._record_no
        rows = table.num_rows
        self._record_no += rows
        if rows == 0:
            return table
        reasons = self._arrow_problems(table)
        if reasons:
            bad = sorted(reasons)
            vendor_columns = [n for n in table.schema.names if not n.startswith("_dlt_")]  # as received
            records = table.select(vendor_columns).take(pa.array(bad, pa.int64())).to_pylist()
            for index, record in zip(bad, records, strict=True):
                self._record_no = base + index + 1
                self._reject(record, reasons[index])
            self._record_no = base + rows
            keep = np.ones(rows, dtype=bool)
            keep[bad] = False
            table = table.filter(pa.array(keep))
        if self.pii is not None:
            return self.pii.apply_arrow(table)  # the table, or its rows as dicts (see TableRules.apply_arrow)
        return table

    def _arrow_problems(self, table: ArrowItem) -> dict[int, str]:
        """Row index -> the first problem of that row (none: a good row)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        found: dict[int, str] = {}
        rows = table.num_rows
        names = table.schema.names
        everywhere = pa.array(np.ones(rows, dtype=bool))

        def note(mask: Any, reason: str | list[str | None]) -> None:
            if not pc.any(mask).as_py():
                return
            for index in np.flatnonzero(mask.to_numpy(zero_copy_only=False)):
                why = reason if isinstance(reason, str) else reason[int(index)]
                if why is not None:
                    found.setdefault(int(index), why)

        for key in self.primary_key:
            if key not in names:
                note(everywhere, f"missing primary key {key}")
                continue
            column = table.column(key)
            missing = pc.is_null(column)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                missing = pc.fill_null(pc.or_kleene(missing, pc.equal(column, "")), True)
            note(missing, f"missing primary key {key}")
        cursor = self._cursor_field()
        if cursor is not None:
            note(pc.is_null(table.column(cursor)) if cursor in names else everywhere,
                 f"missing incremental cursor {cursor}")
        limit = self.settings.max_string_length
        if not limit:
            return found
        for name, column in zip(names, table.columns, strict=True):
            if name.startswith("_dlt_"):
                continue  # dlt's own columns (row and load ids)
            kind = column.type
            if pa.types.is_string(kind) or pa.types.is_large_string(kind):
                lengths = pc.utf8_length(column)
                longest = pc.max(lengths).as_py()
                if longest is not None and longest > limit:
                    note(pc.fill_null(pc.greater(lengths, limit), False),
                         [None if n is None or n <= limit else _long_reason(name, n, limit)
                          for n in lengths.to_pylist()])
            elif _nested(kind):
                hits = [_long_string(v, limit, name) for v in column.to_pylist()]
                if any(hits):
                    note(pa.array([h is not None for h in hits]),
                         [None if h is None else _long_reason(h[0], h[1], limit) for h in hits])
        return found

    def _cursor_field(self) -> str | None:
        """The resource's incremental cursor, read once its incremental step is bound."""
        if self._cursor_known:
            return self._cursor
        self._cursor_known = True
        for step in self._pipe.steps if self._pipe is not None else []:
            if isinstance(step, IncrementalResourceWrapper) and step.incremental is not None:
                inc = step.incremental
                if inc.on_cursor_value_missing == "raise" and isinstance(inc.cursor_path, str) \
                        and inc.cursor_path.isidentifier():
                    self._cursor = inc.cursor_path
                if isinstance(inc.cursor_path, str) and self.pii is not None \
                        and self.pii.decide(tuple(inc.cursor_path.split("."))) is not None:
                    raise ProviderConfigError(
                        "hr_elt", f"PII rules would change {self.vendor}.{self.table}.{inc.cursor_path}, the "
                                  "incremental cursor", hint="Keep it in hr_elt.pii.columns / hr_elt.pii.action")
        return self._cursor

    def _type_flip(self, record: dict[str, Any]) -> str | None:
        if self._schema is None:
            try:
                self._schema = dlt.current.source_schema()
            except Exception:  # outside of an extraction (tests): an empty schema
                self._schema = Schema(self.vendor)
            columns = self._schema.tables.get(self.table, {}).get("columns", {})
            self._types = {name: str(c["data_type"]) for name, c in columns.items()
                           if c.get("data_type") and not c.get("variant")}
        return self._flip_in(record, self._schema, ())

    def _flip_in(self, obj: dict[str, Any], schema: Schema, path: tuple[str, ...]) -> str | None:
        naming = schema.naming
        for key, value in obj.items():
            if value is None or isinstance(value, list):
                continue
            column = self._names.get((path, key))
            if column is None:
                norm = naming.normalize_identifier(str(key))
                column = norm if not path else naming.shorten_fragments(*path, norm)
                self._names[(path, key)] = column
            if isinstance(value, dict):
                found = self._flip_in(value, schema, (*path, norm))
                if found:
                    return found
                continue
            kind = type(value)
            fits = self._fits.get((column, kind))
            if fits:
                continue
            py_type = py_type_to_sc_type(kind)
            known = self._types.get(column)
            if known is None:
                detected = schema_utils.autodetect_sc_type(schema._type_detections, kind, value)
                self._types[column] = known = detected or py_type
            if known == py_type:  # the same type always fits; other pairs depend on the value
                self._fits[(column, kind)] = True
                continue
            try:
                coerce_value(known, py_type, value)  # type: ignore[arg-type]
            except (ValueError, SyntaxError, TypeError):
                return f"field {column} changed type: {py_type} where {known} was loaded before"
        return None

    # --- bad records -----------------------------------------------------------------
    def _reject(self, record: dict[str, Any], reason: str) -> None:
        page = self.context.last_page(self.vendor, self.resource)
        where = page.where if page else f"a page of {self.resource}"
        if self.settings.bad_records == FAIL:
            raise BadRecordError(
                self.vendor, f"record #{self._record_no} of this run ({_describe(record, self.primary_key)}) "
                             f"on {where}: {reason}; nothing of this run was loaded",
                request_id=page.request_id if page else None, resource=self.resource,
                hint="Fix the data at the vendor, or set hr_elt.bad_records = \"quarantine\" "
                     "(env HR_ELT__BAD_RECORDS) to load it into the _rejected table instead")
        payload = _cut_strings(json.loads(json.dumps(record, default=str)))
        if self.pii is not None:
            self.pii.apply(payload)
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        digest = hashlib.blake2b(f"{self.table}\0{reason}\0{canonical}".encode(), digest_size=16).hexdigest()
        row = {
            "rejection_id": digest,
            "table_name": self.table,
            "resource": self.resource,
            "reason": reason,
            "page": where,
            "request_id": page.request_id if page else None,
            "record": payload,
            "rejected_at": datetime.now(timezone.utc),
        }
        with self._lock:
            self.rejected.append(row)
            self.rejected_count += 1
            count = self.rejected_count
        self.context.note(self.vendor, f"rejected/{self.resource}",
                   f"{count} record(s) of {self.resource} set aside in table {REJECTED_TABLE} (latest: {reason})")
        logger.warning("%s [%s]: record set aside into %s: %s (%s%s)", self.vendor, self.resource, REJECTED_TABLE,
                       reason, where, f", request_id {page.request_id}" if page and page.request_id else "")

    def drain(self) -> list[dict[str, Any]]:
        """Hands over the records set aside so far."""
        with self._lock:
            rows, self.rejected = self.rejected, []
        return rows


def _is_arrow(item: Any) -> bool:
    pa = sys.modules.get("pyarrow")  # not imported: the item cannot be an Arrow table
    return pa is not None and isinstance(item, (pa.Table, pa.RecordBatch))


def _nested(kind: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_struct(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind)
                or pa.types.is_map(kind) or pa.types.is_fixed_size_list(kind))


def _long_reason(name: str, length: int, limit: int) -> str:
    return f"field {name} holds a string of {length:,} characters (hr_elt.max_string_length is {limit:,})"


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


def _cut_strings(obj: Any) -> Any:
    if isinstance(obj, str) and len(obj) > PAYLOAD_STRING_LIMIT:
        return obj[:PAYLOAD_STRING_LIMIT] + f"...[{len(obj) - PAYLOAD_STRING_LIMIT:,} more characters cut]"
    if isinstance(obj, dict):
        return {k: _cut_strings(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_cut_strings(v) for v in obj]
    return obj


def _describe(record: dict[str, Any], primary_key: tuple[str, ...]) -> str:
    keys = [f"{k}={record.get(k)!r}" for k in primary_key if record.get(k) not in (None, "")]
    return ", ".join(keys) if keys else "no primary key"


def _collector(guard: RecordGuard) -> DltResource:
    """A transformer fed by the guarded resource that loads the records its guard set aside."""

    @dlt.transformer(name=f"_rejected_{guard.resource}", table_name=REJECTED_TABLE, write_disposition="merge",
                     primary_key="rejection_id", columns=REJECTED_COLUMNS)
    def rejected(items: Any) -> Iterator[TDataItems]:
        rows = guard.drain()
        if rows:
            yield rows

    return rejected


def _primary_key(resource: DltResource) -> tuple[str, ...]:
    try:
        schema = resource.compute_table_schema()
    except Exception:  # dynamic hints that need an item: no static primary key to check
        return ()
    return tuple(name for name, column in schema.get("columns", {}).items() if column.get("primary_key"))


def _static_cursor(resource: DltResource) -> tuple[str, ...]:
    """The incremental cursor column declared by the resource function's default argument, if any."""
    wrapper = resource.incremental
    inc = getattr(wrapper, "incremental", None) if wrapper is not None else None
    if inc is None and wrapper is not None:
        try:
            arg = IncrementalResourceWrapper.get_incremental_arg(inspect.signature(resource._pipe.gen))  # type: ignore[arg-type]
            inc = arg.default if arg is not None else None
        except (TypeError, ValueError, AttributeError):
            inc = None
    path = getattr(inc, "cursor_path", None)
    return (path,) if isinstance(path, str) and path.isidentifier() else ()


def _static_table(resource: DltResource) -> str:
    name = resource.table_name
    return name if isinstance(name, str) else resource.name


def protect_source(source: DltSource, vendor: str, guard_settings: GuardSettings | None = None,
                   pii: PiiPolicy | None = None, *, context: RunContext) -> DltSource:
    """Adds the bad-record and PII step to every selected resource of `source`, in place.

    Args:
        source: The vendor's source, after resource selection.
        vendor: Provider name; picks the PII defaults.
        guard_settings: Bad-record settings; read from config when None.
        pii: PII policy; read from config when None.
        context: The run's context the source reports into.

    Returns:
        The same source, with a ``_rejected_<resource>`` transformer per resource when bad records
        are quarantined.

    Raises:
        ProviderConfigError: a setting is invalid, or a PII rule targets a primary key or cursor.
    """
    settings = guard_settings or load_guard_settings()
    policy = pii or PiiPolicy(vendor, load_pii_settings())
    collectors = []
    for name, resource in list(source.selected_resources.items()):
        table = _static_table(resource)
        primary_key = _primary_key(resource)
        rules = policy.rules_for(table)
        if rules is not None:
            policy.check_protected(table, (*primary_key, *_static_cursor(resource)))
        guard = RecordGuard(vendor, name, table, primary_key, settings, rules, policy.rules_for, context=context)
        resource.add_step(guard)
        if settings.bad_records == QUARANTINE:
            collectors.append(resource | _collector(guard))
    if collectors:
        source.resources.add(*collectors)
    return source
