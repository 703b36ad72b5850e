"""DuckDB's memory limit and threads: hr-elt sets them on every connection dlt opens (read back from real DuckDB)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.run.destinations import DEFAULT_DUCKDB_MEMORY_LIMIT, DEFAULT_DUCKDB_THREADS, make_destination
from tests.harness import Harness


def settings_dlt_opens(harness: Harness) -> tuple[str, str]:
    """Loads one row through the pipeline ``run_vendor`` would build; the settings of dlt's own connection."""
    info = harness.load([{"id": 1}], table_name="probe")
    assert not info.has_failed_jobs
    with harness.pipeline("evolve", "evolve").sql_client() as client:
        rows = client.execute_sql("SELECT current_setting('memory_limit'), current_setting('threads')")
    assert rows
    return str(rows[0][0]), str(rows[0][1])


def as_duckdb_prints(setting: str) -> str:
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{setting}'")
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def duckdb_default() -> str:
    with duckdb.connect() as con:
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def duckdb_default_threads() -> str:
    with duckdb.connect() as con:
        row = con.execute("SELECT current_setting('threads')").fetchone()
    assert row is not None
    return str(row[0])


def test_default_limit(harness: Harness) -> None:
    harness.monkeypatch.delenv("HR_ELT__DUCKDB_MEMORY_LIMIT", raising=False)
    harness.monkeypatch.delenv("HR_ELT__DUCKDB_THREADS", raising=False)
    limit, threads = settings_dlt_opens(harness)
    assert (DEFAULT_DUCKDB_MEMORY_LIMIT, DEFAULT_DUCKDB_THREADS) == ("96MB", "1")
    assert limit == as_duckdb_prints("96MB") != duckdb_default()
    assert threads == "1"


@pytest.mark.parametrize(("setting", "expected"), [("2", "2"), ("", None), ("0", None)])
def test_threads_from_env(harness: Harness, setting: str, expected: str | None) -> None:
    harness.setenv("HR_ELT__DUCKDB_THREADS", setting)
    _, threads = settings_dlt_opens(harness)
    assert threads == (expected or duckdb_default_threads())


def test_threads_not_a_number(harness: Harness) -> None:
    harness.setenv("HR_ELT__DUCKDB_THREADS", "many")
    with pytest.raises(ValueError, match="hr_elt.duckdb_threads"):
        make_destination("duckdb", str(harness.tmp_path / "x.duckdb"))


@pytest.mark.parametrize("setting", ["300MB", "1GiB"])
def test_limit_from_env(harness: Harness, setting: str) -> None:
    harness.setenv("HR_ELT__DUCKDB_MEMORY_LIMIT", setting)
    limit, _ = settings_dlt_opens(harness)
    assert limit == as_duckdb_prints(setting)


def test_empty_keeps_duckdbs_default(harness: Harness) -> None:
    harness.setenv("HR_ELT__DUCKDB_MEMORY_LIMIT", "")
    limit, _ = settings_dlt_opens(harness)
    assert limit == duckdb_default()


def test_users_global_config_wins_and_is_kept(harness: Harness) -> None:
    harness.setenv("HR_ELT__DUCKDB_MEMORY_LIMIT", "300MB")
    harness.setenv("DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"memory_limit": "200MB", "threads": 1}')
    limit, threads = settings_dlt_opens(harness)
    assert limit == as_duckdb_prints("200MB")
    assert threads == "1"
