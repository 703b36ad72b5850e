"""A throwaway PostgreSQL cluster for the test run: Debian's server binaries, a temp dir, loopback only.

Postgres refuses to run as root, so when the tests run as root (CI, containers) ``initdb`` and
``pg_ctl`` run as the ``postgres`` system user (``runuser -u postgres --``) on a directory that user
owns. Otherwise they run as the current user. The cluster listens on 127.0.0.1 on a free port,
with durability switched off (``fsync=off``): it lives only as long as the test session.

``make test`` installs the binaries first when they are missing (``.ci/ensure_postgres.sh``).
``HR_ELT_TEST_POSTGRES_DSN`` points the tests at an existing server instead (a role that may
``CREATE DATABASE``), for machines without Debian's packages.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import psycopg2.extensions

EXTERNAL_DSN_ENV = "HR_ELT_TEST_POSTGRES_DSN"
SYSTEM_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No server binaries and no external server configured."""


def find_bindir() -> str:
    """The newest ``/usr/lib/postgresql/<ver>/bin`` holding ``initdb`` (or ``pg_ctl`` on PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p.split("/")[4])] or [0],
    )
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(on_path)
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH): "
        "run `make postgres` (Debian: apt-get install -y postgresql), "
        f"or set {EXTERNAL_DSN_ENV} to a server the tests may create databases on"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        self._as_postgres = False
        self._counter = 0

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> PostgresServer:
        external = os.environ.get(EXTERNAL_DSN_ENV)
        if external:
            self.dsn = external
            self._wait_ready()
            return self
        self.bindir = find_bindir()
        self._as_postgres = os.geteuid() == 0
        # as root the postgres user must reach the dir: /tmp, not a TMPDIR under root's home
        self.root = tempfile.mkdtemp(prefix="hr-elt-pg-", dir="/tmp" if self._as_postgres else None)
        os.chmod(self.root, 0o700)
        if self._as_postgres:
            shutil.chown(self.root, SYSTEM_USER, SYSTEM_USER)
        data = os.path.join(self.root, "data")
        # TCP logins need the password (so wrong credentials fail as on a real server); the local
        # socket, used by no test, stays trust
        self.password = secrets.token_hex(12)
        pwfile = os.path.join(self.root, "pwfile")
        with open(pwfile, "w", encoding="utf-8") as f:
            f.write(self.password + "\n")
        if self._as_postgres:
            shutil.chown(pwfile, SYSTEM_USER, SYSTEM_USER)
        self._run("initdb", "-D", data, "-U", "postgres", f"--pwfile={pwfile}", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")
        os.remove(pwfile)
        last_error: Exception | None = None
        for _ in range(5):  # a freed port can be taken before we bind it: try another
            self.port = free_port()
            options = " ".join([
                "-c listen_addresses=127.0.0.1",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ])
            try:
                self._run("pg_ctl", "-D", data, "-l", os.path.join(self.root, "server.log"), "-o", options,
                          "-w", "-t", "30", "start")
            except subprocess.CalledProcessError as error:
                last_error = error
                continue
            self.dsn = f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"
            atexit.register(self.stop)  # a safety net: the session fixture stops it first
            self._wait_ready()
            return self
        raise RuntimeError(f"could not start PostgreSQL: {last_error}\n{self.log_tail()}")

    def stop(self) -> None:
        if self.root is None:
            return
        data = os.path.join(self.root, "data")
        try:
            if os.path.exists(os.path.join(data, "postmaster.pid")):
                self._run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 20) -> str:
        if self.root is None:
            return ""
        try:
            with open(os.path.join(self.root, "server.log"), encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

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
    def _run(self, tool: str, *args: str) -> None:
        command = [os.path.join(self.bindir, tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        subprocess.run(command, check=True, cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=120)

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

