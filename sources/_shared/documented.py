"""Column hints for documented fields a load may carry no value for, so their columns exist from the first load.

A documented field that may be null on every record (a document's ``deleted_at`` before any delete,
a ``termination_date`` before anyone left) gets no column from dlt until a value arrives: a user's
``where deleted_at is null`` fails, and dlt warns. :func:`documented_hints` derives a typed, nullable
column hint for each such field from the vendor's declaration (its coverage's ``may_be_null`` and
``types``); a field whose type is neither declared nor told by its name (``..._at``: a timestamp)
gets none. Hints a resource already declares win.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dlt.common.schema.typing import TColumnSchema
from dlt.extract.source import DltSource

from sources._shared.coverage import FieldCoverage

SUFFIX_TYPES: tuple[tuple[str, str], ...] = (("_at", "timestamp"),)
"""Types a field's name tells: the vendors send ``..._at`` fields as ISO timestamps."""


def field_type(name: str, declared: Mapping[str, str]) -> str | None:
    """The declared type of a field, else the one its name tells, else None."""
    if name in declared:
        return declared[name]
    return next((kind for suffix, kind in SUFFIX_TYPES if name.endswith(suffix)), None)


def documented_hints(coverage: FieldCoverage, resource: str, existing: Mapping[str, Any]) -> dict[str, TColumnSchema]:
    """Typed nullable column hints for `resource`'s may-be-null documented fields that `existing` lacks."""
    declared = coverage.types.get(resource, {})
    hints: dict[str, TColumnSchema] = {}
    for name in coverage.may_be_null.get(resource, ()):
        kind = field_type(name, declared)
        if kind is not None and name not in existing:
            hints[name] = {"name": name, "data_type": kind, "nullable": True}  # type: ignore[typeddict-item]
    return hints


def declare_documented(source: DltSource, coverage: FieldCoverage) -> DltSource:
    """Adds :func:`documented_hints` to every selected resource of `source`, in place; returns it.

    The resource that carries custom fields is left out: it also sends rows to a table variant of its
    own (ByteHR's ``custom_field_values``), and dlt copies a resource's column hints to its variants.
    """
    custom = coverage.custom_fields.resource if coverage.custom_fields is not None else None
    for name, resource in source.selected_resources.items():
        if name == custom:
            continue
        existing = resource.columns if isinstance(resource.columns, dict) else {}
        hints = documented_hints(coverage, name, existing)
        if hints:
            resource.apply_hints(columns=hints)
    return source
