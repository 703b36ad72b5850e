"""Extract's intermediate files are written uncompressed; load files keep dlt's compression (real dlt)."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import dlt
import pytest

from pipelines.run.runner import extract_writer_settings, run_settings


def written_files(pipelines_dir: Path, name: str) -> list[str]:
    return [p for p in glob.glob(str(pipelines_dir / "**" / f"{name}.*"), recursive=True) if os.path.isfile(p)]


def gzipped(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def test_extract_uncompressed_load_files_compressed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATA_WRITER__DISABLE_COMPRESSION", raising=False)
    monkeypatch.delenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", raising=False)
    settings = extract_writer_settings()
    assert settings == {"data_writer.disable_compression": True, "normalize.data_writer.disable_compression": False}
    pipeline = dlt.pipeline("writer_settings", destination="duckdb", dataset_name="w", pipelines_dir=str(tmp_path))
    rows = [{"id": i, "text": "x" * 40} for i in range(2000)]
    with dlt.config.values(settings):
        pipeline.extract(rows, table_name="probe", loader_file_format="jsonl")
        extracted = written_files(tmp_path, "probe")
        assert extracted and not any(gzipped(p) for p in extracted)
        pipeline.normalize()
        normalized = written_files(tmp_path, "probe")
        assert normalized and all(gzipped(p) for p in normalized)  # BigQuery's jsonl goes up gzipped
    assert "data_writer.disable_compression" not in dlt.config  # nothing left behind after the run


def test_a_users_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_WRITER__DISABLE_COMPRESSION", "false")
    assert extract_writer_settings() == {}
    monkeypatch.delenv("DATA_WRITER__DISABLE_COMPRESSION")
    monkeypatch.setenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "true")
    assert extract_writer_settings() == {}


def test_overlapping_runs_leave_no_settings_behind() -> None:
    # two runs in threads (webhook server, Dagster in-process) end in the other order than they began:
    # dlt.config.values alone would restore the second run's snapshot last, keeping the first's values
    first = run_settings({"data_writer.disable_compression": True})
    second = run_settings({"load.workers": 1})
    first.__enter__()
    second.__enter__()
    assert dlt.config["data_writer.disable_compression"] is True and dlt.config["load.workers"] == 1
    first.__exit__(None, None, None)
    assert dlt.config["load.workers"] == 1  # the second run is still going
    second.__exit__(None, None, None)
    assert "data_writer.disable_compression" not in dlt.config
    assert "load.workers" not in dlt.config
