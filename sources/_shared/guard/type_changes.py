"""``hr_elt.type_changes = "reject"``: a field whose value cannot be coerced to its column's loaded type.

Dict records only: Arrow columns carry their type, and a resource sends a value that does not fit
its Arrow column as a dict record (``sources/_shared/rows/arrow.py``).
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.data_types import coerce_value, py_type_to_sc_type
from dlt.common.schema import Schema
from dlt.common.schema.typing import TTypeDetections

from sources._shared.rows.detections import detected_type, type_detections


class TypeChanges:
    """Finds the first field of a record whose type flipped against the table's columns in the source schema.

    Args:
        vendor: Provider name (the schema's name outside of an extraction).
        table: The table whose columns are compared.
    """

    def __init__(self, vendor: str, table: str) -> None:
        self.vendor = vendor
        self.table = table
        self._schema: Schema | None = None
        self._detections: list[TTypeDetections] = []
        self._types: dict[str, str] = {}
        self._fits: dict[tuple[str, type], bool] = {}
        self._names: dict[tuple[tuple[str, ...], str], tuple[str, str]] = {}  # -> (column, normalized key)

    def problem(self, record: dict[str, Any]) -> str | None:
        """The reason a field of `record` is rejected, None when every field fits."""
        if self._schema is None:
            try:
                self._schema = dlt.current.source_schema()
            except Exception:  # outside of an extraction (tests): an empty schema
                self._schema = Schema(self.vendor)
            columns = self._schema.tables.get(self.table, {}).get("columns", {})
            self._types = {name: str(c["data_type"]) for name, c in columns.items()
                           if c.get("data_type") and not c.get("variant")}
            self._detections = type_detections(self._schema)
        return self._flip_in(record, self._schema, ())

    def _flip_in(self, obj: dict[str, Any], schema: Schema, path: tuple[str, ...]) -> str | None:
        naming = schema.naming
        for key, value in obj.items():
            if value is None or isinstance(value, list):
                continue
            names = self._names.get((path, key))
            if names is None:
                norm = naming.normalize_identifier(str(key))
                names = self._names[(path, key)] = (norm if not path else naming.shorten_fragments(*path, norm), norm)
            column, norm = names
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
                detected = detected_type(self._detections, value)
                self._types[column] = known = detected or py_type
            if known == py_type:  # the same type always fits; other pairs depend on the value
                self._fits[(column, kind)] = True
                continue
            try:
                coerce_value(known, py_type, value)  # type: ignore[arg-type]
            except (ValueError, SyntaxError, TypeError):
                return f"field {column} changed type: {py_type} where {known} was loaded before"
        return None
