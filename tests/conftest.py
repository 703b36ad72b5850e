"""Fixtures shared by all suites: the sandbox over real loopback HTTP and a real warehouse."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from tests.harness import Harness  # noqa: E402


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """Runs pipelines against a sandbox into a DuckDB file, all under a temp dir."""
    h = Harness(tmp_path, monkeypatch)
    yield h
    h.close()


@pytest.fixture
def sandbox_kwargs() -> dict[str, Any]:
    return {}
