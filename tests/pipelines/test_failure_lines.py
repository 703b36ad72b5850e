"""`hr-elt run` failures as typed: one `hr-elt:` line with the root cause, no traceback, exit 1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.pipelines.test_cli import env_for, hr_elt

FAST = {"SOURCES__HOLLYHR__BACKOFF_BASE": "0.01", "SOURCES__HOLLYHR__BACKOFF_CAP": "0.02"}
SECRET = "s3cret-pw-never-shown"


@pytest.fixture(scope="module")
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 10}) as sandbox:
        yield sandbox


@pytest.fixture
def mute_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def one_error_line(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = hr_elt(args, env, cwd)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("hr-elt:")]
    assert len(lines) == 1, done.stderr
    assert SECRET not in done.stderr + done.stdout
    return lines[0]


def run_args(tmp_path: Path, *extra: str) -> list[str]:
    return ["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb"),
            *extra]


@pytest.mark.parametrize(("base_url", "expected"), [
    ("http://127.0.0.1:9/api/v1", "hollyhr: extract failed: connection refused by 127.0.0.1:9"),
    ("http://no-such-host.invalid/api/v1", "hollyhr: extract failed: cannot resolve the host of no-such-host.invalid"),
])
def test_unreachable_vendor_names_host_and_setting(tmp_path: Path, base_url: str, expected: str) -> None:
    env = env_for(None, SOURCES__HOLLYHR__BASE_URL=base_url, SOURCES__HOLLYHR__API_TOKEN=SECRET, **FAST)
    line = one_error_line(run_args(tmp_path), env, tmp_path)
    assert line.startswith(f"hr-elt: {expected}")
    assert "SOURCES__HOLLYHR__BASE_URL" in line


def test_timeout_names_the_timeout_setting(tmp_path: Path, mute_port: int) -> None:
    env = env_for(None, SOURCES__HOLLYHR__BASE_URL=f"http://127.0.0.1:{mute_port}/api/v1",
                  SOURCES__HOLLYHR__API_TOKEN=SECRET, SOURCES__HOLLYHR__TIMEOUT="0.2", **FAST)
    line = one_error_line(run_args(tmp_path), env, tmp_path)
    assert f"no answer from 127.0.0.1:{mute_port} within the timeout" in line
    assert "raise sources.hollyhr.timeout (env SOURCES__HOLLYHR__TIMEOUT)" in line


def test_load_workers_zero_is_refused_before_any_request(holly: Sandbox, tmp_path: Path) -> None:
    sent = len(holly.apps["hollyhr"].requests())
    line = one_error_line(run_args(tmp_path), env_for(holly, LOAD__WORKERS="0"), tmp_path)
    assert line == ("hr-elt: hollyhr: load.workers '0' is out of range: it must be at least 1. "
                    "Set load.workers (env LOAD__WORKERS)")
    assert len(holly.apps["hollyhr"].requests()) == sent


def test_duckdb_out_of_memory_names_the_memory_limit(holly: Sandbox, tmp_path: Path) -> None:
    line = one_error_line(run_args(tmp_path), env_for(holly, HR_ELT__DUCKDB_MEMORY_LIMIT="1MB"), tmp_path)
    assert line.startswith("hr-elt: hollyhr: load failed: DuckDB ran out of memory")
    assert "raise hr_elt.duckdb_memory_limit (env HR_ELT__DUCKDB_MEMORY_LIMIT, default 96MB)" in line


@pytest.mark.parametrize(("dsn", "wrong"), [
    (f"postgresql://loader:{SECRET}@127.0.0.1:5432", "it names no database"),
    (f"postgresql://loader:{SECRET}@127.0.0.1:port/hr", "its port is not a number"),
])
def test_postgres_dsn_names_the_wrong_part(holly: Sandbox, tmp_path: Path, dsn: str, wrong: str) -> None:
    env = env_for(holly, DESTINATION__POSTGRES__CREDENTIALS=dsn)
    line = one_error_line(run_args(tmp_path, "--destination", "postgres"), env, tmp_path)
    assert line.startswith(f"hr-elt: hollyhr: destination postgres: the DSN is malformed: {wrong}")
    assert "DESTINATION__POSTGRES__CREDENTIALS" in line


def test_spent_bytehr_quota_one_line_with_true_counts(tmp_path: Path) -> None:
    with Sandbox(vendors=("bytehr",), bytehr={"quota": 3}) as sandbox:
        sandbox.bytehr.spend(3)  # someone else spent this month's quota
        env = env_for(sandbox, SOURCES__BYTEHR__QUOTA_RESERVE="1")
        args = ["run", "bytehr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")]
        line = one_error_line(args, env, tmp_path)
    assert line.startswith("hr-elt: bytehr: 5 resource(s) failed (custom_field_definitions, departments, employees, "
                           "leave_requests, positions), nothing loaded: ")
    assert "the others loaded" not in line
    assert line.count("429 quota_exceeded") == 1 and "4 x bytehr [departments]: quota_reserve" in line
    assert "bhr_sandbox_key" not in line
