"""`hr-elt sandbox` as README shows it: seed, fixed ports and sizes, then a run against it."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import duckdb

from tests.pipelines.test_cli import BIN, env_for, hr_elt


def free_base_port(count: int = 3) -> int:
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count < 65535 and all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sandbox_serves_on_fixed_ports_with_sizes_until_interrupted(tmp_path: Path) -> None:
    base = free_base_port()
    server = subprocess.Popen([str(BIN / "hr-elt"), "sandbox", "--seed", "7", "--port", str(base),
                               "--size", "hollyhr.people=9"], stdout=subprocess.PIPE, text=True, env=env_for(None))
    try:
        assert server.stdout is not None
        env: dict[str, str] = {}
        for line in server.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                env[key] = value.strip("'")
                if key.startswith("SOURCES__HOLLYHR__") and len([k for k in env if "HOLLYHR" in k]) == 2:
                    break
        assert any(value.startswith(f"http://127.0.0.1:{base}") for value in env.values())
        db = tmp_path / "w.duckdb"
        done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)],
                      env_for(None, **env), tmp_path)
        assert done.returncode == 0, done.stderr
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.sql("select count(*) from hollyhr.people").fetchall()[0][0] == 9
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0


def test_sandbox_refuses_a_malformed_size(tmp_path: Path) -> None:
    done = hr_elt(["sandbox", "--size", "hollyhr.people"], env_for(None), tmp_path)
    assert done.returncode == 2
    assert "expected VENDOR.SETTING=N" in done.stdout
