"""A throwaway PostgreSQL server on loopback, from the machine's server binaries: ``hr-elt postgres start|stop``.

For trying ``--destination postgres`` without a server of one's own, and for the test suite's
session server (``tests/postgres_server.py``). ``initdb`` makes a cluster in a folder, ``pg_ctl``
starts it on 127.0.0.1 at a port of choice with durability off (``fsync=off``): fast, and lost on
a crash, which a throwaway server may be. Postgres refuses to run as root, so as root both run as
the ``postgres`` system user (``runuser -u postgres --``) on a folder that user owns.
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
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SYSTEM_USER = "postgres"
DEFAULT_PORT = 15432  # not 5432: a system server may hold that one
CREDENTIALS_ENV = "DESTINATION__POSTGRES__CREDENTIALS"
SERVER_OPTIONS = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off", "-c max_connections=200")


class PostgresUnavailable(RuntimeError):
    """No server binaries on this machine, or the server could not start."""


def find_bindir() -> str:
    """The newest ``/usr/lib/postgresql/<ver>/bin`` holding ``initdb`` (or the folder of ``initdb`` on PATH).

    Raises:
        PostgresUnavailable: No server binaries found.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: [int(x) for x in re.findall(r"\d+", p.split("/")[4])] or [0])
    if found:
        return os.path.dirname(found[-1])
    on_path = shutil.which("initdb")
    if on_path:
        return os.path.dirname(on_path)
    raise PostgresUnavailable("PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH): "
                              "run `make postgres` (Debian: apt-get install -y postgresql)")


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_taken(port: int) -> bool:
    """True when something already listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def as_system_user() -> bool:
    """Whether the server must run as the ``postgres`` user (we are root, which Postgres refuses)."""
    return os.geteuid() == 0


def scratch_root() -> str:
    """A parent folder the server's user can reach: ``/tmp`` as root (not a TMPDIR under root's home)."""
    return "/tmp" if as_system_user() else tempfile.gettempdir()


class LocalCluster:
    """One cluster in ``root/data``, its log in ``root/server.log``, its socket in ``root``.

    Args:
        root: The cluster's folder (made when missing; owned by the ``postgres`` user as root).
        bindir: Folder of ``initdb`` and ``pg_ctl``; found when not given.
    """

    def __init__(self, root: str | Path, bindir: str | None = None) -> None:
        self.root = Path(root).absolute()
        self.bindir = bindir or find_bindir()
        self.as_postgres = as_system_user()

    @property
    def data(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    def initialized(self) -> bool:
        """True when the folder holds a cluster already."""
        return (self.data / "PG_VERSION").is_file()

    def running(self) -> bool:
        """True when the cluster's server runs (``pg_ctl status``)."""
        if not self.initialized():
            return False
        return self.run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def port(self) -> int | None:
        """The port the running server listens on, from its ``postmaster.pid``."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def init(self, password: str | None = None) -> None:
        """``initdb``: superuser ``postgres``; with `password`, TCP logins need it, else every login is trusted."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        if self.as_postgres:
            shutil.chown(self.root, SYSTEM_USER, SYSTEM_USER)
        auth = ["--auth=trust"]
        pwfile = self.root / "pwfile"
        if password is not None:
            pwfile.write_text(password + "\n", encoding="utf-8")
            if self.as_postgres:
                shutil.chown(pwfile, SYSTEM_USER, SYSTEM_USER)
            auth = [f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256"]
        try:
            self.run("initdb", "-D", str(self.data), "-U", "postgres", *auth, "-E", "UTF8", "--no-locale",
                     "--no-sync")
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self, port: int) -> None:
        """``pg_ctl start`` on 127.0.0.1:`port`, waiting until it accepts connections.

        Raises:
            subprocess.CalledProcessError: The server did not start (``log_tail()`` says why).
        """
        options = " ".join(["-c listen_addresses=127.0.0.1", f"-c port={port}",
                            f"-c unix_socket_directories={self.root}", *SERVER_OPTIONS])
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                 "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stops the server at once (``-m immediate``: nothing of a throwaway server needs to survive)."""
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Deletes the cluster's folder."""
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log ("" when it has none)."""
        try:
            with open(self.root / "server.log", encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Runs a server tool, as the ``postgres`` user when we are root."""
        command = [os.path.join(self.bindir, tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        return subprocess.run(command, check=check, cwd=self.root, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=120)


def trusted_dsn(port: int) -> str:
    """The URL dlt takes for the trust-auth server (dlt wants a password in it, any one)."""
    return f"postgresql://postgres:unused@127.0.0.1:{port}/postgres"


def default_dir(port: int) -> Path:
    """Where ``hr-elt postgres start`` keeps the server of `port` unless ``--dir`` says otherwise."""
    return Path(scratch_root()) / f"hr-elt-postgres-{port}"


def add_postgres_parser(sub: Any) -> None:
    """``hr-elt postgres start|stop``'s arguments (called by :func:`pipelines.cli.main.build_parser`)."""
    postgres = sub.add_parser("postgres", help="start or stop a throwaway local PostgreSQL server to try "
                                               "--destination postgres")
    actions = postgres.add_subparsers(dest="postgres_action", required=True)
    for action, text in (("start", "start the server (made on first start) and print its DSN"),
                         ("stop", "stop the server and delete its folder")):
        parser = actions.add_parser(action, help=text)
        parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                            help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
        parser.add_argument("--dir", default=None,
                            help="the server's folder (default: <tmp>/hr-elt-postgres-<port>)")


def postgres_command(args: Any) -> int:
    """Runs ``hr-elt postgres start|stop``; prints the DSN and env line, or one line on failure; the exit code."""
    cluster_dir = Path(args.dir) if args.dir else default_dir(args.port)
    try:
        cluster = LocalCluster(cluster_dir)
        if args.postgres_action == "stop":
            return _stop(cluster)
        return _start(cluster, args.port)
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        print(f"hr-elt: postgres: {_one_line(exc)}", file=sys.stderr)
        return 1


def _start(cluster: LocalCluster, port: int) -> int:
    if cluster.running():
        print(f"postgres: already running in {cluster.root}")
        _print_dsn(cluster, cluster.port() or port)
        return 0
    if port_taken(port):
        print(f"hr-elt: postgres: port {port} on 127.0.0.1 is taken: pass another with --port", file=sys.stderr)
        return 1
    if not cluster.initialized():
        if cluster.root.exists() and any(cluster.root.iterdir()):
            print(f"hr-elt: postgres: {cluster.root} exists and holds no cluster: pass another --dir", file=sys.stderr)
            return 1
        cluster.init()
    try:
        cluster.start(port)
    except subprocess.CalledProcessError:
        fatal = [line for line in cluster.log_tail().splitlines() if "FATAL" in line or "ERROR" in line]
        print(f"hr-elt: postgres: the server did not start: {fatal[-1] if fatal else 'see ' + str(cluster.root)}",
              file=sys.stderr)
        return 1
    print(f"postgres: throwaway server running on 127.0.0.1:{port}, data in {cluster.root} "
          "(fsync off: for trying hr-elt, not for keeping data)")
    _print_dsn(cluster, port)
    return 0


def _print_dsn(cluster: LocalCluster, port: int) -> None:
    dsn = trusted_dsn(port)
    stop = "hr-elt postgres stop" + (f" --port {port}" if port != DEFAULT_PORT else "")
    if cluster.root != default_dir(port):
        stop += f" --dir {cluster.root}"
    print(f"  DSN: {dsn}")
    print("  use it:")
    print(f"    export {CREDENTIALS_ENV}={dsn}")
    print("    hr-elt run hollyhr --destination postgres")
    print(f"  stop it: {stop}")


def _stop(cluster: LocalCluster) -> int:
    if not cluster.initialized():
        print(f"hr-elt: postgres: no server in {cluster.root} (pass the --port or --dir it was started with)",
              file=sys.stderr)
        return 1
    cluster.stop()
    cluster.remove()
    print(f"postgres: stopped; {cluster.root} deleted")
    return 0


def _one_line(exc: BaseException) -> str:
    stderr = getattr(exc, "stderr", None)
    text = (stderr or "").strip().splitlines() or str(exc).splitlines() or [type(exc).__name__]
    return text[-1]


# --- a throwaway server for the tests and the bench ------------------------------------------------

EXTERNAL_DSN_ENV = "HR_ELT_TEST_POSTGRES_DSN"


def server_bindir() -> str:
    """The server binaries' folder, or why there is no throwaway server (naming the external-server escape)."""
    try:
        return find_bindir()
    except PostgresUnavailable as exc:
        raise PostgresUnavailable(f"{exc}, or set {EXTERNAL_DSN_ENV} to a server the tests may create databases on") \
            from None


def with_database(dsn: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


class PostgresServer:
    """A throwaway cluster (or an external server) for the tests and the bench; hands out fresh databases.

    TCP logins need a password here (so wrong credentials fail as on a real server); ``hr-elt postgres
    start`` runs the same :class:`LocalCluster` with trust logins instead.
    """

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
        """Starts the cluster (or checks the external server); returns itself."""
        external = os.environ.get(EXTERNAL_DSN_ENV)
        if external:
            self.dsn = external
            self._wait_ready()
            return self
        self.bindir = server_bindir()
        self.root = tempfile.mkdtemp(prefix="hr-elt-pg-", dir=scratch_root())
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
        """Stops and removes the cluster (nothing for an external server)."""
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
        """The last lines of the server log (for an error message)."""
        return self.cluster.log_tail(lines) if self.cluster is not None else ""

    # --- databases -----------------------------------------------------------------------
    def create_database(self, prefix: str = "t") -> str:
        """Creates an empty database with a unique name; returns its URL (for dlt and psycopg2)."""
        self._counter += 1
        name = re.sub(r"[^a-z0-9_]", "_", f"{prefix}_{os.getpid()}_{self._counter}".lower())[:63]
        self.execute(f'create database "{name}"')
        return with_database(self.dsn, name)

    def drop_database(self, url: str) -> None:
        """Drops the database of `url`, closing its connections."""
        name = urlsplit(url).path.lstrip("/")
        self.execute(f'drop database if exists "{name}" with (force)')

    def execute(self, sql: str) -> None:
        """Runs one statement on the server's default database (autocommit)."""
        with self.connect() as con:
            con.cursor().execute(sql)

    @contextmanager
    def connect(self, url: str | None = None) -> Iterator[Any]:
        """An autocommit psycopg2 connection to `url` (default: the server's default database)."""
        import psycopg2.extensions  # the postgres extra: only the tests and the bench start a server with it

        con = psycopg2.connect(url or self.dsn, connect_timeout=10)
        con.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        try:
            yield con
        finally:
            con.close()

    # --- internals -----------------------------------------------------------------------
    def _wait_ready(self, timeout: float = 30.0) -> None:
        import psycopg2  # the postgres extra, as in connect()

        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect():
                    return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

