"""Unknown settings under our sections and env prefixes: one WARNING naming the key and the nearest valid one."""

from __future__ import annotations

from pathlib import Path

from pipelines.run.config_check import nearest, unknown_keys
from sandbox import Sandbox
from tests.ops.helpers import base_env, hr_elt, tenant_env


def test_nearest_key() -> None:
    assert nearest("pagesize", ["page_size", "base_url"]) == "page_size"
    assert nearest("holyhr", ["hollyhr", "cutehr", "bytehr"]) == "hollyhr"
    assert nearest("zzzz", ["page_size", "base_url"]) is None


def test_unknown_env_keys_and_sections() -> None:
    env = {"SOURCES__HOLLYHR__PAGESIZE": "5", "SOURCES__HOLLYHR__PAGE_SIZE": "5", "HR_ELT__BAD_RECORD": "fail",
           "SOURCES__HOLYHR__API_TOKEN": "x", "HR_ELT__TENANTS__HOLLYHR": "acme", "SOURCES__SQL_DATABASE__X": "1"}
    lines = {u.key: u.line() for u in unknown_keys(environ=env)}
    assert lines.pop("SOURCES__HOLLYHR__PAGESIZE").endswith("did you mean SOURCES__HOLLYHR__PAGE_SIZE?")
    assert lines.pop("HR_ELT__BAD_RECORD").endswith("did you mean HR_ELT__BAD_RECORDS?")
    assert lines.pop("SOURCES__HOLYHR__*").endswith("did you mean SOURCES__HOLLYHR__*?")
    assert lines == {}  # known keys, tenants and other dlt sources' sections are not warned about


def test_run_warns_about_a_misspelt_setting(tmp_path: Path) -> None:
    (tmp_path / ".dlt").mkdir()
    (tmp_path / ".dlt" / "config.toml").write_text('[sources.hollyhr]\ndocument_delete = "hard_delete"\n')
    with Sandbox(hollyhr={"people": 5}) as sandbox:
        env = base_env(**tenant_env("hollyhr", None, sandbox), SOURCES__HOLLYHR__PAGESIZE="2")
        done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"),
                       "--duckdb-path", str(tmp_path / "w.duckdb")], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert ("unknown setting SOURCES__HOLLYHR__PAGESIZE (environment) is ignored; "
            "did you mean SOURCES__HOLLYHR__PAGE_SIZE?") in done.stderr
    assert "unknown setting sources.hollyhr.document_delete" in done.stderr
    assert "did you mean sources.hollyhr.document_deletes?" in done.stderr
