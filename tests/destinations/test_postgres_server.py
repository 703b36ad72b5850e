"""The throwaway Postgres server the suite loads into: loopback only, not root, gone at the end."""

from __future__ import annotations

import os
import pwd
import socket

from tests.postgres_server import EXTERNAL_DSN_ENV, PostgresServer


def test_session_server_is_a_real_loopback_postgres(postgres_server: PostgresServer) -> None:
    with postgres_server.connect() as con, con.cursor() as cur:
        cur.execute("select current_setting('listen_addresses'), current_setting('fsync'), version()")
        listen, fsync, version = cur.fetchone()
    assert version.startswith("PostgreSQL")
    if not os.environ.get(EXTERNAL_DSN_ENV):
        assert listen == "127.0.0.1"
        assert fsync == "off"
        assert postgres_server.root is not None
        owner = os.stat(os.path.join(postgres_server.root, "data")).st_uid
        if os.geteuid() == 0:  # postgres refuses root: the cluster belongs to the postgres user
            assert owner == pwd.getpwnam("postgres").pw_uid


def test_each_test_gets_its_own_database(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database("iso"), postgres_server.create_database("iso")
    assert first != second
    with postgres_server.connect(first) as con, con.cursor() as cur:
        cur.execute("create schema hollyhr; create table hollyhr.people (id int)")
    with postgres_server.connect(second) as con, con.cursor() as cur:
        cur.execute("select count(*) from information_schema.schemata where schema_name = 'hollyhr'")
        assert cur.fetchone()[0] == 0
    postgres_server.drop_database(first)
    postgres_server.drop_database(second)


def test_a_server_stops_and_leaves_nothing_behind() -> None:
    if os.environ.get(EXTERNAL_DSN_ENV):
        return
    server = PostgresServer().start()
    root, port = server.root, server.port
    assert root is not None and os.path.isdir(root)
    server.stop()
    assert not os.path.exists(root)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
