"""A small driver for end-to-end tests: sandbox up, env pointed at it, pipeline run, warehouse read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.runner import RunResult, run_vendor
from sandbox import Sandbox

# fast retries in tests: the sandbox's faults are deterministic, waiting only slows the suite
FAST_HTTP = {"BACKOFF_BASE": "0.01", "BACKOFF_CAP": "0.05"}


class Harness:
    """Owns one sandbox, one pipelines dir and one warehouse for a test."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.pipelines_dir = str(tmp_path / "pipelines")
        self.duckdb_path = str(tmp_path / "warehouse.duckdb")
        self.destination = "duckdb"
        self.sandbox: Sandbox | None = None
        monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        monkeypatch.chdir(tmp_path)  # no stray .dlt/ or hr.duckdb from the repo

    # --- sandbox -------------------------------------------------------------------------
    def start(self, vendor: str, **sizes: Any) -> Any:
        """Starts the sandbox of one vendor and points its source at it; returns the vendor app."""
        if self.sandbox is None:
            self.sandbox = Sandbox(vendors=(vendor,), **{vendor: sizes}).start()
        for key, value in self.sandbox.env().items():
            self.monkeypatch.setenv(key, value)
        for key, value in FAST_HTTP.items():
            self.monkeypatch.setenv(f"SOURCES__{vendor.upper()}__{key}", value)
        return self.sandbox.apps[vendor]

    def setenv(self, key: str, value: str) -> None:
        self.monkeypatch.setenv(key, value)

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    # --- pipeline --------------------------------------------------------------------------
    def run(self, vendor: str, **kwargs: Any) -> RunResult:
        kwargs.setdefault("destination", self.destination)
        return run_vendor(vendor, pipelines_dir=self.pipelines_dir, duckdb_path=self.duckdb_path, **kwargs)

    def state(self, vendor: str) -> dict[str, Any]:
        import dlt

        pipeline = dlt.attach(pipeline_name=vendor, pipelines_dir=self.pipelines_dir)
        return pipeline.state  # type: ignore[return-value]

    # --- warehouse -------------------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.duckdb_path, read_only=True) as con:
            return con.execute(sql).fetchall()

    def query_write(self, sql: str) -> None:
        with duckdb.connect(self.duckdb_path) as con:
            con.execute(sql)

    def scalar(self, sql: str) -> Any:
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def count(self, dataset: str, table: str) -> int:
        return int(self.scalar(f'select count(*) from "{dataset}"."{table}"'))

    def distinct(self, dataset: str, table: str, key: str) -> int:
        return int(self.scalar(f'select count(distinct "{key}") from "{dataset}"."{table}"'))

    def columns(self, dataset: str, table: str) -> list[str]:
        rows = self.query(
            "select column_name from information_schema.columns "
            f"where table_schema = '{dataset}' and table_name = '{table}' order by ordinal_position"
        )
        return [r[0] for r in rows]


def environ_snapshot() -> dict[str, str]:
    return dict(os.environ)
