"""ByteHR's part of field coverage: custom fields counted as sent, before the pivot reshapes them.

The pivot (:mod:`sources.bytehr.custom_fields`) leaves null values out, so after it a field that
the API withheld and one that is null look alike. The employees transform therefore counts each
record's ``custom_fields`` entries first (:func:`count_custom_fields`); the definitions transform
reports each definition it reads (:func:`record_definition`). ``pipelines/observe/quality.py`` makes the
active definitions documented fields of employees and compares them with the previous run's.
"""

from __future__ import annotations

from typing import Any

from sources._shared.coverage import Definition, FieldMeter
from sources.bytehr import settings


def count_custom_fields(meter: FieldMeter, record: dict[str, Any]) -> None:
    """Counts the custom field entries of one employee record as ByteHR sent it."""
    entries = record.get(settings.CUSTOM_FIELDS)
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, dict) and entry.get("key") is not None:
            meter.count_custom("employees", str(entry["key"]), entry.get("value") is not None)


def record_definition(meter: FieldMeter, row: dict[str, Any]) -> None:
    """Reports one employee custom field definition (after its ``column_name`` is set)."""
    if row.get("key") is None or row.get("entity", "employee") != "employee":
        return
    meter.define(Definition(key=str(row["key"]), label=row.get("label"), type=row.get("type"),
                            archived=bool(row.get("archived")), column=row.get("column_name")))
