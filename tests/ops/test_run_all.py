"""`hr-elt run all` over the three vendors: one vendor's failure is isolated, the exit code says so."""

from __future__ import annotations

from pathlib import Path

from sandbox import Sandbox
from tests.ops.helpers import base_env, count, hr_elt, tenant_env

SIZES = {"hollyhr": {"people": 15}, "cutehr": {"employees": 12}, "bytehr": {"employees": 14}}


def test_one_failing_vendor_does_not_stop_the_others(tmp_path: Path) -> None:
    with Sandbox(**SIZES) as sandbox:
        env = base_env(**tenant_env("hollyhr", None, sandbox), **tenant_env("cutehr", None, sandbox),
                       **tenant_env("bytehr", None, sandbox))
        sandbox.bytehr.remove_key(sandbox.bytehr.credentials()["api_key"])  # revoked: 401 invalid_api_key
        db = tmp_path / "w.duckdb"
        done = hr_elt(["run", "all", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)], env, tmp_path)
        assert done.returncode == 1
        errors = [line for line in done.stderr.splitlines() if line.startswith("hr-elt:")]
        assert len(errors) == 1 and errors[0].startswith("hr-elt: bytehr") and "401" in errors[0], done.stderr
        assert "hollyhr: loaded into duckdb dataset hollyhr" in done.stdout
        assert "cutehr: loaded into duckdb dataset cutehr" in done.stdout
        assert count(db, "hollyhr", "people") == sandbox.hollyhr.count("people")
        assert count(db, "cutehr", "employees") == sandbox.cutehr.count("employees")


def test_nothing_configured_is_an_error(tmp_path: Path) -> None:
    done = hr_elt(["run", "all", "--pipelines-dir", str(tmp_path / "p")], base_env(), tmp_path)
    assert done.returncode == 1
    assert "run all: no credentials found for any vendor" in done.stderr
