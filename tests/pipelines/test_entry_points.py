"""`hr-elt --version` and `run all --strict`, typed as a user would."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from sandbox import Sandbox
from tests.pipelines.test_cli import env_for, hr_elt


def test_version_is_the_installed_distributions(tmp_path: Path) -> None:
    done = hr_elt(["--version"], env_for(None), tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"hr-elt {version('hr-elt')}"


def test_run_all_strict_fails_when_a_vendor_is_skipped(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3}) as sandbox:
        common = ["--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")]
        strict = hr_elt(["run", "all", "--strict", *common], env_for(sandbox), tmp_path)
        assert strict.returncode == 1
        assert "bytehr: not configured" in strict.stderr and "cutehr: not configured" in strict.stderr
        assert "--strict: 2 vendor(s) skipped, nothing run" in strict.stderr
        assert "loaded into" not in strict.stdout

        lenient = hr_elt(["run", "all", *common], env_for(sandbox), tmp_path)
        assert lenient.returncode == 0, lenient.stderr
        assert "bytehr: not configured" in lenient.stderr and "hollyhr: loaded into" in lenient.stdout
