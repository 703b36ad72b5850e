"""``hr-elt sandbox --withhold/--blank``: the fields a user asks for are withheld or blank in the served records."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import duckdb

from tests.pipelines.test_cli import BIN, env_for, hr_elt


def test_sandbox_command_withholds_and_blanks_fields(tmp_path: Path) -> None:
    server = subprocess.Popen([str(BIN / "hr-elt"), "sandbox", "--size", "hollyhr.people=6", "--withhold",
                               "hollyhr.people.location", "--blank", "hollyhr.people.job_title"],
                              stdout=subprocess.PIPE, text=True, env=env_for(None))
    try:
        assert server.stdout is not None
        env: dict[str, str] = {}
        for line in server.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                env[key] = value.strip("'")
                if len([k for k in env if k.startswith("SOURCES__HOLLYHR__")]) == 2:  # its URL and key
                    break
        db = tmp_path / "w.duckdb"
        done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)],
                      env_for(None, **env), tmp_path)
        assert done.returncode == 0, done.stderr
        assert "people.location is absent" in done.stdout and "people.job_title is empty" in done.stdout
        with duckdb.connect(str(db), read_only=True) as con:
            statuses = con.execute("select field, status from hollyhr._hr_elt_field_coverage "
                                   "where status <> 'ok' order by field").fetchall()
            assert statuses == [("job_title", "empty"), ("location", "absent")]
            assert "location" not in [r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_name = 'people'").fetchall()]
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0


def test_sandbox_command_refuses_an_unknown_resource(tmp_path: Path) -> None:
    done = hr_elt(["sandbox", "--withhold", "hollyhr.staff.location"], env_for(None), tmp_path)
    assert done.returncode == 2
    assert "hollyhr has no resource 'staff'" in done.stdout
