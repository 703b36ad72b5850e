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


def test_progress_offers_only_what_works_and_warns_nothing(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3}) as sandbox:
        common = ["--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")]
        done = hr_elt(["run", "hollyhr", "--progress", "log", *common], env_for(sandbox), tmp_path)
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr and "psutil" not in done.stderr
        refused = hr_elt(["run", "hollyhr", "--progress", "enlighten", *common], env_for(sandbox), tmp_path)
        assert refused.returncode == 2 and "invalid choice: 'enlighten'" in refused.stderr


def test_verbose_logs_every_request_without_secrets(tmp_path: Path) -> None:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 3}) as sandbox:
        common = ["--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(tmp_path / "w.duckdb")]
        env = env_for(sandbox)
        done = hr_elt(["-v", "run", "hollyhr", *common], env, tmp_path)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stderr.splitlines() if "DEBUG sources.hollyhr: hollyhr [" in line]
        sent = int(done.stdout.split(" requests")[0].rsplit(" ", 1)[1])
        assert len(lines) == sent == 1 + 1 + 1 + 2 * 3
        assert all(" -> " in line and " ms (attempt 1)" in line for line in lines)
        assert env["SOURCES__HOLLYHR__API_TOKEN"] not in done.stderr + done.stdout
        assert "127.0.0.1" not in "\n".join(lines)
