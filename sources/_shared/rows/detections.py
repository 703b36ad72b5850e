"""The data type dlt's schema would detect for a Python value, through the schema's public settings."""

from __future__ import annotations

from typing import Any

from dlt.common.schema import Schema
from dlt.common.schema import utils as schema_utils
from dlt.common.schema.typing import TTypeDetections

# dlt's own default (``utils.standard_type_detections``), used outside of an extraction
DEFAULT_DETECTIONS: tuple[TTypeDetections, ...] = tuple(schema_utils.standard_type_detections())


def type_detections(schema: Schema) -> list[TTypeDetections]:
    """The type detections `schema` applies: its settings', else its normalizers', as dlt looks them up."""
    found = schema.settings.get("detections")
    if found:
        return list(found)
    normalizers: Any = schema.to_dict().get("normalizers") or {}  # the stored schema's normalizer config
    return list(normalizers.get("detections") or [])


def current_type_detections() -> list[TTypeDetections]:
    """The detections of the schema being extracted into; dlt's defaults outside of an extraction."""
    import dlt

    try:
        schema = dlt.current.source_schema()
    except Exception:  # outside of an extraction
        return list(DEFAULT_DETECTIONS)
    return type_detections(schema)


def detected_type(detections: list[TTypeDetections], value: Any) -> str | None:
    """The data type `detections` give `value` (e.g. ``timestamp`` for an ISO string), None when none applies."""
    return schema_utils.autodetect_sc_type(detections, type(value), value)
