"""`hr-elt` and dlt's own CLI, run as a user would: subprocesses against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.run.naming import latest_pipeline_name
from sandbox import Sandbox

BIN = Path(sys.executable).parent


@pytest.fixture
def holly() -> Iterator[Sandbox]:
    with Sandbox(vendors=("hollyhr",), hollyhr={"people": 30}) as sandbox:
        yield sandbox


def env_for(sandbox: Sandbox | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__")}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    if sandbox is not None:
        env.update(sandbox.env())
    env.update(extra)
    return env


def hr_elt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "hr-elt"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_run_then_dlt_pipeline_commands(holly: Sandbox, tmp_path: Path) -> None:
    pipes, db = tmp_path / "pipes", tmp_path / "w.duckdb"
    env = env_for(holly)
    done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(pipes), "--duckdb-path", str(db)], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "hollyhr: loaded into duckdb dataset hollyhr" in done.stdout
    assert "people" in done.stdout and f"{1 + 1 + 1 + 2 * 30} requests" in done.stdout
    # dlt's own CLI on what ran: test_dlt_pipeline_commands_after_run_all, for every vendor


@pytest.fixture(scope="module")
def ran_all(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Path, dict[str, str]]]:
    """`hr-elt run all` once over the three vendors' sandboxes; the dlt commands then read what it left."""
    sizes = {"hollyhr": {"people": 12}, "cutehr": {"employees": 10}, "bytehr": {"employees": 11}}
    with Sandbox(**sizes) as sandbox:
        root = tmp_path_factory.mktemp("run_all")
        env = env_for(sandbox)
        done = hr_elt(["run", "all", "--pipelines-dir", str(root / "pipes"), "--duckdb-path", str(root / "w.duckdb")],
                      env, root)
        assert done.returncode == 0, done.stderr
        for vendor in ("bytehr", "cutehr", "hollyhr"):
            assert f"{vendor}: loaded into duckdb dataset {vendor}" in done.stdout
        yield sandbox, root, env


@pytest.mark.parametrize("vendor", ["bytehr", "cutehr", "hollyhr"])
def test_dlt_pipeline_commands_after_run_all(ran_all: tuple[Sandbox, Path, dict[str, str]], vendor: str) -> None:
    sandbox, root, env = ran_all
    secrets = [str(v) for app in sandbox.apps.values() for k, v in app.credentials().items() if k != "email"]
    name = latest_pipeline_name(vendor, str(root / "pipes"))  # <vendor>__<kind>_<hash8>, as the summary prints
    for command in (["info"], ["trace"], ["schema"], ["load-package"]):
        out = subprocess.run([str(BIN / "dlt"), "pipeline", "--pipelines-dir", str(root / "pipes"), name, *command],
                             env=env, cwd=root, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, (vendor, command, out.stderr)
        assert out.stdout.strip(), (vendor, command)
        leaked = [secret for secret in secrets if secret in out.stdout + out.stderr]
        assert not leaked, (vendor, command)


def test_wrong_token_exits_1_with_one_clear_line(holly: Sandbox, tmp_path: Path) -> None:
    wrong = "hhr_wrong_but_plausible_token"
    env = env_for(holly, SOURCES__HOLLYHR__API_TOKEN=wrong)
    done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p"), "--duckdb-path",
                   str(tmp_path / "w.duckdb")], env, tmp_path)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("hr-elt:")]
    assert len(lines) == 1
    assert "hollyhr" in lines[0] and "401" in lines[0] and "SOURCES__HOLLYHR__API_TOKEN" in lines[0]
    assert "request_id req_" in lines[0]
    assert wrong not in done.stdout + done.stderr


def test_missing_token_names_the_setting(tmp_path: Path) -> None:
    env = env_for(None, SOURCES__HOLLYHR__BASE_URL="http://127.0.0.1:9/api/v1")
    done = hr_elt(["run", "hollyhr", "--pipelines-dir", str(tmp_path / "p")], env, tmp_path)
    assert done.returncode == 1
    assert "missing setting sources.hollyhr.api_token (env SOURCES__HOLLYHR__API_TOKEN)" in done.stderr
