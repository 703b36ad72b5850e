"""PII settings against what is already loaded: a tightened policy is warned about, with a command that works;
a misspelt column key fails once the table has loaded."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from pipelines.app import run_vendor
from sandbox import Sandbox
from tests.ops.helpers import base_env, hr_elt, query, tenant_env

DROP = json.dumps({"hollyhr.people.work_email": "drop"})


def first_load(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The keep-policy load the tests start from (in-process: only what comes after is the user's typing)."""
    for key, value in env.items():
        if key.startswith("SOURCES__"):
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    run_vendor("hollyhr", pipelines_dir=str(tmp_path / "p"), duckdb_path=str(tmp_path / "w.duckdb"))


def test_keep_then_drop_warns_and_the_named_command_removes_the_raw_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    args = ["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)]
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 6}) as sandbox:
        env = base_env(**tenant_env("hollyhr", None, sandbox))
        first_load(env, tmp_path, monkeypatch)
        raw = query(db, "select count(*) from hollyhr.people where work_email like '%@%'")[0][0]
        assert raw == 6

        env["HR_ELT__PII__COLUMNS"] = DROP
        done = hr_elt(args, env, tmp_path)
        assert done.returncode == 0, done.stderr
        warning = "people.work_email (drop); the rows loaded before keep their raw values: reload them with `"
        assert warning in done.stdout  # the summary line
        assert "WARNING sources.hollyhr: PII columns loaded raw before" in done.stderr  # the vendor's logger
        command = re.search(r"reload them with `([^`]+)`", done.stdout)
        assert command is not None
        words = shlex.split(command.group(1))
        assert words[:3] == ["hr-elt", "run", "hollyhr"] and words[-3:] == ["--full-refresh", "--resources", "people"]

        rewritten = hr_elt(words[1:], env, tmp_path)  # as typed, with the policy still set
        assert rewritten.returncode == 0, rewritten.stderr
        columns = [r[0] for r in query(db, "select column_name from information_schema.columns "
                                           "where table_schema = 'hollyhr' and table_name = 'people'")]
        assert "work_email" not in columns
        assert query(db, "select count(*) from hollyhr.people")[0][0] == 6
        assert query(db, "select count(*) from hollyhr.employments")[0][0] == 6  # the other tables stay
        again = hr_elt(args, env, tmp_path)
        assert again.returncode == 0, again.stderr
        assert "loaded raw before" not in again.stdout + again.stderr  # said until fixed, then never again


def test_misspelt_pii_column_fails_once_the_table_has_loaded(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    args = ["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)]
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 4}) as sandbox:
        env = base_env(**tenant_env("hollyhr", None, sandbox))
        first_load(env, tmp_path, monkeypatch)
        before = len(sandbox.apps["hollyhr"].requests())
        env["HR_ELT__PII__COLUMNS"] = json.dumps({"hollyhr.people.work_emial": "drop"})
        done = hr_elt(args, env, tmp_path)
        assert len(sandbox.apps["hollyhr"].requests()) == before  # refused before any request
        checked = hr_elt(["check", *args[1:]], env, tmp_path)
    assert checked.returncode == 1
    assert ("error hollyhr: PII column 'hollyhr.people.work_emial' names no column of the loaded table "
            "hollyhr.people (nearest: 'work_email', loaded as is). Fix hr_elt.pii.columns (env HR_ELT__PII__COLUMNS)") \
        in checked.stdout.splitlines(), checked.stdout
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("hr-elt:")]
    assert errors == ["hr-elt: hollyhr: PII column 'hollyhr.people.work_emial' names no column of the loaded "
                      "table hollyhr.people (nearest: 'work_email', loaded as is). Fix hr_elt.pii.columns "
                      "(env HR_ELT__PII__COLUMNS)"], done.stderr
