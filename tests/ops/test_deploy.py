"""The deploy/ recipes against the sandbox: the cron script end to end; the Airflow DAG (Airflow is not
installed here) only compiled, run by the opt-in tests/ops/check_airflow.py. The Dagster definitions:
tests/ops/test_dagster.py."""

from __future__ import annotations

import fcntl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox
from tests.ops.helpers import BIN, base_env, count, query, schemas, tenant_env

ROOT = Path(__file__).resolve().parents[2]
CRON = ROOT / "deploy" / "cron" / "hr-elt-cron.sh"


@pytest.fixture(scope="module")
def companies() -> Iterator[tuple[Sandbox, Sandbox]]:
    with Sandbox(seed=3, vendors=("hollyhr",), hollyhr={"people": 14}) as acme, \
            Sandbox(seed=4, vendors=("hollyhr",), hollyhr={"people": 9}) as globex:
        yield acme, globex


def cron(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(CRON), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cron_script_loads_every_tenant_then_builds_dbt(companies: tuple[Sandbox, Sandbox], tmp_path: Path) -> None:
    acme, _ = companies
    db, lock = tmp_path / "w.duckdb", tmp_path / "cron.lock"
    env = base_env(HR_ELT__TENANTS__HOLLYHR="acme", HR_ELT_HOME=str(tmp_path), HR_ELT_BIN=str(BIN / "hr-elt"),
                   HR_ELT_LOCK=str(lock), **tenant_env("hollyhr", "acme", acme))
    args = ["--pipelines-dir", str(tmp_path / "p"), "--duckdb-path", str(db)]
    done = cron(args, env, ROOT)  # started from anywhere: it changes into HR_ELT_HOME
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hr-elt-cron:" in done.stdout and "done, exit 0" in done.stdout
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people")
    # dbt per tenant: acme's datasets into hr_unified_acme, keys and rows marked with the tenant
    first = acme.hollyhr.person_ids()[0]
    assert query(db, "select tenant, count(*), min(person_key) from hr_unified_acme.hr_employees group by 1") == [
        ("acme", acme.hollyhr.count("people"), f"hollyhr:acme:{first}")]
    assert "hr_unified" not in schemas(db)  # no default datasets loaded: no default build

    # a run still holding the lock: the next one skips with 75 and touches nothing
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        skipped = cron(args, env, tmp_path)
    assert skipped.returncode == 75 and "still holds" in skipped.stderr

    # a failing tenant makes the exit code 1; the rest of the schedule still runs
    bad = dict(env, HR_ELT__TENANTS__HOLLYHR="acme,initech", HR_ELT_SKIP_DBT="1",
               **tenant_env("hollyhr", "initech", acme, API_TOKEN="hhr_revoked"))
    failed = cron(args, bad, tmp_path)
    assert failed.returncode == 1 and "done, exit 1" in failed.stdout
    assert "hr-elt: hollyhr_initech:" in failed.stderr and "dataset hollyhr_acme" in failed.stdout


def test_airflow_dag_compiles() -> None:
    dag = ROOT / "deploy" / "airflow" / "hr_elt_dag.py"
    text = dag.read_text()
    compile(text, str(dag), "exec")  # syntax only: importing it needs Airflow
    assert "run_target" in text and "What was run here" in text  # the one run path, like every other caller
