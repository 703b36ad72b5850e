"""Destinations: which ones hr-elt supports and the file format each loads fastest with."""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.destination import Destination

DESTINATIONS = ("duckdb", "postgres", "bigquery")
DEFAULT_DUCKDB_PATH = "hr.duckdb"

# The one place that picks the load file format. DuckDB reads parquet ~15x faster than
# INSERT statements (knowhow.md); Postgres loads csv through COPY.
FILE_FORMATS: dict[str, str] = {
    "duckdb": "parquet",
    "postgres": "csv",
    "bigquery": "jsonl",
}


def make_destination(name: str, duckdb_path: str | None = None) -> Destination[Any, Any]:
    """Builds a dlt destination; credentials come from dlt's config providers.

    Args:
        name: One of ``duckdb``, ``postgres``, ``bigquery``.
        duckdb_path: DuckDB database file; defaults to ``hr_elt.duckdb_path`` in config, else ``hr.duckdb``.
    """
    if name == "duckdb":
        path = duckdb_path or dlt.config.get("hr_elt.duckdb_path", str) or DEFAULT_DUCKDB_PATH
        return dlt.destinations.duckdb(credentials=path)
    if name == "postgres":
        return dlt.destinations.postgres()
    if name == "bigquery":
        return dlt.destinations.bigquery()
    raise ValueError(f"unknown destination {name!r}: choose one of {', '.join(DESTINATIONS)}")
