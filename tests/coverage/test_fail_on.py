"""``hr_elt.coverage.fail_on``: findings fail the run (exit 1, one line) after the data is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sandbox import Sandbox
from sources._shared.errors import ProviderConfigError
from tests.harness import Harness

BIN = Path(sys.executable).parent


def hr_elt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "hr-elt"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_fail_on_absent_exits_1_with_one_line_and_the_data_loaded(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 20}) as sandbox:
        app = sandbox.apps["hollyhr"]
        app.withhold_field("people", "location")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "HR_ELT__"))}
        env.update(sandbox.env(), RUNTIME__DLTHUB_TELEMETRY="false",
                   HR_ELT__COVERAGE__FAIL_ON='["absent", "regression"]')
        db = tmp_path / "w.duckdb"
        done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "pipes"), "--duckdb-path", str(db)],
                      env, tmp_path)
        people = app.count("people")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("hr-elt:")]
    assert len(lines) == 1, done.stderr
    assert "people.location absent" in lines[0] and "HR_ELT__COVERAGE__FAIL_ON" in lines[0]
    assert "the data is loaded" in lines[0]
    assert "hollyhr: loaded into duckdb dataset hollyhr" in done.stdout  # what loaded, then the failure
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from hollyhr.people").fetchone() == (people,)
        status = con.execute("select status from hollyhr._hr_elt_field_coverage "
                         "where resource = 'people' and field = 'location'").fetchall()
    assert status == [("absent",)]


def test_fail_on_refuses_an_unknown_status_before_loading(harness: Harness) -> None:
    app = harness.start("hollyhr", people=3)
    harness.setenv("HR_ELT__COVERAGE__FAIL_ON", "absent,missing")
    with pytest.raises(ProviderConfigError) as refused:
        harness.run("hollyhr")
    assert "coverage.fail_on names unknown statuses ['missing']" in str(refused.value)
    assert "HR_ELT__COVERAGE__FAIL_ON" in str(refused.value)
    assert app.requests() == []
