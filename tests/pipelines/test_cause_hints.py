"""Hints that name the cause (issue 27, item 6): a locked DuckDB file, a Postgres server not there,
``--resources`` naming what a vendor lacks, an empty ``--resources``; lines never cut inside a URL."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.run.destination_causes import shorten
from sandbox import Sandbox
from tests.pipelines.test_cli import env_for, hr_elt
from tests.pipelines.test_failure_lines import one_error_line, run_args


@pytest.fixture(scope="module")
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 5}) as sandbox:
        yield sandbox


def test_locked_duckdb_file_names_the_process_and_suggests_wait(holly: Sandbox, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); sys.stdin.read()", str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        line = one_error_line(run_args(tmp_path), env_for(holly), tmp_path)
    finally:
        holder.communicate("", timeout=30)
    assert f"the DuckDB file {db} is locked by process {holder.pid}" in line, line
    assert "--wait" in line
    assert "set hr_elt.duckdb_path" not in line and "--duckdb-path" not in line
    for url in re.findall(r"https?://\S+", line):
        assert url.rstrip(").,;") .endswith(("concurrency", "/")), line  # a URL is whole or absent


def test_refused_postgres_names_host_and_port_not_the_credentials(holly: Sandbox, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = env_for(holly, DESTINATION__POSTGRES__CREDENTIALS=f"postgresql://loader:pw@127.0.0.1:{port}/hr")
    line = one_error_line(run_args(tmp_path, "--destination", "postgres"), env, tmp_path)
    assert f"the Postgres server at 127.0.0.1:{port} is not reachable" in line, line
    assert "set DESTINATION__POSTGRES__CREDENTIALS" not in line


def test_run_all_with_a_resource_some_vendors_lack_names_them(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr", "bytehr", "cutehr"), hollyhr={"people": 5}, cutehr={"employees": 5},
                 bytehr={"employees": 5}) as sandbox:
        done = hr_elt(["run", "all", "--resources", "people", "--pipelines-dir", str(tmp_path / "p"),
                       "--duckdb-path", str(tmp_path / "w.duckdb")], env_for(sandbox), tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "ResourcesNotFound" not in out and "Traceback" not in out
    for vendor in ("bytehr", "cutehr"):
        assert f"hr-elt: {vendor} skipped: --resources: {vendor} has no resource people; its resources:" in out
    assert "hollyhr: loaded into duckdb" in done.stdout


def test_one_vendor_without_the_resource_is_one_line(tmp_path: Path) -> None:
    with Sandbox(vendors=("bytehr",), bytehr={"employees": 5}) as sandbox:
        line = one_error_line(["run", "bytehr", "--resources", "people,employees", "--pipelines-dir",
                               str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")],
                              env_for(sandbox), tmp_path)
        asked = sandbox.apps["bytehr"].requests()
    assert "bytehr has no resource people; its resources: " in line, line
    assert asked == []  # refused before any request


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_empty_resources_is_an_error(tmp_path: Path, value: str) -> None:
    done = hr_elt(["run", "hollyhr", "--resources", value, "--pipelines-dir", str(tmp_path / "p")],
                  env_for(None), tmp_path)
    assert done.returncode == 2, done.stderr
    assert "names no resource" in done.stderr
    assert not (tmp_path / "p").exists()


def test_shorten_cuts_between_words_never_inside_a_url() -> None:
    url = "https://duckdb.org/docs/stable/connect/concurrency"
    text = "x" * 200 + " see " + url
    cut = shorten(text, 230)
    assert url not in cut and "https" not in cut and cut.endswith("...")
    assert shorten(text, 300) == text
