"""The versions tables (sources/_shared/history.py): loaded with their resource, appended on change,
kept by ``--full-refresh`` unless ``hr_elt.history.on_full_refresh = "drop"``, said either way.

CuteHR over the sandbox, typed as a user types it (``hr-elt run``) where the issue says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import Harness

HR_ELT = str(Path(sys.executable).with_name("hr-elt"))


def _hr_elt(harness: Harness, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HR_ELT, "run", "cutehr", "--pipelines-dir", harness.pipelines_dir,
                           "--duckdb-path", harness.duckdb_path, *args],
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600)


@pytest.mark.parametrize("destination", ["duckdb"])
def test_versions_append_changes_and_full_refresh_keeps_them_unless_told(harness: Harness) -> None:
    app = harness.start("cutehr", employees=8)
    first = _hr_elt(harness, "--resources", "employees")  # a selection loads the resource's versions too
    assert first.returncode == 0, first.stderr
    assert harness.count("cutehr", "employees_versions") == 8
    employee = app.records("employees")[0]["id"]
    app.update_employee(employee, designation="Head of History")
    assert _hr_elt(harness).returncode == 0
    assert harness.count("cutehr", "employees_versions") == 9  # one version more: the change
    assert harness.scalar(f"select count(*) from cutehr.employees_versions where id = {employee}") == 2

    kept = _hr_elt(harness, "--full-refresh")
    assert kept.returncode == 0, kept.stderr
    assert "full refresh keeps the history tables (employees_versions)" in kept.stdout + kept.stderr
    assert harness.count("cutehr", "employees_versions") == 17  # the reload appended a version of each
    assert harness.count("cutehr", "employees") == 8

    dropped = _hr_elt(harness, "--full-refresh", env={"HR_ELT__HISTORY__ON_FULL_REFRESH": "drop"})
    assert dropped.returncode == 0, dropped.stderr
    assert "full refresh drops the history tables too (employees_versions)" in dropped.stdout + dropped.stderr
    assert harness.count("cutehr", "employees_versions") == 8

    wrong = _hr_elt(harness, "--full-refresh", env={"HR_ELT__HISTORY__ON_FULL_REFRESH": "sometimes"})
    assert wrong.returncode != 0
    assert "on_full_refresh 'sometimes' is not one of keep, drop" in wrong.stdout + wrong.stderr
