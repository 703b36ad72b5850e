"""One loaded warehouse per test module: the sandbox's three vendors over loopback HTTP, loaded by
the real pipelines into DuckDB or a fresh Postgres database; then dbt runs on it.

dbt invocations take seconds, so a module loads once and its tests share the result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pipelines.app import run_vendor
from pipelines.dbt.runner import DbtResult, run_dbt
from pipelines.run.result import RunResult
from sandbox import Sandbox
from tests.harness import FAST_HTTP, query_warehouse
from tests.postgres_server import PostgresServer

VENDORS = ("bytehr", "cutehr", "hollyhr")


class Warehouse:
    """A sandbox, a pipelines dir and a warehouse (DuckDB file or Postgres database) shared by a module."""

    def __init__(self, root: Path, destination: str, mp: pytest.MonkeyPatch, sandbox: Sandbox,
                 postgres: PostgresServer | None = None) -> None:
        self.root = root
        self.destination = destination
        self.mp = mp
        self.sandbox = sandbox
        self.postgres = postgres
        self.pipelines_dir = str(root / "pipelines")
        self.duckdb_path = str(root / "warehouse.duckdb")
        self.postgres_url = ""
        mp.chdir(root)  # no .dlt/ of the repo
        mp.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        for key in [k for k in os.environ if k.startswith("SOURCES__")]:
            mp.delenv(key)
        for key, value in sandbox.env().items():
            mp.setenv(key, value)
        for vendor in sandbox.apps:
            for key, value in FAST_HTTP.items():
                mp.setenv(f"SOURCES__{vendor.upper()}__{key}", value)
        if destination == "postgres":
            assert postgres is not None
            self.postgres_url = postgres.create_database(f"dbt_{root.name}")
            mp.setenv("DESTINATION__POSTGRES__CREDENTIALS", self.postgres_url)

    def run(self, vendor: str, **kwargs: Any) -> RunResult:
        return run_vendor(vendor, destination=self.destination, pipelines_dir=self.pipelines_dir,
                          duckdb_path=self.duckdb_path, **kwargs)

    def load_all(self) -> dict[str, RunResult]:
        return {vendor: self.run(vendor) for vendor in self.sandbox.apps}

    def dbt(self, **kwargs: Any) -> DbtResult:
        kwargs.setdefault("quiet", True)
        return run_dbt(destination=self.destination, duckdb_path=self.duckdb_path,
                       pipelines_dir=self.pipelines_dir, **kwargs)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return query_warehouse(sql, self.duckdb_path, self.postgres, self.postgres_url)

    def scalar(self, sql: str) -> Any:
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def columns(self, schema: str, table: str) -> dict[str, str]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position"
        )
        return {str(name): str(kind).lower() for name, kind in rows}

    def tables(self, schema: str) -> list[str]:
        rows = self.query(f"select table_name from information_schema.tables where table_schema = '{schema}'")
        return sorted(str(r[0]) for r in rows)

    def close(self) -> None:
        if self.postgres is not None and self.postgres_url:
            self.postgres.drop_database(self.postgres_url)
            self.postgres_url = ""


@contextmanager
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory, destination: str,
                     postgres: PostgresServer | None = None, **sizes: Any) -> Iterator[Warehouse]:
    """Starts the sandbox (all three vendors), loads them and yields the warehouse."""
    root = tmp_path_factory.mktemp(f"dbt_{destination}")
    with pytest.MonkeyPatch.context() as mp, Sandbox(**sizes) as sandbox:
        warehouse = Warehouse(root, destination, mp, sandbox, postgres)
        try:
            warehouse.load_all()
            yield warehouse
        finally:
            warehouse.close()


def expected_counts(sandbox: Sandbox) -> dict[str, dict[str, int]]:
    """Rows per unified model and provider, counted in the sandbox itself (the vendors' truth)."""
    holly, byte, cute = sandbox.hollyhr, sandbox.bytehr, sandbox.cutehr
    holly_departments = {r["department"] for r in holly.records("people")}
    holly_departments |= {r["department"] for r in holly.records("employments")}
    holly_departments |= {r["department"] for r in holly.records("employment_history")}
    return {
        "hr_employees": {"bytehr": byte.count("employees"), "cutehr": cute.count("employees"),
                         "hollyhr": holly.count("people")},
        "hr_departments": {"bytehr": byte.count("departments"), "cutehr": cute.count("departments"),
                           "hollyhr": len({d for d in holly_departments if d})},
        "hr_time_off": {"bytehr": byte.count("leave_requests"), "cutehr": cute.count("leaves"),
                        "hollyhr": holly.count("time_off")},
    }


def assert_clean(result: DbtResult) -> None:
    """Every model built and every test passed, warnings included."""
    bad = [n for n in result.nodes if n.status not in ("success", "pass")]
    assert not bad, bad
    assert result.statuses().get("success", 0) >= 4
