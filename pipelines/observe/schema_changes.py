"""Schema changes of a run, in words: new tables and columns, variant columns, custom field definitions.

* From dlt: each load package's ``schema_update`` (what normalize added) against the tables and
  columns the pipeline's schema had before the run (:func:`known_columns`): ``new_table``,
  ``new_column``, ``variant_column`` (a value of another type than its column: dlt's
  ``<column>__v_<type>``). dlt's own tables and the run-fact tables (``_dlt*``, ``_hr_elt*``) are
  never reported.
* From the vendor's custom field definitions, against the ones the previous run saw
  (:func:`definition_changes`): ``custom_field_added``, ``custom_field_archived``,
  ``custom_field_relabelled``, ``custom_field_retyped``.

:func:`say_changes` gives each one summary line (a WARNING for type drift and a retyped field); a
first load says only how many tables it created. ``pipelines/observe/quality.py`` stores the rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from dlt.common.pipeline import LoadInfo
from dlt.pipeline.pipeline import Pipeline

from sources._shared.context import RunContext
from sources._shared.coverage import CustomFields

CHANGES_TABLE = "_hr_elt_schema_changes"
CHANGES_COLUMNS: dict[str, Any] = {
    "load_id": {"data_type": "text", "nullable": True},
    "run_id": {"data_type": "text", "nullable": False},
    "table_name": {"data_type": "text", "nullable": False},
    "column_name": {"data_type": "text", "nullable": True},
    "change": {"data_type": "text", "nullable": False},
    "detail": {"data_type": "text", "nullable": True},
    "changed_at": {"data_type": "timestamp", "nullable": False},
}
_VARIANT = re.compile(r"__v_[a-z_]+$")
_OWN_TABLES = ("_dlt", "_hr_elt")
_DRIFT = ("variant_column", "custom_field_retyped")


def user_table(name: str) -> bool:
    """A table of the vendor's data (not dlt's own, not a run-fact table)."""
    return not name.startswith(_OWN_TABLES)


def known_columns(pipeline: Pipeline) -> dict[str, set[str]] | None:
    """``table -> columns`` of the pipeline's schema now; None before its first load."""
    if not pipeline.default_schema_name:
        return None
    schema = pipeline.default_schema
    tables = {name: set(t.get("columns", {})) for name, t in schema.tables.items() if user_table(name)}
    return tables or None


def load_changes(info: LoadInfo | None, before: Mapping[str, set[str]] | None, now: datetime) -> list[dict[str, Any]]:
    """New tables, new columns and variant columns the run's load packages brought."""
    updates: dict[str, dict[str, Any]] = {}
    for package in info.load_packages if info is not None else []:
        for table, partial in (package.schema_update or {}).items():
            if user_table(table):
                updates.setdefault(table, {}).update(partial.get("columns", {}))
    out: list[dict[str, Any]] = []
    for table, columns in sorted(updates.items()):
        if before is None or table not in before:
            names = [c for c in columns if not c.startswith("_dlt_")]
            out.append({"table_name": table, "column_name": None, "change": "new_table",
                        "detail": f"new table {table} ({len(names)} columns)", "changed_at": now})
            continue
        for column, schema in sorted(columns.items()):
            if column in before[table] or column.startswith("_dlt_"):
                continue
            kind = schema.get("data_type")
            if schema.get("variant") or _VARIANT.search(column):
                base = _VARIANT.sub("", column)
                detail = (f"type drift: {table}.{base} got {kind} values, loaded into the new variant column "
                          f"{column}; rows written from now on have {base} null, rows not written again keep "
                          f"their values in it")
                out.append({"table_name": table, "column_name": column, "change": "variant_column",
                            "detail": detail, "changed_at": now})
            else:
                out.append({"table_name": table, "column_name": column, "change": "new_column",
                            "detail": f"new column {table}.{column} ({kind})", "changed_at": now})
    return out


def definition_changes(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]],
                       table: str, now: datetime, said: CustomFields | None = None) -> list[dict[str, Any]]:
    """Custom fields added (or restored), archived, relabelled or retyped between two sets of definitions.

    Args:
        before: ``key -> {label, type, archived, column}`` the previous run saw.
        after: The same after this run.
        table: The table the custom fields land in.
        now: When the run saw the changes.
        said: The vendor's custom-field declaration: what becomes of archived and retyped fields' values.
    """
    out: list[dict[str, Any]] = []
    said = said or CustomFields(resource=table, definitions="")

    def change(kind: str, key: str, detail: str) -> None:
        out.append({"table_name": table, "column_name": after[key].get("column"), "change": kind,
                    "detail": detail, "changed_at": now})

    for key, now_def in sorted(after.items()):
        old = before.get(key)
        if old is None or (old.get("archived") and not now_def.get("archived")):
            change("custom_field_added", key, f"custom field {key!r} ({now_def.get('label')!r}, "
                                              f"{now_def.get('type')}) added")
            continue
        if not old.get("archived") and now_def.get("archived"):
            change("custom_field_archived", key, f"custom field {key!r} archived: it is no longer sent; "
                                                 + said.archived.format(column=now_def.get("column")))
        if old.get("label") != now_def.get("label"):
            change("custom_field_relabelled", key, f"custom field {key!r} relabelled from "
                                                   f"{old.get('label')!r} to {now_def.get('label')!r}")
        if old.get("type") != now_def.get("type"):
            change("custom_field_retyped", key, f"custom field {key!r} retyped from {old.get('type')} to "
                                                f"{now_def.get('type')}; "
                                                + said.retyped.format(column=now_def.get("column")))
    return out


def say_changes(context: RunContext, vendor: str, changes: list[dict[str, Any]], first_load: bool) -> None:
    """One summary line per change (type drift a warning); a first load: one line for its tables."""
    if first_load:
        tables = [c for c in changes if c["change"] == "new_table"]
        if tables:
            context.note(vendor, "schema/created", f"{len(tables)} tables created")
        changes = [c for c in changes if c["change"] != "new_table"]
    for change in changes:
        topic = f"schema/{change['table_name']}/{change['column_name']}/{change['change']}"
        text = f"{vendor}: {change['detail']}"
        if change["change"] in _DRIFT:
            context.warn(vendor, topic, text)
        else:
            context.note(vendor, topic, text)
