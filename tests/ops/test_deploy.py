"""The deploy/ recipes against the sandbox: the cron script end to end, the Dagster definitions
loaded and materialised in-process (a partial failure fails the asset); the Airflow DAG (Airflow is
not installed here) only compiled, run by the opt-in tests/ops/check_airflow.py."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

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


def load_definitions(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("hr_elt_dagster_definitions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dagster_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("SOURCES__", "HR_ELT__"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_dagster_definitions_load_and_materialise(companies: tuple[Sandbox, Sandbox], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster

    acme, globex = companies
    db = tmp_path / "w.duckdb"
    dagster_env(monkeypatch, tmp_path, {
        "HR_ELT__TENANTS__HOLLYHR": "acme,globex", "HR_ELT_DESTINATION": "duckdb",
        "HR_ELT_PIPELINES_DIR": str(tmp_path / "p"), "HR_ELT__DUCKDB_PATH": str(db),
        **tenant_env("hollyhr", "acme", acme), **tenant_env("hollyhr", "globex", globex)})
    acme_before, globex_before = len(acme.hollyhr.requests()), len(globex.hollyhr.requests())
    module = load_definitions(ROOT / "deploy" / "dagster" / "definitions.py")
    assert len(acme.hollyhr.requests()) == acme_before  # definitions build sources lazily: no request
    defs = module.defs
    assets = list(defs.assets)
    keys = {key.to_user_string() for a in assets for key in a.keys}
    assert {"hr_unified_acme", "hr_unified_globex"} <= keys
    assert any("hollyhr_acme" in k and "people" in k for k in keys), keys
    assert {job.name for job in defs.jobs} == {"hr_acme_daily", "hr_globex_daily"}
    assert len(list(defs.schedules)) == 2

    selection = dagster.AssetSelection.groups("hr_acme", "hr_globex") - dagster.AssetSelection.keys(
        "hr_unified_globex")  # one dbt build is enough here
    result = dagster.materialize(assets, selection=selection)
    assert result.success
    assert count(db, "hollyhr_acme", "people") == acme.hollyhr.count("people")
    assert count(db, "hollyhr_globex", "time_off") == globex.hollyhr.count("time_off")
    assert query(db, "select tenant, count(*) from hr_unified_acme.hr_employees group by 1") == [
        ("acme", acme.hollyhr.count("people"))]
    # the run path's facts as metadata: rows per table, the pipeline, requests as the sandbox counted them
    people = dagster.AssetKey(["hollyhr_globex", "people"])
    materialized = [e.materialization for e in result.get_asset_materialization_events()
                    if e.materialization.asset_key == people]
    assert len(materialized) == 1
    metadata = {k: v.value for k, v in materialized[0].metadata.items()}
    assert metadata["rows"] == globex.hollyhr.count("people")
    assert metadata["dlt_pipeline"] == "hollyhr_globex"
    assert metadata["run_requests"] == len(globex.hollyhr.requests()) - globex_before
    # the summary's counts: people merge on their id without a memory of ids, so no split is guessed
    assert metadata["upserted"] == globex.hollyhr.count("people") and "inserted" not in metadata


def test_dagster_asset_fails_on_an_isolated_resource_failure(companies: tuple[Sandbox, Sandbox], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster

    acme, _ = companies
    acme.hollyhr.add_key("hhr_dagster_no_documents", ["people:read", "time_off:read"])
    db = tmp_path / "w.duckdb"
    dagster_env(monkeypatch, tmp_path, {
        "HR_ELT__TENANTS__HOLLYHR": "initech", "HR_ELT_DESTINATION": "duckdb",
        "HR_ELT_PIPELINES_DIR": str(tmp_path / "p"), "HR_ELT__DUCKDB_PATH": str(db),
        **tenant_env("hollyhr", "initech", acme, API_TOKEN="hhr_dagster_no_documents")})
    module = load_definitions(ROOT / "deploy" / "dagster" / "definitions.py")
    loads = [a for a in module.defs.assets if any(k.path[0] == "hollyhr_initech" for k in a.keys)]
    result = dagster.materialize(loads, raise_on_error=False)
    assert not result.success  # the asset's step failed ...
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1 and "documents" in str(failures[0].event_specific_data), failures
    done = {e.materialization.asset_key.path[1] for e in result.get_asset_materialization_events()}
    assert "people" in done and "documents" not in done  # ... after the tables that did load
    assert count(db, "hollyhr_initech", "people") == acme.hollyhr.count("people")


def test_airflow_dag_compiles() -> None:
    dag = ROOT / "deploy" / "airflow" / "hr_elt_dag.py"
    text = dag.read_text()
    compile(text, str(dag), "exec")  # syntax only: importing it needs Airflow
    assert "run_target" in text and "What was run here" in text  # the one run path, like every other caller
