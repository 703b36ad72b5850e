"""The lease row (issue 29, item 3): one writer per tenant where the warehouse has no locks.

There is no BigQuery here: the lease runs with the same code on a real Postgres
(``hr_elt.fleet.lock = "lease"``), and its BigQuery statements are parsed as GoogleSQL.
The end-to-end test types what a user types: ``hr-elt run`` with separate pipelines dirs.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import sqlglot

from pipelines.run.destination_lock import lease_poll_seconds
from pipelines.run.destinations import resolve_destination
from pipelines.run.lease import (
    DIALECTS,
    TABLE,
    Lease,
    LeaseLostError,
    Statements,
    dataset_client,
    holding,
    lock_mechanism,
)
from sandbox import Sandbox
from sandbox.core import VendorApp
from sources._shared.errors import ProviderConfigError
from tests.ops.helpers import BIN, base_env, hr_elt, tenant_env
from tests.postgres_server import PostgresServer

PIPELINE = "hollyhr__postgres_0000abcd"


@pytest.fixture
def database(postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = postgres_server.create_database("lease")
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", url)
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


def lease_of(holder: str, seconds: int = 600, dataset: str = "hollyhr") -> Lease:
    ref = resolve_destination("postgres")
    return Lease(dataset_client(ref.destination, dataset), "postgres", PIPELINE, holder, seconds)


def sql(url: str, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    connection = psycopg2.connect(url)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement, args)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def test_one_holder_at_a_time_and_a_release_frees_it(database: str) -> None:
    first, second = lease_of("hr-elt pid 1 on a"), lease_of("hr-elt pid 2 on b")
    taken = first.try_acquire()
    assert taken.won and taken.took_over is None and taken.created_dataset  # a fresh database: no dataset yet
    refused = second.try_acquire()
    assert not refused.won and refused.holder.startswith("hr-elt pid 1 on a; lease expires ")
    assert first.renew() is None  # still its own
    first.release()
    assert sql(database, f"SELECT holder FROM hollyhr.{TABLE}") == [(None,)]  # the row stays, without a holder
    again = second.try_acquire()
    assert again.won and again.took_over is None  # a released lease is free, nothing taken over
    assert first.renew() == "hr-elt pid 2 on b"


def test_an_expired_lease_is_taken_over_and_said(database: str) -> None:
    dead = lease_of("hr-elt pid 4242 on dead-worker")
    assert dead.try_acquire().won
    sql(database, f"UPDATE hollyhr.{TABLE} SET expires_at = CURRENT_TIMESTAMP - INTERVAL '1 minute'")
    claim = lease_of("hr-elt pid 7 on live").try_acquire()
    assert claim.won and claim.took_over is not None
    assert "from hr-elt pid 4242 on dead-worker, which expired at " in claim.took_over
    assert dead.renew() == "hr-elt pid 7 on live"  # the dead worker, were it alive, would learn it lost


def race(contenders: list[Lease]) -> list[bool]:
    """Every contender tries at the same moment, each on a thread of its own."""
    start = threading.Barrier(len(contenders))
    won: list[bool] = [False] * len(contenders)

    def attempt(n: int) -> None:
        start.wait()
        won[n] = contenders[n].try_acquire().won

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(contenders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def test_contenders_racing_for_one_row_get_one_winner(database: str) -> None:
    for round_ in range(6):
        contenders = [lease_of(f"hr-elt pid {round_}{n} on racer-{n}") for n in range(3)]
        won = race(contenders)
        assert won.count(True) == 1, (round_, won)
        holders = {row[0] for row in sql(database, f"SELECT holder FROM hollyhr.{TABLE}")}
        assert holders == {contenders[won.index(True)].holder}
        contenders[won.index(True)].release()


def test_a_lease_taken_while_the_run_lasts_fails_the_run(database: str) -> None:
    lease = lease_of("hr-elt pid 1 on slow", seconds=3)  # renewed every second
    assert lease.try_acquire().won
    with pytest.raises(LeaseLostError, match="was lost during the run .now held by hr-elt pid 9 on thief"), \
            holding(lease, "postgres test") as heartbeat:
        sql(database, f"UPDATE hollyhr.{TABLE} SET holder = 'hr-elt pid 9 on thief'")
        for _ in range(600):  # the next renewal (every second) finds the thief
            if heartbeat.lost is not None:
                break
            time.sleep(0.2)
    assert sql(database, f"SELECT holder FROM hollyhr.{TABLE}") == [("hr-elt pid 9 on thief",)]  # not released


def test_the_bigquery_statements_are_googlesql() -> None:
    statements = Statements.of("`project`.`hollyhr`.`_hr_elt_leases`", DIALECTS["bigquery"], 600)
    for name, text in vars(statements).items():
        parsed = sqlglot.parse_one(text.replace("%s", "'x'"), read="bigquery")
        assert parsed is not None, name
        assert "INTERVAL '" not in text and "CURRENT_TIMESTAMP " not in text + " ", (name, text)
    assert "TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 600 SECOND)" in statements.take
    assert "FROM (SELECT 1 AS one) AS seed WHERE NOT EXISTS" in statements.seed  # no WHERE without FROM


def test_the_setting_picks_the_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lock_mechanism("bigquery") == "lease" and lock_mechanism("postgres") == "native"
    monkeypatch.setenv("HR_ELT__FLEET__LOCK", "lease")
    assert lock_mechanism("postgres") == "lease"
    with pytest.raises(ProviderConfigError, match="does not work on duckdb"):
        lock_mechanism("duckdb")
    monkeypatch.setenv("HR_ELT__FLEET__LOCK", "advisory")
    with pytest.raises(ProviderConfigError, match="fleet.lock 'advisory' is not one of auto, lease"):
        lock_mechanism("postgres")
    assert lease_poll_seconds(600) == 5.0 and lease_poll_seconds(3) == 0.5


def people(url: str) -> int:
    return int(sql(url, "SELECT count(*) FROM hollyhr.people")[0][0])


def test_two_workers_a_dead_one_and_a_takeover(tmp_path: Path, database: str) -> None:
    with Sandbox(seed=7, vendors=("hollyhr",), hollyhr={"people": 12}) as sandbox:
        app = sandbox.apps["hollyhr"]
        env = base_env(**tenant_env("hollyhr", None, sandbox), DESTINATION__POSTGRES__CREDENTIALS=database,
                       HR_ELT__FLEET__LOCK="lease")
        entered, let_go = threading.Event(), threading.Event()

        def stall(_: VendorApp) -> None:  # the first worker stops in the middle of its run, its lease held
            entered.set()
            let_go.wait(300)

        app.after_request(1, stall)
        first = subprocess.Popen([str(BIN / "hr-elt"), "run", "hollyhr", "--destination", "postgres",
                                  "--pipelines-dir", str(tmp_path / "w1")], cwd=tmp_path, text=True,
                                 env={**env, "HR_ELT__FLEET__LEASE_SECONDS": "3"},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert entered.wait(240), "the first worker never reached the vendor"
            before = len(app.requests())
            second = hr_elt(["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "w2")],
                            env, tmp_path)
            assert second.returncode != 0
            lines = [line for line in second.stderr.splitlines() if "another worker" in line]
            assert len(lines) == 1 and f"hr-elt pid {first.pid} on " in lines[0], second.stderr
            assert "lease table _hr_elt_leases" in lines[0]
            assert len(app.requests()) == before  # stopped before asking the vendor anything
            first.kill()  # the holder dies: its lease is no longer renewed and expires within 3 seconds
            first.wait(60)
        finally:
            let_go.set()
            if first.poll() is None:
                first.kill()
        third = hr_elt(["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "w3"),
                        "--wait", "--wait-timeout", "200"], env, tmp_path)
        assert third.returncode == 0, third.stderr
        said = [line for line in (third.stdout + third.stderr).splitlines() if "took over the lease" in line]
        assert said and all(f"from hr-elt pid {first.pid} on " in line for line in said), third.stdout + third.stderr
        assert people(database) == 12
        assert sql(database, f"SELECT holder FROM hollyhr.{TABLE}") == [(None,)]  # released at the end
        # the dataset dropped by hand: the lease makes it again, and the warm worker loads everything again
        sql(database, "DROP SCHEMA hollyhr CASCADE")
        again = hr_elt(["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "w3")],
                       env, tmp_path)
        assert again.returncode == 0, again.stderr
        assert people(database) == 12
