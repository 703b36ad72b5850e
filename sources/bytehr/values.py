"""ByteHR custom-field values, one row per (employee, key), kept when ByteHR stops sending a field.

The employees row is replaced whole by every merge, so a field ByteHR no longer sends (archived, or
deleted at the vendor) becomes null there, and a retyped field's new values land in a variant column.
The table ``custom_field_values`` keeps the values: every employee record loaded also yields one row
per custom field ByteHR sent with it (``value_id`` = ``<employee id>:<key>``, null values included,
so a value cleared at ByteHR is cleared here too). The table uses dlt's scd2 strategy scoped to the
rows staged in a load (``destination_scope``): a field that was not sent, e.g. archived, is not
staged, so its rows stay current; a changed value (a new type included) retires its old version and
keeps it (``_dlt_valid_to``); restoring a field at ByteHR stages its values again, the same ones:
nothing changes. ``where _dlt_valid_to is null`` selects each employee's current values.

The rows are made after the record checks and PII rules of the employees resource (the step's
``placement_affinity`` puts it behind the run's guard), from the pivoted ``custom_fields`` object: a
dropped field has no value here either, a pseudonymised one its pseudonym. Each value lands in the
typed column of its Python type (``value_number``, ``value_date``, ``value_boolean``, ``value_list``)
and as text in ``value``, so a type change never makes a variant column.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import dlt
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.items_transform import ItemTransform

from sources._shared.state.deletes import DELETED_AT
from sources.bytehr import settings

TABLE = "custom_field_values"
SENT = "_hr_elt_custom_fields_sent"  # set by the employees transform, removed by the step: {name: [key, type, column]}
VALUE_ID = "value_id"
COLUMNS: dict[str, TColumnSchema] = {
    VALUE_ID: {"data_type": "text", "nullable": True},
    "employee_id": {"data_type": "bigint", "nullable": True},
    "key": {"data_type": "text", "nullable": True},
    "column_name": {"data_type": "text", "nullable": True},
    "type": {"data_type": "text", "nullable": True},
    "value": {"data_type": "text", "nullable": True},
    "value_number": {"data_type": "double", "nullable": True},
    "value_date": {"data_type": "date", "nullable": True},
    "value_boolean": {"data_type": "bool", "nullable": True},
    "value_list": {"data_type": "json", "nullable": True},
}


def table_hints() -> Any:
    """The hints of ``custom_field_values``: scd2, versioned and retired only where staged."""
    return dlt.mark.make_hints(
        table_name=TABLE,
        write_disposition={
            "disposition": "merge",
            "strategy": "scd2",
            "destination_scope": f"{VALUE_ID} IN (SELECT {VALUE_ID} FROM {{staging_table}})",
        },
        columns=COLUMNS,
        primary_key=[],  # not the employees' `id`: scd2 keys versions by a hash of the row
    )


def mark_sent(record: dict[str, Any], sent: Mapping[str, tuple[str, Any, str]]) -> dict[str, Any]:
    """Notes on a pivoted record which fields ByteHR sent with it (name -> key, type, employees column)."""
    record[SENT] = {name: list(entry) for name, entry in sent.items()}
    return record


def value_columns(value: Any) -> dict[str, Any]:
    """The value as text and in the typed column of its Python type."""
    out: dict[str, Any] = {"value": None, "value_number": None, "value_date": None, "value_boolean": None,
                           "value_list": None}
    if value is None:
        return out
    if isinstance(value, bool):
        out["value_boolean"], out["value"] = value, "true" if value else "false"
    elif isinstance(value, (int, float)):
        out["value_number"] = float(value)
        out["value"] = str(int(value)) if float(value).is_integer() else repr(float(value))
    elif isinstance(value, datetime.date):
        out["value_date"], out["value"] = value, value.isoformat()
    elif isinstance(value, (list, dict)):
        out["value_list"], out["value"] = value, json.dumps(value, ensure_ascii=False, default=str)
    else:
        out["value"] = str(value)
    return out


def value_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The value rows of one employee record (after its PII rules); removes the record's note of what was sent."""
    sent = record.pop(SENT, None)
    if not isinstance(sent, dict) or record.get(DELETED_AT) is not None or record.get("id") is None:
        return []
    fields = record.get(settings.CUSTOM_FIELDS) or {}
    rows = []
    for name, (key, kind, column) in sent.items():
        rows.append({VALUE_ID: f"{record['id']}:{key}", "employee_id": record["id"], "key": key,
                     "column_name": column, "type": kind,
                     **value_columns(fields.get(name) if isinstance(fields, dict) else None)})
    return rows


class CustomFieldValues(ItemTransform[Any, dict[str, Any]]):
    """The employees resource's last step: passes each page on, then its value rows to ``custom_field_values``."""

    placement_affinity: ClassVar[float] = 0.7  # after the run's record guard and PII rules (0.5)

    def __init__(self) -> None:
        super().__init__(lambda item: item)

    def __call__(self, item: Any, meta: Any = None) -> Any:
        """A page of employee records: the page, then its value rows (other items pass unchanged)."""
        records = item if isinstance(item, list) else [item] if isinstance(item, dict) else None
        if records is None or not any(isinstance(r, dict) and SENT in r for r in records):
            return item
        return self._split(item, records)

    def _split(self, item: Any, records: list[Any]) -> Iterator[Any]:
        rows = [row for record in records if isinstance(record, dict) for row in value_rows(record)]
        yield item
        if rows:
            yield dlt.mark.with_hints(rows, table_hints(), create_table_variant=True)
