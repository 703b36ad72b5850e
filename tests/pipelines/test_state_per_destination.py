"""State and pending packages per destination: issue 16's three reproductions, run as a user types them.

A vendor loading into two destinations (two DuckDB files; DuckDB and Postgres; two Postgres
databases) keeps one dlt pipeline per destination: each one exact after its own runs, and a load
package left pending is only ever loaded into the destination it was made for.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from sandbox import Sandbox
from tests.ops.helpers import BIN, base_env, count, hr_elt, query, tenant_env
from tests.postgres_server import PostgresServer

PENDING_NOTE = "an earlier run had extracted but not loaded"


@pytest.fixture
def holly() -> Iterator[Sandbox]:
    with Sandbox(seed=5, vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
        yield sandbox


def pipeline_of(stdout: str) -> str:
    """The pipeline name the run summary gives for ``dlt pipeline``."""
    found = re.search(r"pipeline: dlt pipeline (?:--pipelines-dir \S+ )?(\S+) info", stdout)
    assert found, stdout
    return found.group(1)


def titles(db: Path) -> dict[str, str]:
    return dict(query(db, "select id, job_title from hollyhr.people"))  # type: ignore[arg-type]


def pg_titles(url: str) -> dict[str, str]:
    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("select id, job_title from hollyhr.people")
        return dict(cur.fetchall())


def sandbox_titles(holly: Sandbox) -> dict[str, str]:
    return {p["id"]: p["job_title"] for p in holly.hollyhr.records("people")}


def test_two_duckdb_files_keep_their_own_state(holly: Sandbox, tmp_path: Path) -> None:
    pipes, w1, w2 = tmp_path / "p", tmp_path / "w1.duckdb", tmp_path / "w2.duckdb"
    env = base_env(**tenant_env("hollyhr", None, holly))
    first = hr_elt(["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(w1)], env, tmp_path)
    assert first.returncode == 0, first.stderr
    first_name = pipeline_of(first.stdout)
    assert re.fullmatch(r"hollyhr__duckdb_[0-9a-f]{8}", first_name), first_name  # named after its destination
    assert f"--pipelines-dir {pipes} {first_name} info" in first.stdout

    person = holly.hollyhr.person_ids()[0]
    holly.hollyhr.update_person(person, job_title="Chief Destination Officer")
    second = hr_elt(["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(w2)], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "no new or changed rows" not in second.stdout
    other = pipeline_of(second.stdout)
    assert re.fullmatch(r"hollyhr__duckdb_[0-9a-f]{8}", other) and other != first_name, other
    assert titles(w2) == sandbox_titles(holly)  # w2 got everything, the change included
    assert count(w2, "hollyhr", "time_off") == holly.hollyhr.count("time_off")

    third = hr_elt(["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(w1)], env, tmp_path)
    assert third.returncode == 0, third.stderr
    assert pipeline_of(third.stdout) == first_name
    assert titles(w1) == sandbox_titles(holly)  # w1's own incremental state picked up the change
    assert titles(w1)[person] == "Chief Destination Officer"

    again = hr_elt(["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(w2)], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert pipeline_of(again.stdout) == other and "no new or changed rows" in again.stdout

    # dlt's own CLI works on the per-destination name the summary printed
    info = subprocess.run([str(BIN / "dlt"), "pipeline", "--pipelines-dir", str(pipes), other, "info"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert "hollyhr" in info.stdout and holly.hollyhr.credentials()["api_token"] not in info.stdout


def test_a_pending_package_loads_only_into_its_own_destination(holly: Sandbox, tmp_path: Path) -> None:
    pipes, na, nb = tmp_path / "p", tmp_path / "na.duckdb", tmp_path / "nb.duckdb"
    env = base_env(**tenant_env("hollyhr", None, holly))
    args = ["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path"]
    failed = hr_elt([*args, str(na)], dict(env, HR_ELT__DUCKDB_MEMORY_LIMIT="1MB"), tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr  # the load step failed: its package stays

    into_b = hr_elt([*args, str(nb)], env, tmp_path)
    assert into_b.returncode == 0, into_b.stderr
    assert PENDING_NOTE not in into_b.stdout  # na's package was not loaded into nb
    assert count(nb, "hollyhr", "people") == holly.hollyhr.count("people")

    into_a = hr_elt([*args, str(na)], env, tmp_path)
    assert into_a.returncode == 0, into_a.stderr
    assert PENDING_NOTE in into_a.stdout and str(na) in into_a.stdout  # loaded where it was made for
    assert pipeline_of(into_a.stdout).startswith("hollyhr__duckdb_")
    assert count(na, "hollyhr", "people") == holly.hollyhr.count("people")
    assert titles(na) == sandbox_titles(holly)
    assert count(na, "hollyhr", "time_off") == holly.hollyhr.count("time_off")


def test_duckdb_and_two_postgres_databases(holly: Sandbox, tmp_path: Path, postgres_server: PostgresServer) -> None:
    pipes, db = tmp_path / "p", tmp_path / "w.duckdb"
    pg_a, pg_b = postgres_server.create_database("state_a"), postgres_server.create_database("state_b")
    try:
        env = base_env(**tenant_env("hollyhr", None, holly))
        on_pg = ["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(pipes)]
        into_duck = ["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(db)]
        done = hr_elt(on_pg, dict(env, DESTINATION__POSTGRES__CREDENTIALS=pg_a), tmp_path)
        assert done.returncode == 0, done.stderr
        names = {pipeline_of(done.stdout)}

        person = holly.hollyhr.person_ids()[1]
        holly.hollyhr.update_person(person, job_title="Head of Warehouses")
        done = hr_elt(into_duck, env, tmp_path)
        assert done.returncode == 0, done.stderr
        assert "no new or changed rows" not in done.stdout
        names.add(pipeline_of(done.stdout))
        assert titles(db) == sandbox_titles(holly)

        done = hr_elt(on_pg, dict(env, DESTINATION__POSTGRES__CREDENTIALS=pg_b), tmp_path)
        assert done.returncode == 0, done.stderr
        assert "no new or changed rows" not in done.stdout
        names.add(pipeline_of(done.stdout))
        assert pg_titles(pg_b) == sandbox_titles(holly)

        done = hr_elt(on_pg, dict(env, DESTINATION__POSTGRES__CREDENTIALS=pg_a), tmp_path)
        assert done.returncode == 0, done.stderr
        assert pg_titles(pg_a) == sandbox_titles(holly) and pg_titles(pg_a)[person] == "Head of Warehouses"
        assert pipeline_of(done.stdout) in names
        assert len(names) == 3, names  # one pipeline per destination
        password = postgres_server.password  # in the URLs: no pipeline name or state file shows it
        assert password and all(password not in name for name in names)
        leaked = [p for p in pipes.rglob("state.json") if password in p.read_text()]
        assert not leaked, leaked
    finally:
        postgres_server.drop_database(pg_a)
        postgres_server.drop_database(pg_b)
