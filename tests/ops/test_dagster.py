"""deploy/dagster in-process against the sandbox: tenants as a dynamic partition, one run per tenant.

Three HollyHR tenants (acme, globex, and initech whose key lacks the documents scope) on a real
Dagster instance (sqlite in a temp dir): the sensor adds the configured tenants to the partition set,
a tenant configured later is added on the next tick from the same definitions; one run per partition
loads each tenant through the run path into DuckDB; initech fails on its own, without a retry, after
its other tables loaded; a tenant whose vendor cannot be reached is retried by the op's policy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import dagster
import pytest

from sandbox import Sandbox
from sources import registry
from tests.ops.helpers import count, query, tenant_env

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = ROOT / "deploy" / "dagster"


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[tuple[Sandbox, Sandbox]]:
    with Sandbox(seed=5, vendors=("hollyhr",), hollyhr={"people": 11}) as one, \
            Sandbox(seed=6, vendors=("hollyhr",), hollyhr={"people": 7}) as two:
        one.hollyhr.add_key("hhr_dagster_no_documents", ["people:read", "time_off:read"])
        yield one, two


def load_definitions() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hr_elt_dagster_definitions", DAGSTER / "definitions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def use_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> None:
    monkeypatch.chdir(tmp_path)
    for key in [k for k in os.environ if k.startswith(("SOURCES__", "HR_ELT", "DESTINATION__"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def step_events(result: dagster.ExecuteInProcessResult, kind: str, op: str) -> list[Any]:
    return [e for e in result.all_events if e.event_type_value == kind and e.step_key == op]


@pytest.mark.timeout(900)  # three loads and a dbt build on a shared 2-core machine
def test_tenants_as_partitions_one_run_each(sandboxes: tuple[Sandbox, Sandbox], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = sandboxes
    db = tmp_path / "w.duckdb"
    use_env(monkeypatch, tmp_path, {
        "HR_ELT__TENANTS__HOLLYHR": "acme,globex", "HR_ELT_DESTINATION": "duckdb", "HR_ELT_RETRIES": "2",
        "HR_ELT_RETRY_DELAY": "0", "HR_ELT_PIPELINES_DIR": str(tmp_path / "p"), "HR_ELT__DUCKDB_PATH": str(db),
        **tenant_env("hollyhr", "acme", one), **tenant_env("hollyhr", "globex", two)})
    before = len(one.hollyhr.requests())
    module = load_definitions()
    assert len(one.hollyhr.requests()) == before  # loading the definitions sends no request
    # one set of load assets whatever the tenants: a multi-asset per registered vendor, in its vendor's pool
    loads = {a.op.name: a for a in module.LOADS.values()}
    assert set(loads) == {f"load_{v}" for v in registry.names()}
    for vendor in registry.names():
        assert loads[f"load_{vendor}"].op.pool == f"hr_elt_{vendor}"
        assert loads[f"load_{vendor}"].op.retry_policy.max_retries == 2
    job = module.defs.resolve_job_def("hr_elt")
    assert job.tags["dagster/max_runtime"] == "3600"  # run monitoring terminates an overrunning run (SIGTERM)

    with dagster.instance_for_test() as instance:
        tick = module.hr_elt_tenants(dagster.build_sensor_context(instance=instance))
        assert [r.partition_keys for r in tick.dynamic_partitions_requests] == [["acme", "globex"]]
        assert [r.partition_key for r in tick.run_requests] == ["acme", "globex"]
        hollyhr = module.LOADS["hollyhr"].keys
        assert set(tick.run_requests[0].asset_selection) == {*hollyhr, dagster.AssetKey("hr_unified")}
        instance.add_dynamic_partitions("hr_elt_tenants", ["acme", "globex"])

        # a tenant configured later: the same definitions pick it up on the next tick, no redeploy
        monkeypatch.setenv("HR_ELT__TENANTS__HOLLYHR", "acme,globex,initech")
        for key, value in tenant_env("hollyhr", "initech", one, API_TOKEN="hhr_dagster_no_documents").items():
            monkeypatch.setenv(key, value)
        tick = module.hr_elt_tenants(dagster.build_sensor_context(instance=instance))
        assert [r.partition_keys for r in tick.dynamic_partitions_requests] == [["initech"]]
        assert [r.partition_key for r in tick.run_requests] == ["initech"]
        instance.add_dynamic_partitions("hr_elt_tenants", ["initech"])
        daily = module.hr_elt_daily(dagster.build_schedule_context(instance=instance))
        assert [r.partition_key for r in daily] == ["acme", "globex", "initech"]

        # one run per tenant partition, as the sensor and the schedule request them
        dbt = dagster.AssetKey("hr_unified")
        runs = {key: dagster.materialize(module.ASSETS, partition_key=key, instance=instance, raise_on_error=False,
                                         selection=[k for k in module.tenant_selection(key)
                                                    if k != dbt or key != "globex"])  # one dbt build is enough
                for key in ("acme", "globex", "initech")}
        # a vendor's load started for a tenant that vendor does not have: said, nothing materialised
        others = [module.LOADS[v] for v in registry.names() if v != "hollyhr"]
        idle = dagster.materialize(others, partition_key="acme", instance=instance)
        assert idle.success and not idle.get_asset_materialization_events()
        logs = [e.message for e in instance.all_logs(idle.run_id) if e.message]
        assert all(any(f"{o.op.name[5:]}: no company for partition 'acme'" in m for m in logs) for o in others)

    assert runs["acme"].success and runs["globex"].success
    assert count(db, "hollyhr_acme", "people") == one.hollyhr.count("people")
    assert count(db, "hollyhr_globex", "people") == two.hollyhr.count("people")
    assert count(db, "hollyhr_globex", "documents") == two.hollyhr.count("documents")
    assert query(db, "select tenant, count(*) from hr_unified_acme.hr_employees group by 1") == [
        ("acme", one.hollyhr.count("people"))]
    # the run path's facts as metadata: rows, the pipeline, the dataset, requests as the sandbox counted them
    people = [e.materialization for e in runs["globex"].get_asset_materialization_events()
              if e.materialization.asset_key == dagster.AssetKey(["hollyhr", "people"])]
    assert len(people) == 1
    metadata = {k: v.value for k, v in people[0].metadata.items()}
    assert metadata["rows"] == two.hollyhr.count("people") and metadata["dataset"] == "hollyhr_globex"
    assert re.fullmatch(r"hollyhr_globex__duckdb_[0-9a-f]{8}", metadata["dlt_pipeline"])
    assert metadata["tenant"] == "globex"
    assert metadata["upserted"] == two.hollyhr.count("people") and "inserted" not in metadata

    # initech fails on its own: its load step fails once (a missing scope is not retried) after people
    # loaded, its dbt build does not run; acme's and globex's runs were not touched by it
    initech = runs["initech"]
    assert not initech.success
    failures = step_events(initech, "STEP_FAILURE", "load_hollyhr")
    assert len(failures) == 1 and "documents" in str(failures[0].event_specific_data), failures
    assert not step_events(initech, "STEP_UP_FOR_RETRY", "load_hollyhr")
    done = {e.materialization.asset_key.path[1] for e in initech.get_asset_materialization_events()}
    assert "people" in done and "documents" not in done
    assert count(db, "hollyhr_initech", "people") == one.hollyhr.count("people")
    assert not step_events(initech, "STEP_SUCCESS", "hr_unified")


def test_unreachable_vendor_is_retried_per_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Sandbox(seed=7, vendors=("hollyhr",), hollyhr={"people": 3}) as box:
        env = tenant_env("hollyhr", "umbrella", box, BASE_URL="http://127.0.0.1:9/api")  # nothing listens
    use_env(monkeypatch, tmp_path, {
        "HR_ELT__TENANTS__HOLLYHR": "umbrella", "HR_ELT_DESTINATION": "duckdb", "HR_ELT_RETRIES": "1",
        "HR_ELT_RETRY_DELAY": "0", "HR_ELT_PIPELINES_DIR": str(tmp_path / "p"),
        "HR_ELT__DUCKDB_PATH": str(tmp_path / "w.duckdb"), **env})
    module = load_definitions()
    with dagster.instance_for_test() as instance:
        instance.add_dynamic_partitions("hr_elt_tenants", ["umbrella"])
        result = dagster.materialize([module.LOADS["hollyhr"]], partition_key="umbrella", instance=instance,
                                     raise_on_error=False)
    assert not result.success
    assert len(step_events(result, "STEP_UP_FOR_RETRY", "load_hollyhr")) == 1  # HR_ELT_RETRIES=1
    assert len(step_events(result, "STEP_FAILURE", "load_hollyhr")) == 1


def test_bad_recipe_setting_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, tmp_path, {"HR_ELT_RETRIES": "three"})
    with pytest.raises(ValueError, match=r"^HR_ELT_RETRIES='three': expected a whole number \(default 3\)$"):
        load_definitions()


def test_instance_settings_file(tmp_path: Path) -> None:
    """deploy/dagster/dagster.yaml in a real instance: one run per tenant, pools, monitoring, run retries."""
    shutil.copy(DAGSTER / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = dagster.DagsterInstance.from_config(str(tmp_path))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        concurrency = instance.get_concurrency_config()  # what the run queue daemon dequeues by
        assert concurrency.run_queue_config is not None
        limits = concurrency.run_queue_config.tag_concurrency_limits
        assert {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1} in limits
        assert concurrency.pool_config.default_pool_limit == 2
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_retries_max_retries == 2
    finally:
        instance.dispose()
