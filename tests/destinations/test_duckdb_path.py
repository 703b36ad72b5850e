"""A relative DuckDB path is relative to where the command runs, every run."""

from __future__ import annotations

from pathlib import Path

import dlt
import pytest

from pipelines.run.destinations import make_destination


def test_relative_duckdb_path_follows_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for where in (first, second):
        monkeypatch.chdir(where)
        # the same pipeline both times: dlt keeps the directory it first ran in in its local state
        pipeline = dlt.pipeline("relative_path", destination=make_destination("duckdb", "warehouse.duckdb"),
                                dataset_name="d", pipelines_dir=str(tmp_path / "pipelines"))
        pipeline.run([{"id": 1}], table_name="t")
        assert (where / "warehouse.duckdb").exists()
    assert (first / "warehouse.duckdb").stat().st_size > 0 and (second / "warehouse.duckdb").stat().st_size > 0
