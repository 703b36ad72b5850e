"""A small driver for end-to-end tests: sandbox up, env pointed at it, pipeline run, warehouse read.

The warehouse is a DuckDB file or a fresh database on the session's throwaway Postgres server
(``tests/postgres_server.py``), chosen by the ``destination`` fixture: DuckDB unless a test or
suite asks otherwise. :class:`tests.contract.SourceContract` runs on every destination in
:data:`TEST_DESTINATIONS`; a vendor-specific test opts in with ``@on_each_destination``. The SQL
read-back helpers work the same on both (dataset = DuckDB schema = Postgres schema).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pytest

from pipelines.app import run_vendor
from pipelines.run.result import RunResult
from sandbox import Sandbox
from sources._shared.errors import exception_chain
from tests.postgres_server import PostgresServer

E = TypeVar("E", bound=BaseException)

# fast retries in tests: the sandbox's faults are deterministic, waiting only slows the suite
FAST_HTTP = {"BACKOFF_BASE": "0.01", "BACKOFF_CAP": "0.05"}

# warehouses the source contract suites run on; HR_ELT_TEST_DESTINATIONS=duckdb narrows a local run
TEST_DESTINATIONS = [d for d in os.environ.get("HR_ELT_TEST_DESTINATIONS", "duckdb,postgres").split(",") if d]

# runs a test once per warehouse: @on_each_destination above a test that takes the `harness` fixture
on_each_destination = pytest.mark.parametrize("destination", TEST_DESTINATIONS)


class Harness:
    """Owns one sandbox, one pipelines dir and one warehouse for a test."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, destination: str = "duckdb",
                 postgres: PostgresServer | None = None) -> None:
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.pipelines_dir = str(tmp_path / "pipelines")
        self.duckdb_path = str(tmp_path / "warehouse.duckdb")
        self.destination = destination
        self.sandbox: Sandbox | None = None
        self.postgres = postgres
        self.postgres_url = ""
        monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
        monkeypatch.chdir(tmp_path)  # no stray .dlt/ or hr.duckdb from the repo
        if destination == "postgres":
            if postgres is None:
                raise ValueError("the postgres destination needs the session's PostgresServer")
            # a database of its own per test: the vendor datasets (schemas) never collide
            self.postgres_url = postgres.create_database(f"t_{tmp_path.name}")
            monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", self.postgres_url)
        elif destination != "duckdb":
            raise ValueError(f"the harness reads back duckdb and postgres, not {destination!r}")

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
        if self.postgres is not None and self.postgres_url:
            self.postgres.drop_database(self.postgres_url)
            self.postgres_url = ""

    # --- pipeline --------------------------------------------------------------------------
    def run(self, vendor: str, **kwargs: Any) -> RunResult:
        kwargs.setdefault("destination", self.destination)
        return run_vendor(vendor, pipelines_dir=self.pipelines_dir, duckdb_path=self.duckdb_path, **kwargs)

    def pipeline(self, name: str, dataset: str) -> Any:
        """A dlt pipeline into this test's warehouse, built the way ``run_vendor`` builds one."""
        import dlt

        from pipelines.run.destinations import make_destination

        return dlt.pipeline(pipeline_name=name, destination=make_destination(self.destination, self.duckdb_path),
                            dataset_name=dataset, pipelines_dir=self.pipelines_dir)

    def load(self, data: Any, name: str = "evolve", dataset: str = "evolve", **kwargs: Any) -> Any:
        """Loads a source/resource as ``run_vendor`` would: the destination's file format and adaptation."""
        from pipelines.run.destinations import adapt_source, loader_file_format

        if hasattr(data, "resources"):
            adapt_source(data, self.destination)
        kwargs.setdefault("loader_file_format", loader_file_format(self.destination))
        return self.pipeline(name, dataset).run(data, **kwargs)

    def state(self, vendor: str) -> dict[str, Any]:
        import dlt

        from pipelines.run.naming import latest_pipeline_name

        name = latest_pipeline_name(vendor, self.pipelines_dir)  # <vendor>__<kind>_<hash8>: one a destination
        pipeline = dlt.attach(pipeline_name=name, pipelines_dir=self.pipelines_dir)
        return pipeline.state  # type: ignore[return-value]

    # --- warehouse -------------------------------------------------------------------------
    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return query_warehouse(sql, self.duckdb_path, self.postgres, self.postgres_url)

    def query_write(self, sql: str) -> None:
        if self.destination == "postgres":
            assert self.postgres is not None
            with self.postgres.connect(self.postgres_url) as con, con.cursor() as cur:
                cur.execute(sql)
            return
        with duckdb.connect(self.duckdb_path) as con:
            con.execute(sql)

    def tables(self, dataset: str) -> list[str]:
        rows = self.query(
            f"select table_name from information_schema.tables where table_schema = '{dataset}' order by 1"
        )
        return [r[0] for r in rows]

    def column_types(self, dataset: str, table: str) -> dict[str, str]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{dataset}' and table_name = '{table}' order by ordinal_position"
        )
        return {r[0]: str(r[1]).lower() for r in rows}

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


def query_warehouse(sql: str, duckdb_path: str, postgres: PostgresServer | None = None,
                    postgres_url: str = "") -> list[tuple[Any, ...]]:
    """Rows of ``sql`` from the Postgres database at ``postgres_url`` when given, else the DuckDB file."""
    if postgres_url:
        assert postgres is not None
        with postgres.connect(postgres_url) as con, con.cursor() as cur:
            cur.execute(sql)
            return [tuple(row) for row in cur.fetchall()]
    with duckdb.connect(duckdb_path, read_only=True) as con:
        return con.execute(sql).fetchall()


def raised(exc: BaseException, kind: type[E]) -> E:
    """The ``kind`` error in ``exc``'s chain (dlt wraps source errors); fails the test when none is."""
    found = next((error for error in exception_chain(exc) if isinstance(error, kind)), None)
    assert found is not None, f"no {kind.__name__} behind {exc!r}"
    return found


def environ_snapshot() -> dict[str, str]:
    return dict(os.environ)
