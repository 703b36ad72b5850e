"""`hr-elt check` as typed: one line per check, at most one request per vendor, none of ByteHR's without --spend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
import pytest

from pipelines.app import run_vendor
from pipelines.run.naming import latest_pipeline_name
from sandbox import Sandbox
from tests.ops.helpers import base_env, hr_elt, tenant_env
from tests.postgres_server import PostgresServer

VENDORS = ("bytehr", "cutehr", "hollyhr")
SECRET = "s3cret-pw-never-shown"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(hollyhr={"people": 3}, bytehr={"employees": 3}, cutehr={"employees": 3}) as running:
        yield running


def all_env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    env = base_env()
    for vendor in VENDORS:
        env.update(tenant_env(vendor, None, sandbox))
    env.update(extra)
    return env


def sent(sandbox: Sandbox) -> dict[str, int]:
    return {vendor: len(sandbox.apps[vendor].requests()) for vendor in VENDORS}


def check(args: list[str], env: dict[str, str], cwd: Path, sandbox: Sandbox) -> tuple[int, list[str], dict[str, int]]:
    before = sent(sandbox)
    done = hr_elt(["check", *args], env, cwd)
    after = sent(sandbox)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines(), {v: after[v] - before[v] for v in VENDORS}


def test_good_config_passes_with_one_request_per_vendor_and_none_of_bytehrs_quota(
        sandbox: Sandbox, tmp_path: Path) -> None:
    env = all_env(sandbox)
    where = ["--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")]
    code, lines, requests = check(where, env, tmp_path, sandbox)
    assert code == 0, lines
    assert requests == {"bytehr": 0, "cutehr": 1, "hollyhr": 1}
    assert all(line.startswith("ok ") for line in lines), lines
    assert any(line.startswith("ok    hollyhr: credentials accepted (GET /people?limit=1, request_id ")
               for line in lines), lines
    assert any(line.startswith("ok    cutehr: credentials accepted (POST /api/v1/auth/login, request_id ")
               for line in lines), lines
    assert ("ok    bytehr: credentials not checked: GET /custom-fields?limit=1&currentpage=1 costs 1 request of "
            "the vendor's paid quota; --spend sends it") in lines
    assert any(line.startswith("ok    destination duckdb: ") for line in lines), lines
    assert not (tmp_path / "w.duckdb").exists()  # checked, not created

    code, lines, requests = check(["bytehr", "--spend", *where], env, tmp_path, sandbox)
    assert code == 0, lines
    assert requests == {"bytehr": 1, "cutehr": 0, "hollyhr": 0}
    assert any(line.startswith("ok    bytehr: credentials accepted (GET /custom-fields") for line in lines), lines


def test_bytehr_cost_is_said_from_the_last_runs_quota(sandbox: Sandbox, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    env = all_env(sandbox)
    for key, value in env.items():
        if key.startswith("SOURCES__BYTEHR__"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    run_vendor("bytehr", pipelines_dir=str(tmp_path / "p"), duckdb_path=str(tmp_path / "w.duckdb"))
    ran = latest_pipeline_name("bytehr", str(tmp_path / "p"))
    left = dlt.attach(ran, pipelines_dir=str(tmp_path / "p")).state["sources"]["bytehr"]["quota"]["remaining"]
    code, lines, requests = check(["bytehr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path",
                                   str(tmp_path / "w.duckdb")], env, tmp_path, sandbox)
    assert code == 0, lines
    assert requests["bytehr"] == 0
    line = next(line for line in lines if "credentials not checked" in line)
    assert "costs 1 of your " in line and " requests left this cycle (of 1000; as of the last run" in line, line
    assert f"1 of your {left} requests" in line


def test_wrong_token_and_unknown_key_exit_1_with_the_vendors_line_and_no_token(
        sandbox: Sandbox, tmp_path: Path) -> None:
    wrong = "hhr_wrong_but_plausible_token"
    env = all_env(sandbox, SOURCES__HOLLYHR__API_TOKEN=wrong, SOURCES__HOLLYHR__PAGESIZE="5")
    done = hr_elt(["check", "hollyhr", "--pipelines-dir", str(tmp_path / "p")], env, tmp_path)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert ("error config: unknown setting SOURCES__HOLLYHR__PAGESIZE (environment) is ignored; did you mean "
            "SOURCES__HOLLYHR__PAGE_SIZE?") in lines
    refused = [line for line in lines if line.startswith("error hollyhr [people]: 401 ")]
    assert len(refused) == 1, lines
    assert "(request_id req_" in refused[0] and "check sources.hollyhr.api_token (env SOURCES__HOLLYHR__API_TOKEN)" \
        in refused[0]
    assert wrong not in done.stdout + done.stderr


def test_nonsense_value_is_an_error_line_and_no_request(sandbox: Sandbox, tmp_path: Path) -> None:
    env = all_env(sandbox, SOURCES__CUTEHR__PAGE_SIZE="abc", LOAD__WORKERS="0")
    code, lines, requests = check(["cutehr", "--pipelines-dir", str(tmp_path / "p")], env, tmp_path, sandbox)
    assert code == 1
    assert requests["cutehr"] == 0
    assert ("error cutehr: page_size 'abc' is not a whole number. Set sources.cutehr.page_size "
            "(env SOURCES__CUTEHR__PAGE_SIZE)") in lines
    assert ("error config: dlt: load.workers '0' is out of range: it must be at least 1. Set load.workers "
            "(env LOAD__WORKERS)") in lines


def test_postgres_destination_reachable_or_not(sandbox: Sandbox, tmp_path: Path,
                                               postgres_server: PostgresServer) -> None:
    good = postgres_server.create_database("check")
    try:
        env = all_env(sandbox, DESTINATION__POSTGRES__CREDENTIALS=good)
        code, lines, _ = check(["hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "p")],
                               env, tmp_path, sandbox)
        assert code == 0, lines
        assert any(line.startswith("ok    destination postgres: 127.0.0.1:") and line.endswith(": connected")
                   for line in lines), lines
    finally:
        postgres_server.drop_database(good)
    bad = f"postgresql://loader:{SECRET}@127.0.0.1:9/hr"
    env = all_env(sandbox, DESTINATION__POSTGRES__CREDENTIALS=bad)
    done = hr_elt(["check", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "p")],
                  env, tmp_path)
    assert done.returncode == 1
    # the cause, not the credentials: the server at that host and port is not there (issue 27, hints)
    assert any(line.startswith("error destination postgres: the Postgres server at 127.0.0.1:9 is not reachable")
               for line in done.stdout.splitlines()), done.stdout
    assert SECRET not in done.stdout + done.stderr
