"""`hr-elt dbt` refuses clearly before dbt starts: nothing loaded, destination credentials missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.cli.main import main


@pytest.fixture(autouse=True)
def bare_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("SOURCES__", "DESTINATION__", "HR_ELT__"))]:
        monkeypatch.delenv(key)


def test_nothing_loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dbt", "--duckdb-path", str(tmp_path / "empty.duckdb"), "--pipelines-dir", str(tmp_path / "p")])
    assert code == 1
    assert "no loaded vendor dataset found in the default datasets on duckdb: run `hr-elt run all` first" \
        in capsys.readouterr().err


def test_postgres_credentials_missing_or_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["dbt", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "destination postgres: credentials missing: set DESTINATION__POSTGRES__CREDENTIALS" in err
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", "postgresql://loader:pw_not_shown@127.0.0.1:9/warehouse")
    assert main(["dbt", "--destination", "postgres", "--pipelines-dir", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert "destination postgres: the Postgres server at 127.0.0.1:9 is not reachable" in err
    assert "pw_not_shown" not in err


def test_bad_tenant_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dbt", "--tenant", "Bad Name", "--pipelines-dir", str(tmp_path / "p")]) == 1
    assert "tenant 'Bad Name'" in capsys.readouterr().err


def test_unknown_vendor_is_refused_naming_the_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["dbt", "--vendors", "bytehr,foo", "--duckdb-path", str(tmp_path / "w.duckdb"),
                 "--pipelines-dir", str(tmp_path / "p")])
    assert code == 1
    assert "dbt: --vendors names no vendor of the dbt project: foo (known: bytehr, cutehr, hollyhr;" \
        in capsys.readouterr().err
