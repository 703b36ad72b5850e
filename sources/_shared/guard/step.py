"""The dlt transform step of the guard: checks each page, applies PII rules, sets bad records aside.

The step runs before the resource's incremental step (``placement_affinity``), so a cursor never
moves past a record because of what the guard did: a rejected record is loaded into ``_rejected``
in the same load package (the same transaction of state and data) as the page it came with. A
rejected Arrow row names the last page its resource received before the table was handed over: a
table may hold several pages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from dlt.common.typing import TDataItems

from sources._shared import dlt_compat
from sources._shared.context import RunContext
from sources._shared.dlt_compat import INCREMENTAL_PLACEMENT, ItemTransform
from sources._shared.errors import BadRecordError, ProviderConfigError
from sources._shared.guard.checks import ArrowItem, is_arrow, record_problem, table_problems
from sources._shared.guard.privacy import TableRules
from sources._shared.guard.rejected import REJECTED_TABLE, describe, rejected_row
from sources._shared.guard.settings import FAIL, REJECT, GuardSettings
from sources._shared.guard.type_changes import TypeChanges

logger = logging.getLogger("sources.quarantine")


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

    # after the resource's own steps (0), before its incremental
    placement_affinity: ClassVar[float] = INCREMENTAL_PLACEMENT - 0.5

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
        self._pipe: Any = None  # the pipe dlt extracts from (dlt_compat: its generator and steps)
        self._cursor: str | None = None
        self._cursor_known = False
        self._type_changes = TypeChanges(vendor, table)
        self._record_no = 0
        self._wrapped: Iterator[Any] | None = None

    # --- dlt step protocol -----------------------------------------------------------
    def bind(self, pipe: Any) -> RecordGuard:
        """Called by dlt when extraction starts; makes sure set-aside records are always handed over."""
        self._pipe = pipe
        self._cursor_known = False
        gen = dlt_compat.pipe_generator(pipe)
        if not dlt_compat.has_parent(pipe) and isinstance(gen, Iterator) and gen is not self._wrapped:
            self._wrapped = self._flush_at_end(gen)
            dlt_compat.replace_generator(pipe, self._wrapped)
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
            if is_arrow(item):
                return other.apply_arrow(item)
            if isinstance(item, list):
                return [other.apply_arrow(r) if is_arrow(r) else other.apply(r) if isinstance(r, dict) else r
                        for r in item]
            return other.apply(item) if isinstance(item, dict) else item
        if is_arrow(item):
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
                elif is_arrow(record):  # a list of Arrow tables: each checked as one
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
        reason = record_problem(record, self.primary_key, self._cursor_field(), self.settings.max_string_length)
        if reason is None and self.settings.type_changes == REJECT:
            return self._type_changes.problem(record)
        return reason

    def _check_arrow(self, table: ArrowItem) -> Any:
        """The columnar checks of an Arrow table (or record batch); returns its good rows, PII rules applied.

        Checked per row as dict records are: a primary key present (not null, not ``""``), the
        incremental cursor present, no string longer than ``hr_elt.max_string_length`` (strings in
        nested columns too). A bad row is converted to a dict and set aside (or fails the run) like a
        bad dict record, with the first reason that applies to it. Arrow columns carry their type,
        so ``hr_elt.type_changes = "reject"`` has nothing to check here (a resource sends a value
        that does not fit its column as a dict record: ``sources/_shared/rows/arrow.py``).
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
        return table_problems(table, self.primary_key, self._cursor_field(), self.settings.max_string_length)

    def _cursor_field(self) -> str | None:
        """The resource's incremental cursor, read once its incremental step is bound."""
        if self._cursor_known:
            return self._cursor
        self._cursor_known = True
        inc = dlt_compat.bound_incremental(self._pipe) if self._pipe is not None else None
        if inc is not None:
            if inc.on_cursor_value_missing == "raise" and isinstance(inc.cursor_path, str) \
                    and inc.cursor_path.isidentifier():
                self._cursor = inc.cursor_path
            if isinstance(inc.cursor_path, str) and self.pii is not None \
                    and self.pii.decide(tuple(inc.cursor_path.split("."))) is not None:
                raise ProviderConfigError(
                    "hr_elt", f"PII rules would change {self.vendor}.{self.table}.{inc.cursor_path}, the "
                              "incremental cursor", hint="Keep it in hr_elt.pii.columns / hr_elt.pii.action")
        return self._cursor

    # --- bad records -----------------------------------------------------------------
    def _reject(self, record: dict[str, Any], reason: str) -> None:
        page = self.context.last_page(self.vendor, self.resource)
        where = page.where if page else f"a page of {self.resource}"
        if self.settings.bad_records == FAIL:
            raise BadRecordError(
                self.vendor, f"record #{self._record_no} of this run ({describe(record, self.primary_key)}) "
                             f"on {where}: {reason}; nothing of this run was loaded",
                request_id=page.request_id if page else None, resource=self.resource,
                hint="Fix the data at the vendor, or set hr_elt.bad_records = \"quarantine\" "
                     "(env HR_ELT__BAD_RECORDS) to load it into the _rejected table instead")
        row = rejected_row(self.table, self.resource, reason, where, page.request_id if page else None, record,
                           self.pii)
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
