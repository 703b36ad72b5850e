"""`hr-elt postgres start|stop` as typed: a throwaway local server, its DSN printed, a run into it, stopped."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import psycopg2

from pipelines.cli.postgres import default_dir, free_port
from sandbox import Sandbox
from tests.pipelines.test_cli import env_for, hr_elt

ENV_LINE = re.compile(r"^\s*export DESTINATION__POSTGRES__CREDENTIALS=(\S+)$", re.MULTILINE)


def test_start_prints_the_dsn_a_run_loads_into_it_and_stop_removes_it(tmp_path: Path) -> None:
    port = free_port()
    started = hr_elt(["postgres", "start", "--port", str(port)], env_for(None), tmp_path)
    try:
        assert started.returncode == 0, started.stderr
        dsn = f"postgresql://postgres:unused@127.0.0.1:{port}/postgres"
        assert f"  DSN: {dsn}" in started.stdout.splitlines()
        assert ENV_LINE.findall(started.stdout) == [dsn]
        assert f"  stop it: hr-elt postgres stop --port {port}" in started.stdout.splitlines()
        # started again: it says it runs and prints the same DSN
        again = hr_elt(["postgres", "start", "--port", str(port)], env_for(None), tmp_path)
        assert again.returncode == 0 and ENV_LINE.findall(again.stdout) == [dsn]
        assert "already running" in again.stdout

        with Sandbox(vendors=("hollyhr",), hollyhr={"people": 15}) as sandbox:
            env = env_for(sandbox, DESTINATION__POSTGRES__CREDENTIALS=dsn)
            run = hr_elt(["run", "hollyhr", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "p")],
                         env, tmp_path)
        assert run.returncode == 0, run.stderr
        assert "hollyhr: loaded into postgres dataset hollyhr" in run.stdout
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            cur.execute("select count(*) from hollyhr.people")
            assert cur.fetchone() == (15,)
    finally:
        stopped = hr_elt(["postgres", "stop", "--port", str(port)], env_for(None), tmp_path)
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.strip() == f"postgres: stopped; {default_dir(port)} deleted"
    assert not default_dir(port).exists()
    try:
        psycopg2.connect(dsn, connect_timeout=5).close()
        raise AssertionError("the server still answers after stop")
    except psycopg2.OperationalError:
        pass


def test_stop_without_a_server_and_start_on_a_taken_port_fail_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    stopped = hr_elt(["postgres", "stop", "--port", str(port)], env_for(None), tmp_path)
    assert stopped.returncode == 1
    assert stopped.stderr.splitlines() == [
        f"hr-elt: postgres: no server in {default_dir(port)} (pass the --port or --dir it was started with)"]
    with socket.socket() as listener:  # something else listens on the port
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = int(listener.getsockname()[1])
        started = hr_elt(["postgres", "start", "--port", str(taken)], env_for(None), tmp_path)
    assert started.returncode == 1
    assert started.stderr.splitlines() == [
        f"hr-elt: postgres: port {taken} on 127.0.0.1 is taken: pass another with --port"]
    assert not default_dir(taken).exists()
