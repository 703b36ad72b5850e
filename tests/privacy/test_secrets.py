"""Secrets never leak: every vendor run with fault injection, every output grepped for every secret.

For each vendor, real ``hr-elt -v run`` subprocesses (dlt logging at DEBUG) against its sandbox:
a run that survives 429, 5xx, dropped, truncated and timed-out answers; a run that fails after
its retries; a run with wrong credentials; a run with a PII HMAC key configured. Then dlt's own
CLI (``dlt pipeline ... trace|info|load-package|failed-jobs``, verbose). Greps: every log
line and exception (stdout, stderr), every file in the pipelines dir (load packages, state,
schemas, the pickled trace), every value in the warehouse. Secrets: the configured key, password
or token, the wrong key of the failed run, the PII HMAC key.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipelines.run.naming import latest_pipeline_name
from tests.contracts import contract_for
from tests.harness import Harness
from tests.privacy.grep import find_any
from tests.resilience.crash import BIN, RunProcess

PII_KEY = "pii-hmac-key-never-printed-7f3a9c"


CONTRACTS = [pytest.param(contract_for(vendor), id=vendor) for vendor in ("hollyhr", "bytehr", "cutehr")]


def run_cli(harness: Harness, vendor: str, extra_env: dict[str, str]) -> tuple[int, str]:
    run = RunProcess(harness, vendor, extra_env={"RUNTIME__LOG_LEVEL": "DEBUG", **extra_env}, args=[])
    code = run.finish()
    return code, run.stdout() + run.stderr()


def dlt_cli(harness: Harness, vendor: str, commands: list[list[str]]) -> str:
    out = []
    name = latest_pipeline_name(vendor, harness.pipelines_dir)  # <vendor>__<kind>_<hash8>, as the summary prints
    for command in commands:
        done = subprocess.run([str(BIN / "dlt"), "pipeline", "--pipelines-dir", harness.pipelines_dir, name,
                               *command], capture_output=True, text=True, timeout=120, cwd=harness.tmp_path)
        out.append(done.stdout + done.stderr)
    return "\n".join(out)


def warehouse_text(harness: Harness, vendor: str) -> str:
    tables = [r[0] for r in harness.query(
        f"select table_name from information_schema.tables where table_schema = '{vendor}'")]
    return "\n".join(json.dumps(harness.query(f'select * from "{vendor}"."{t}"'), default=str) for t in tables)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_no_secret_anywhere_under_fault_injection(harness: Harness, contract: Any) -> None:
    vendor = contract.vendor
    app = contract.start(harness)
    harness.setenv(f"SOURCES__{vendor.upper()}__MAX_ATTEMPTS", "6")
    harness.setenv("HR_ELT__PII__ACTION", "pseudonymise")
    harness.setenv("HR_ELT__PII__HMAC_KEY", PII_KEY)
    outputs: list[str] = []

    # 1. a run that survives every kind of transient fault
    route = contract.fault_route
    app.inject(route, "429", times=1, retry_after="0")
    app.inject(route, "503", times=1)
    app.inject(route, "drop", times=1)
    app.inject(route, "truncated", times=1)
    code, text = run_cli(harness, vendor, {})
    assert code == 0, text
    assert "retry" in text  # the retries were logged (and had something to leak)
    outputs.append(text)

    # 2. a run that fails after its retries (exceptions, tracebacks, a failed trace)
    contract.mutate(app)
    app.inject(route, "500", times=10)
    code, text = run_cli(harness, vendor, {f"SOURCES__{vendor.upper()}__MAX_ATTEMPTS": "2"})
    assert code == 1 and "request_id" in text, text
    outputs.append(text)
    outputs.append(dlt_cli(harness, vendor, [["trace", "-vv"]]))
    app.clear_faults()

    # 3. a run with wrong credentials
    wrong = contract.break_credentials(harness, app)
    code, text = run_cli(harness, vendor, {})
    assert code == 1, text
    outputs.append(text)
    outputs.append(dlt_cli(harness, vendor, [["trace", "-vv"], ["info", "-vv"], ["load-package"], ["failed-jobs"]]))

    secrets = [*contract.secrets(app), PII_KEY, wrong]  # after the runs: CuteHR's session tokens included
    for secret in secrets:
        assert len(secret) >= 8
        for n, output in enumerate(outputs):
            assert secret not in output, f"secret in output #{n}"
    leaks = find_any(secrets, harness.pipelines_dir, Path(harness.tmp_path) / "warehouse.duckdb")
    assert leaks == [], leaks
    whole = warehouse_text(harness, vendor)
    assert [s for s in secrets if s in whole] == []
