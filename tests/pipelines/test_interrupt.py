"""Ctrl-C on `hr-elt run` as typed: one line, exit 130, no traceback, the summary file says so; the next
run completes the warehouse."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sandbox import Sandbox
from tests.pipelines.test_cli import BIN, env_for, hr_elt

INTERRUPTED = "hr-elt: interrupted: nothing partial was marked done; the next run resumes"
SMALL = {"SOURCES__HOLLYHR__PAGE_SIZE": "10"}  # several pages: a Ctrl-C can land between them


@pytest.fixture(scope="module")
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 40}) as sandbox:
        yield sandbox


def run_args(root: Path) -> list[str]:
    return ["run", "hollyhr", "--pipelines-dir", str(root / "p"), "--duckdb-path", str(root / "w.duckdb")]


def counts(root: Path) -> dict[str, int]:
    with duckdb.connect(str(root / "w.duckdb"), read_only=True) as con:
        sql = ("select table_name from information_schema.tables "
               "where table_schema = 'hollyhr' and table_name not like '_dlt%'")
        tables = [r[0] for r in con.execute(sql).fetchall()]
        return {t: con.execute(f'select count(*) from hollyhr."{t}"').fetchone()[0] for t in sorted(tables)}


@pytest.fixture(scope="module")
def clean_counts(holly: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    root = tmp_path_factory.mktemp("clean")
    done = hr_elt(run_args(root), env_for(holly, **SMALL), root)
    assert done.returncode == 0, done.stderr
    return counts(root)


def importing_dlt(pid: int) -> bool:
    """The process is importing dlt: orjson's extension is mapped (a Ctrl-C before our entry module runs,
    in the interpreter's own startup, is Python's to report)."""
    return "orjson" in Path(f"/proc/{pid}/maps").read_text()


def interrupted_run(holly: Sandbox, root: Path, after_requests: int | None) -> subprocess.CompletedProcess[str]:
    """Starts `hr-elt run --summary-file`; SIGINT while it imports dlt, or right after the k-th request."""
    process = subprocess.Popen([str(BIN / "hr-elt"), *run_args(root), "--summary-file", str(root / "summary.json")],
                               env=env_for(holly, **SMALL), cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if after_requests is None:
        while not importing_dlt(process.pid):
            time.sleep(0.001)
        process.send_signal(signal.SIGINT)
    else:
        holly.hollyhr.after_request(after_requests, lambda app: os.kill(process.pid, signal.SIGINT))
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("after_requests", [None, 1, 3], ids=["during-imports", "first-request", "third-request"])
def test_ctrl_c_one_line_exit_130_then_rerun_completes(holly: Sandbox, clean_counts: dict[str, int],
                                                       tmp_path: Path, after_requests: int | None) -> None:
    holly.hollyhr.clear_log()
    done = interrupted_run(holly, tmp_path, after_requests)
    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == [INTERRUPTED]
    check_interrupted_summary(json.loads((tmp_path / "summary.json").read_text()), holly, after_requests)
    again = hr_elt(run_args(tmp_path), env_for(holly, **SMALL), tmp_path)
    assert again.returncode == 0, again.stderr
    assert counts(tmp_path) == clean_counts


def check_interrupted_summary(document: dict[str, Any], holly: Sandbox, after_requests: int | None) -> None:
    """The summary file of an interrupted run: the run so far, nothing claimed loaded."""
    assert (document["status"], document["exit_code"]) == ("interrupted", 130)
    assert document["error"] == INTERRUPTED.removeprefix("hr-elt: ")
    if after_requests is None:  # stopped before any run began
        assert document["runs"] == []
        return
    sent = len(holly.hollyhr.requests())
    assert sent >= after_requests, "the signal came after requests were sent"
    (run,) = document["runs"]
    assert (run["vendor"], run["status"], run["error"]) == ("hollyhr", "interrupted", document["error"])
    assert re.fullmatch(r"hollyhr__duckdb_[0-9a-f]{8}", run["pipeline"]["name"])
    assert run["phases"]["extract"] is not None
    assert run["tables"] == {} and run["resources"]
    assert all(entry["rows"] is None and entry["inserted"] is None for entry in run["resources"].values())
    assert run["requests"]["total"] <= sent  # attempts are counted once answered: never more than were sent


def test_ctrl_c_in_run_all_lists_the_runs_done_and_the_one_stopped(tmp_path: Path) -> None:
    """`run all --json`: SIGINT at HollyHR's first request, after CuteHR's run ended: both in the JSON."""
    with Sandbox(vendors=("cutehr", "hollyhr"), cutehr={"employees": 4}, hollyhr={"people": 4}) as sandbox:
        started: list[subprocess.Popen[str]] = []  # the hook is in place before the process starts
        sandbox.hollyhr.after_request(1, lambda app: os.kill(started[0].pid, signal.SIGINT))
        process = subprocess.Popen([str(BIN / "hr-elt"), "run", "all", "--json", "--pipelines-dir", str(tmp_path / "p"),
                                    "--duckdb-path", str(tmp_path / "w.duckdb")], env=env_for(sandbox), cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == INTERRUPTED and err.count(INTERRUPTED) == 1 and "Traceback" not in err
    document = json.loads(out)  # stdout is the JSON and nothing else, an interrupted run's too
    assert (document["status"], document["exit_code"]) == ("interrupted", 130)
    ended = [(run["vendor"], run["status"]) for run in document["runs"]]
    assert ended == [("cutehr", "ok"), ("hollyhr", "interrupted")]
    cute, holly = document["runs"]
    assert cute["tables"]["employees"] == 4 and cute["error"] is None
    assert holly["tables"] == {} and holly["error"] == document["error"]
    assert [line for line in document["skipped"] if "bytehr" in line]
