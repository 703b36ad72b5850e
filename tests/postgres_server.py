"""A throwaway PostgreSQL cluster for the test run: Debian's server binaries, a temp dir, loopback only.

Postgres refuses to run as root, so when the tests run as root (CI, containers) ``initdb`` and
``pg_ctl`` run as the ``postgres`` system user (``runuser -u postgres --``) on a directory that user
owns. Otherwise they run as the current user. The cluster listens on 127.0.0.1 on a free port,
with durability switched off (``fsync=off``): it lives only as long as the test session. It is
``pipelines/cli/postgres.py``'s cluster, the one ``hr-elt postgres start`` runs, here with a password.

``make test`` installs the binaries first when they are missing (``.ci/ensure_postgres.sh``).
``HR_ELT_TEST_POSTGRES_DSN`` points the tests at an existing server instead (a role that may
``CREATE DATABASE``), for machines without Debian's packages.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions

from pipelines.cli import postgres as local_postgres
from pipelines.cli.postgres import LocalCluster, free_port

EXTERNAL_DSN_ENV = "HR_ELT_TEST_POSTGRES_DSN"


class PostgresUnavailable(RuntimeError):
    """No server binaries and no external server configured."""


def find_bindir() -> str:
    """The server binaries' folder (``pipelines/cli/postgres.py``), or why the tests have no server."""
    try:
        return local_postgres.find_bindir()
    except local_postgres.PostgresUnavailable as exc:
        raise PostgresUnavailable(f"{exc}, or set {EXTERNAL_DSN_ENV} to a server the tests may create databases on") \
            from None


def with_database(dsn: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


class PostgresServer:
    """One cluster (or an external server); hands out a fresh database per test."""

    def __init__(self) -> None:
        self.dsn = ""
        self.password = ""
        self.port = 0
        self.root: str | None = None
        self.bindir = ""
        self.cluster: LocalCluster | None = None
        self._counter = 0

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> PostgresServer:
        external = os.environ.get(EXTERNAL_DSN_ENV)
        if external:
            self.dsn = external
            self._wait_ready()
            return self
        self.bindir = find_bindir()
        self.root = tempfile.mkdtemp(prefix="hr-elt-pg-", dir=local_postgres.scratch_root())
        self.cluster = LocalCluster(self.root, self.bindir)
        # TCP logins need the password (so wrong credentials fail as on a real server); the local
        # socket, used by no test, stays trust
        self.password = secrets.token_hex(12)
        self.cluster.init(self.password)
        last_error: Exception | None = None
        for _ in range(5):  # a freed port can be taken before we bind it: try another
            self.port = free_port()
            try:
                self.cluster.start(self.port)
            except subprocess.CalledProcessError as error:
                last_error = error
                continue
            self.dsn = f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"
            atexit.register(self.stop)  # a safety net: the session fixture stops it first
            self._wait_ready()
            return self
        raise RuntimeError(f"could not start PostgreSQL: {last_error}\n{self.log_tail()}")

    def stop(self) -> None:
        if self.cluster is None:
            return
        try:
            self.cluster.stop()
        finally:
            self.cluster.remove()
            self.cluster = None
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 20) -> str:
        return self.cluster.log_tail(lines) if self.cluster is not None else ""

    # --- databases -----------------------------------------------------------------------
    def create_database(self, prefix: str = "t") -> str:
        """Creates an empty database with a unique name; returns its URL (for dlt and psycopg2)."""
        self._counter += 1
        name = re.sub(r"[^a-z0-9_]", "_", f"{prefix}_{os.getpid()}_{self._counter}".lower())[:63]
        self.execute(f'create database "{name}"')
        return with_database(self.dsn, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self.execute(f'drop database if exists "{name}" with (force)')

    def execute(self, sql: str) -> None:
        with self.connect() as con:
            con.cursor().execute(sql)

    @contextmanager
    def connect(self, url: str | None = None) -> Iterator[Any]:
        con = psycopg2.connect(url or self.dsn, connect_timeout=10)
        con.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        try:
            yield con
        finally:
            con.close()

    # --- internals -----------------------------------------------------------------------
    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect():
                    return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

