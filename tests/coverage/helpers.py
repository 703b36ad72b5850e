"""Reading back what a run stored about itself: coverage rows and schema changes."""

from __future__ import annotations

from typing import Any

from sources import registry
from tests.harness import Harness

COVERAGE = ("resource", "field", "column_name", "rows", "present_rows", "non_null_rows", "status", "load_id")


def coverage(harness: Harness, dataset: str, where: str = "true") -> dict[tuple[str, str], dict[str, Any]]:
    """The latest coverage row per (resource, field) of a dataset."""
    rows = harness.query(f"select {', '.join(COVERAGE)} from {dataset}._hr_elt_field_coverage where {where} "
                         "order by measured_at, load_id")
    return {(r[0], r[1]): dict(zip(COVERAGE, r, strict=True)) for r in rows}


def changes(harness: Harness, dataset: str) -> list[tuple[str, str | None, str, str]]:
    """``(table_name, column_name, change, detail)`` of every stored schema change."""
    rows = harness.query(f"select table_name, column_name, change, detail from {dataset}._hr_elt_schema_changes "
                         "order by table_name, column_name, change")
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def expected(vendor: str, resource: str, records: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """``field -> (rows, present, non-null)`` of the vendor's documented fields, counted on sandbox records."""
    fields = registry.get(vendor).coverage.documented[resource]
    return {f: (len(records), sum(f in r for r in records), sum(r.get(f) is not None for r in records))
            for f in fields}


def measured(rows: dict[tuple[str, str], dict[str, Any]], resource: str) -> dict[str, tuple[int, int, int]]:
    """``field -> (rows, present, non-null)`` of one resource's stored coverage rows (documented fields)."""
    return {f: (r["rows"], r["present_rows"], r["non_null_rows"]) for (res, f), r in rows.items() if res == resource}
