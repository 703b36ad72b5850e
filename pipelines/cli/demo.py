"""``make demo``: the bundled sandbox, loaded into a local DuckDB file, and what landed."""

from __future__ import annotations

import os
import sys

import duckdb

from pipelines.app import run_vendor
from pipelines.report.summary import format_summary
from pipelines.run.failures import error_line
from sandbox import Sandbox


def run_demo(duckdb_path: str = "hr.duckdb", pipelines_dir: str | None = None) -> int:
    """Starts the sandbox in-process, points every source at it and loads all vendors."""
    failed = 0
    with Sandbox() as sandbox:
        os.environ.update(sandbox.env())
        for vendor in sandbox.apps:  # every registered vendor's emulator
            try:
                result = run_vendor(vendor, duckdb_path=duckdb_path, pipelines_dir=pipelines_dir, full_refresh=True)
            except Exception as exc:  # keep going: show what the other vendors loaded
                failed += 1
                print(f"hr-elt: {error_line(vendor, exc)}", file=sys.stderr)
                continue
            print(format_summary(result))
    print()
    print(describe_warehouse(duckdb_path))
    return 1 if failed else 0


def describe_warehouse(duckdb_path: str) -> str:
    """Tables and row counts in the DuckDB file, per dataset."""
    with duckdb.connect(duckdb_path, read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_name not like '\\_dlt%' escape '\\' and table_schema not like '%\\_staging' escape '\\' "
            "order by 1, 2"
        ).fetchall()
        lines = [f"{duckdb_path}: what landed"]
        for schema, table in tables:
            (n,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone() or (0,)
            lines.append(f"  {schema}.{table:<40} {n:>8} rows")
    return "\n".join(lines)
