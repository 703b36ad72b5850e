"""A PII column key naming no known vendor or table fails the run (privacy settings fail closed)."""

from __future__ import annotations

from pathlib import Path

from sandbox import Sandbox
from tests.ops.helpers import base_env, count, hr_elt, query, tenant_env


def test_misspelt_vendor_in_pii_key_fails_the_run(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Sandbox(hollyhr={"people": 5}) as sandbox:
        env = base_env(**tenant_env("hollyhr", None, sandbox),
                       HR_ELT__PII__COLUMNS='{"holyhr.people.work_email":"drop"}')
        done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)],
                      env, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "names no known vendor 'holyhr' (nearest: 'hollyhr')" in done.stderr
    assert "HR_ELT__PII__COLUMNS" in done.stderr
    # the failed attempt's run-history row may be there; no data is
    assert not db.exists() or not query(db, "select 1 from information_schema.tables where table_schema = 'hollyhr' "
                                            "and table_name = 'people'") or count(db, "hollyhr", "people") == 0
