"""Many workers, no shared disk (issue 29): fresh pipelines dirs resume from the warehouse, states
saved under an older name are adopted once, and one writer per tenant holds across pipelines dirs.

Every run is ``hr-elt run`` as a user types it, with its own ``--pipelines-dir``; requests are the
sandbox's own count.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest
from dlt.common.versioned_state import compress_state, decompress_state

from pipelines.run.destination_lock import advisory_key
from sandbox import Sandbox
from tests.ops.helpers import BIN, base_env, hr_elt, query, tenant_env
from tests.postgres_server import PostgresServer

SIZES = {"hollyhr": {"people": 12}, "bytehr": {"employees": 11}, "cutehr": {"employees": 10}}
ADOPTED = "adopted the state saved under its older name"


def pipeline_of(stdout: str) -> str:
    found = re.search(r"pipeline: dlt pipeline (?:--pipelines-dir \S+ )?(\S+) info", stdout)
    assert found, stdout
    return found.group(1)


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str], str]]:
    """``(run arguments, env, location)`` of a DuckDB file or a fresh Postgres database."""
    if request.param == "duckdb":
        db = tmp_path / "w.duckdb"
        yield ["--duckdb-path", str(db)], {}, str(db)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("fleet")
    try:
        yield ["--destination", "postgres"], {"DESTINATION__POSTGRES__CREDENTIALS": url}, url
    finally:
        server.drop_database(url)


def run(sandbox: Sandbox, vendor: str, pipes: Path, where: list[str], extra_env: dict[str, str],
        cwd: Path, *more: str) -> tuple[subprocess.CompletedProcess[str], int]:
    env = base_env(**tenant_env(vendor, None, sandbox), **extra_env)
    before = len(sandbox.apps[vendor].requests())
    done = hr_elt(["run", vendor, "--pipelines-dir", str(pipes), *where, *more], env, cwd)
    return done, len(sandbox.apps[vendor].requests()) - before


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"], indirect=True)
@pytest.mark.parametrize("vendor", sorted(SIZES))
def test_a_fresh_worker_asks_what_a_warm_one_asks(vendor: str, warehouse: tuple[list[str], dict[str, str], str],
                                                   tmp_path: Path) -> None:
    where, extra_env, _ = warehouse
    with Sandbox(seed=7, vendors=(vendor,), **{vendor: SIZES[vendor]}) as sandbox:
        first, full = run(sandbox, vendor, tmp_path / "w1", where, extra_env, tmp_path)
        assert first.returncode == 0, first.stderr
        warm, warm_requests = run(sandbox, vendor, tmp_path / "w1", where, extra_env, tmp_path)
        assert warm.returncode == 0, warm.stderr
        fresh, fresh_requests = run(sandbox, vendor, tmp_path / "w2", where, extra_env, tmp_path)
        assert fresh.returncode == 0, fresh.stderr
        # a snapshot walk (ByteHR, CuteHR) reads every page each run: its floor can equal the first run
        assert fresh_requests == warm_requests <= full, (full, warm_requests, fresh_requests)
        assert pipeline_of(fresh.stdout) == pipeline_of(warm.stdout) == pipeline_of(first.stdout)
        assert "no new or changed rows" in fresh.stdout


def test_a_state_under_the_old_plain_name_is_adopted_once(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Sandbox(seed=7, vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
        first, full = run(sandbox, "hollyhr", tmp_path / "w1", ["--duckdb-path", str(db)], {}, tmp_path)
        assert first.returncode == 0, first.stderr
        name = pipeline_of(first.stdout)
        # what an earlier hr-elt left: the tenant's state saved under the plain name only
        with duckdb.connect(str(db)) as con:
            sql = "SELECT state FROM hollyhr._dlt_pipeline_state WHERE pipeline_name = ?"
            rows = con.execute(sql, [name]).fetchall()
            assert rows
            for (blob,) in rows:
                state = decompress_state(blob)
                state["pipeline_name"] = "hollyhr"
                con.execute("UPDATE hollyhr._dlt_pipeline_state SET pipeline_name = 'hollyhr', state = ? "
                            "WHERE state = ?", [compress_state(state), blob])
        adopted, requests = run(sandbox, "hollyhr", tmp_path / "w2", ["--duckdb-path", str(db)], {}, tmp_path)
        assert adopted.returncode == 0, adopted.stderr
        assert ADOPTED in adopted.stdout and "'hollyhr'" in adopted.stdout
        assert requests < full and "no new or changed rows" in adopted.stdout  # resumed, not re-synced
        names = query(db, "select distinct pipeline_name from hollyhr._dlt_pipeline_state "
                          "where pipeline_name not like '%\\_\\_runs' escape '\\' "
                          "and pipeline_name not like '%\\_\\_quality' escape '\\'")
        assert names == [(name,)]  # one state for the tenant
        again, _ = run(sandbox, "hollyhr", tmp_path / "w3", ["--duckdb-path", str(db)], {}, tmp_path)
        assert again.returncode == 0 and ADOPTED not in again.stdout  # once


def test_one_writer_per_tenant_across_pipelines_dirs(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("lock")
    try:
        with Sandbox(seed=7, vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
            env = base_env(**tenant_env("hollyhr", None, sandbox), DESTINATION__POSTGRES__CREDENTIALS=url)
            first, _ = run(sandbox, "hollyhr", tmp_path / "w1", ["--destination", "postgres"],
                           {"DESTINATION__POSTGRES__CREDENTIALS": url}, tmp_path)
            assert first.returncode == 0, first.stderr
            name = pipeline_of(first.stdout)
            holder = psycopg2.connect(url, application_name="hr-elt pid 4242 on other-machine")
            holder.autocommit = True
            with holder.cursor() as cur:  # a worker on another machine holds the tenant
                cur.execute("SELECT pg_advisory_lock(%s)", (advisory_key("hollyhr", name),))
            before = len(sandbox.apps["hollyhr"].requests())
            refused = subprocess.run([str(BIN / "hr-elt"), "run", "hollyhr", "--destination", "postgres",
                                      "--pipelines-dir", str(tmp_path / "w2")], env=env, cwd=tmp_path,
                                     capture_output=True, text=True, timeout=240)
            assert refused.returncode != 0
            lines = [line for line in refused.stderr.splitlines() if "another worker" in line]
            assert len(lines) == 1 and "hr-elt pid 4242 on other-machine" in lines[0], refused.stderr
            assert postgres_server.password not in refused.stderr + refused.stdout
            assert len(sandbox.apps["hollyhr"].requests()) == before  # stopped before asking the vendor
            waiting = subprocess.Popen([str(BIN / "hr-elt"), "run", "hollyhr", "--destination", "postgres",
                                        "--pipelines-dir", str(tmp_path / "w3"), "--wait", "--wait-timeout", "200"],
                                       env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert waiting.stderr is not None
            seen: list[str] = []
            for line in waiting.stderr:  # blocks until the waiting worker says it is queued (or ends)
                seen.append(line)
                if "waiting for it" in line:
                    break
            # the second worker found the lock held, named the holder and asked the vendor nothing yet
            assert seen and "waiting for it" in seen[-1] and "hr-elt pid 4242 on other-machine" in seen[-1], seen
            assert waiting.poll() is None and len(sandbox.apps["hollyhr"].requests()) == before
            holder.close()  # the other worker ends: the server drops its lock
            out, err = waiting.communicate(timeout=240)
            assert waiting.returncode == 0, "".join(seen) + err
            assert pipeline_of(out) == name and "no new or changed rows" in out
            assert len(sandbox.apps["hollyhr"].requests()) > before  # it ran once the lock was free
    finally:
        postgres_server.drop_database(url)
