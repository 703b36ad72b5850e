"""Coverage judged against the table: a small incremental load is not a sample of it (issue 27, item 3).

Each test types what a user types (``hr-elt run``) against the sandbox over loopback HTTP and a real
DuckDB file; ``HR_ELT__COVERAGE__FAIL_ON=regression`` turns a false regression into a failed run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from sandbox import Sandbox

BIN = Path(sys.executable).parent


def _env(sandbox: Sandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "HR_ELT__"))}
    env.update(sandbox.env(), RUNTIME__DLTHUB_TELEMETRY="false", HR_ELT__COVERAGE__FAIL_ON="regression")
    return env


def _run(vendor: str, sandbox: Sandbox, tmp: Path) -> subprocess.CompletedProcess[str]:
    args = ["run", vendor, "--pipelines-dir", str(tmp / "pipes"), "--duckdb-path", str(tmp / "w.duckdb")]
    return subprocess.run([str(BIN / "hr-elt"), *args], env=_env(sandbox), cwd=tmp, capture_output=True, text=True,
                          timeout=180)


def _latest(tmp: Path, vendor: str, resource: str, field: str) -> tuple[Any, ...]:
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        row = con.execute(f"select rows, non_null_rows, status from {vendor}._hr_elt_field_coverage "
                          "where resource = ? and field = ? order by measured_at desc limit 1",
                          [resource, field]).fetchone()
    assert row is not None
    return tuple(row)


def _filled(tmp: Path, sql: str) -> int:
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    assert "regressed" not in done.stdout + done.stderr


def test_hollyhr_one_person_without_preferred_name_after_one_with_is_not_a_regression(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 40}) as sandbox:
        app = sandbox.apps["hollyhr"]
        people = app.records("people")
        with_name = next(p["id"] for p in people if p.get("preferred_name"))
        without = next(p["id"] for p in people if not p.get("preferred_name"))
        _ok(_run("hollyhr", sandbox, tmp_path))
        app.update_person(with_name, job_title="Head of Things")
        _ok(_run("hollyhr", sandbox, tmp_path))  # loads one person, who has a preferred name
        app.update_person(without, job_title="Chief of Stuff")
        third = _run("hollyhr", sandbox, tmp_path)  # loads one person, who has none
        _ok(third)
        assert _latest(tmp_path, "hollyhr", "people", "preferred_name") == (1, 0, "ok")
        had = sum(1 for p in people if p.get("preferred_name"))
        assert _filled(tmp_path, "select count(preferred_name) from hollyhr.people") == had

        # a real withdrawal still warns, and fails the run under fail_on=regression
        app.withhold_field("people", "preferred_name")
        app.touch_people([p["id"] for p in people if p.get("preferred_name")])
        withdrawn = _run("hollyhr", sandbox, tmp_path)
    assert withdrawn.returncode == 1, withdrawn.stdout + withdrawn.stderr
    assert "people.preferred_name regressed" in withdrawn.stderr
    assert "people.preferred_name regression" in withdrawn.stderr.splitlines()[-1]
    assert _latest(tmp_path, "hollyhr", "people", "preferred_name")[2] == "regression"


def test_cutehr_editing_the_employee_without_a_manager_is_not_a_regression(tmp_path: Path) -> None:
    with Sandbox(vendors=("cutehr",), cutehr={"employees": 30}) as sandbox:
        app = sandbox.apps["cutehr"]
        employees = app.records("employees")
        top = [e["id"] for e in employees if e.get("reporting_manager_id") is None]
        assert len(top) == 1
        managed_one = next(e["id"] for e in employees if e.get("reporting_manager_id") is not None)
        _ok(_run("cutehr", sandbox, tmp_path))
        app.update_employee(managed_one, designation="Staff Engineer")
        _ok(_run("cutehr", sandbox, tmp_path))  # loads one employee, who has a manager
        app.update_employee(top[0], designation="Chief Everything Officer")
        second = _run("cutehr", sandbox, tmp_path)  # loads the one employee without one
        _ok(second)
        status = _latest(tmp_path, "cutehr", "employees", "reporting_manager_id")
        assert status[2] == "ok" and status[1] == 0 and status[0] >= 1
        managed = _filled(tmp_path, "select count(reporting_manager_id) from cutehr.employees")
        assert managed == len(employees) - 1

        # the vendor stops sending managers: every employee re-read without one
        app.withhold_field("employees", "reporting_manager_id")
        for e in employees:
            app.update_employee(e["id"], designation=e.get("designation") or "Staff")
        withdrawn = _run("cutehr", sandbox, tmp_path)
    assert withdrawn.returncode == 1, withdrawn.stdout + withdrawn.stderr
    assert "employees.reporting_manager_id regressed" in withdrawn.stderr
