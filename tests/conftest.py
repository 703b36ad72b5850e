"""Fixtures shared by all suites: the sandbox over real loopback HTTP and a real warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from tests.harness import Harness  # noqa: E402
from tests.postgres_server import PostgresServer, PostgresUnavailable  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway Postgres cluster on loopback, started at the first test that needs it, stopped at the end."""
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as missing:
        pytest.fail(str(missing), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def destination() -> str:
    """The warehouse a test loads into; suites and tests parametrise it (see tests.harness)."""
    return "duckdb"


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
            destination: str) -> Iterator[Harness]:
    """Runs pipelines against a sandbox into a DuckDB file or a fresh Postgres database, under a temp dir."""
    postgres = request.getfixturevalue("postgres_server") if destination == "postgres" else None
    h = Harness(tmp_path, monkeypatch, destination=destination, postgres=postgres)
    yield h
    h.close()


@pytest.fixture
def sandbox_kwargs() -> dict[str, Any]:
    return {}
