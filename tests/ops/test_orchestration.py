"""pipelines/orchestration.py: the recipes' settings, partition keys, pools and which failures are retried."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pipelines.orchestration import (
    DEFAULT_PARTITION,
    OrchestrationSettingError,
    RecipeSettings,
    configured_partitions,
    partition_key,
    pool_name,
    retryable,
    tenant_of,
    tenants_of,
    vendor_serves,
)
from pipelines.run.destinations import DestinationConfigError
from pipelines.run.lock import PipelineLockedError
from pipelines.run.tenants import check_tenant, secret_fields
from sources import registry
from sources._shared.errors import ProviderAuthError, ProviderError, ProviderPartialFailure, ProviderQuotaError
from tests.ops.helpers import BIN, base_env


def raised_inside(error: BaseException) -> BaseException:
    """`error` as the run path sees it: wrapped by an outer error, as dlt wraps a step's failure."""
    try:
        try:
            raise error
        except BaseException as inner:
            raise RuntimeError("Pipeline execution failed at stage extract") from inner
    except RuntimeError as outer:
        return outer


def test_settings_defaults_and_bad_values() -> None:
    settings = RecipeSettings.from_env("postgres", {})
    assert (settings.destination, settings.retries, settings.retry_delay, settings.task_timeout,
            settings.pool_slots, settings.schedule) == ("postgres", 3, 300, 3600, 2, "15 2 * * *")
    assert settings.grace == 360 and settings.budget == 3240.0
    assert RecipeSettings.from_env("postgres", {"HR_ELT_TASK_TIMEOUT": "300"}).budget == 240.0  # grace >= 60 s
    short = RecipeSettings.from_env("postgres", {"HR_ELT_TASK_TIMEOUT": "60"})
    assert short.grace == 30 and short.budget == 30.0  # a short timeout: at most half of it is grace
    with pytest.raises(OrchestrationSettingError, match=r"^HR_ELT_TASK_TIMEOUT=20: must be at least 30"):
        RecipeSettings.from_env("duckdb", {"HR_ELT_TASK_TIMEOUT": "20"})
    with pytest.raises(OrchestrationSettingError, match=r"^HR_ELT_POOL_SLOTS='two': expected a whole number"):
        RecipeSettings.from_env("duckdb", {"HR_ELT_POOL_SLOTS": "two"})


def test_partition_keys() -> None:
    assert partition_key(None) == DEFAULT_PARTITION and tenant_of(DEFAULT_PARTITION) is None
    assert partition_key("acme") == "acme" and tenant_of("acme") == "acme"
    with pytest.raises(ValueError):
        check_tenant(DEFAULT_PARTITION)  # no tenant can take the default company's key


def test_tenants_are_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    for vendor in registry.names():
        for key in secret_fields(vendor):
            monkeypatch.delenv(f"SOURCES__{vendor.upper()}__{key.upper()}", raising=False)
        monkeypatch.delenv(f"HR_ELT__TENANTS__{vendor.upper()}", raising=False)
    vendor = registry.names()[0]
    assert tenants_of(vendor) == [] and configured_partitions() == []
    monkeypatch.setenv(f"HR_ELT__TENANTS__{vendor.upper()}", "acme,globex")
    assert tenants_of(vendor) == ["acme", "globex"] and configured_partitions() == ["acme", "globex"]
    assert vendor_serves(vendor, "acme") and not vendor_serves(vendor, "initech")
    other = registry.names()[1]
    assert not vendor_serves(other, "acme")


def test_which_failures_are_retried() -> None:
    refused = ProviderAuthError("hollyhr", "401 invalid key", status=401)
    assert not retryable(raised_inside(refused))
    assert not retryable(raised_inside(ProviderQuotaError("bytehr", "quota spent", status=429)))
    assert not retryable(ProviderPartialFailure("hollyhr", {"documents": "403 missing scope"}))
    assert retryable(raised_inside(ProviderError("hollyhr", "503 unavailable", status=503)))
    assert retryable(raised_inside(ConnectionError("connection refused")))
    assert retryable(DestinationConfigError("postgres", "cannot connect"))
    assert retryable(PipelineLockedError("hollyhr_acme", Path("/tmp/x.lock"), {}))


def test_pools_command_for_airflow(tmp_path: Path) -> None:
    done = subprocess.run([str(BIN / "python"), "-m", "pipelines.orchestration", "pools"], cwd=tmp_path,
                          env=base_env(HR_ELT_POOL_SLOTS="3"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pools = json.loads(done.stdout)
    assert set(pools) == {pool_name(v) for v in registry.names()} == {f"hr_elt_{v}" for v in registry.names()}
    assert all(p["slots"] == 3 for p in pools.values())
    bad = subprocess.run([str(BIN / "python"), "-m", "pipelines.orchestration", "pools"], cwd=tmp_path,
                         env=base_env(HR_ELT_POOL_SLOTS="0"), capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip() == "hr-elt: HR_ELT_POOL_SLOTS=0: must be at least 1 (default 2)"
