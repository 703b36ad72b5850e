"""What the Airflow and Dagster recipes (``deploy/``) share: tenants as partitions, pools, retries, timeouts.

The recipes name no vendor: they loop :func:`sources.registry.names` and ask this module which
tenant runs for which vendor, at run time (a tenant added to ``hr_elt.tenants`` or given its
``SOURCES__<VENDOR>_<TENANT>__*`` credentials runs without a redeploy). Every load goes through the one
run path, :func:`pipelines.app.run_target`, via :func:`run_load`.

Partition keys. A tenant is its own key (``acme``); the default company (a vendor's own
``[sources.<vendor>]`` credentials) is :data:`DEFAULT_PARTITION`, ``_default``, which no tenant can be
called (tenant names start with a letter or digit).

Settings (environment of the scheduler's workers, read when a recipe is loaded; a bad value is one
line naming the variable):

- ``HR_ELT_DESTINATION``: destination of every load (each recipe has its default).
- ``HR_ELT_PIPELINES_DIR``: dlt's pipelines directory (dlt's default when unset).
- ``HR_ELT_SCHEDULE``: cron expression of the daily run (``15 2 * * *``).
- ``HR_ELT_RETRIES`` / ``HR_ELT_RETRY_DELAY``: attempts after a failed load of one tenant, and seconds
  between them (3, 300). Failures a retry cannot mend (:func:`retryable`) are not retried.
- ``HR_ELT_TASK_TIMEOUT``: seconds one load may take before the orchestrator stops it (Airflow
  ``execution_timeout``, Dagster ``dagster/max_runtime``); default 3600, at least 30. Each load's time
  budget is the timeout less a grace period (:func:`grace_for`), so the run stops at a checkpoint
  before the timeout, committed, and the retry resumes; the timeout's own exception, should it come
  first, is recorded as an interruption (``run_load``'s `stops`).
- ``HR_ELT_POOL_SLOTS``: loads of one vendor that may run at once across all tenants (2): the size of
  the vendor's pool (:func:`pool_name`), which the orchestrator's admin creates (docs/scheduling.md).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dlt.common.configuration.exceptions import ConfigFieldMissingException

from pipelines.app import run_target
from pipelines.report.summary import format_summary
from pipelines.run.outside_stops import outside_stop
from pipelines.run.result import RunResult, failed_run_of
from pipelines.run.tenants import Target, TenantError, configured_tenants, has_credentials
from sources import registry
from sources._shared.errors import (
    BadRecordError,
    ProviderAuthError,
    ProviderConfigError,
    ProviderPartialFailure,
    ProviderQuotaError,
    exception_chain,
)

DEFAULT_PARTITION = "_default"
"""Partition key of the default company (tenant names cannot start with ``_``)."""

POOL_PREFIX = "hr_elt_"

logger = logging.getLogger("pipelines.orchestration")


class SyncIncomplete(RuntimeError):
    """A load that stopped at a checkpoint before its time budget ran out: committed, and retried to go on.

    The recipes retry it (Airflow's task retries, Dagster's retry policy), so a first sync longer than a
    task's timeout finishes over several attempts, each resuming where the last one committed.
    """


class OrchestrationSettingError(ValueError):
    """An ``HR_ELT_*`` recipe setting that cannot be used."""


def _int_setting(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise OrchestrationSettingError(f"{name}={raw!r}: expected a whole number (default {default})") from None
    if value < minimum:
        raise OrchestrationSettingError(f"{name}={value}: must be at least {minimum} (default {default})")
    return value


@dataclass(frozen=True)
class RecipeSettings:
    """The recipe settings of the module docstring, read from the environment."""

    destination: str
    pipelines_dir: str | None
    schedule: str
    retries: int
    retry_delay: int
    task_timeout: int
    pool_slots: int

    @classmethod
    def from_env(cls, default_destination: str, env: Mapping[str, str] | None = None) -> RecipeSettings:
        """Settings from `env` (default: ``os.environ``).

        Raises:
            OrchestrationSettingError: a value is not a number or out of range (one line naming it).
        """
        env = os.environ if env is None else env
        return cls(
            destination=env.get("HR_ELT_DESTINATION") or default_destination,
            pipelines_dir=env.get("HR_ELT_PIPELINES_DIR") or None,
            schedule=env.get("HR_ELT_SCHEDULE") or "15 2 * * *",
            retries=_int_setting(env, "HR_ELT_RETRIES", 3, 0),
            retry_delay=_int_setting(env, "HR_ELT_RETRY_DELAY", 300, 0),
            task_timeout=_int_setting(env, "HR_ELT_TASK_TIMEOUT", 3600, MIN_TIMEOUT),
            pool_slots=_int_setting(env, "HR_ELT_POOL_SLOTS", 2, 1),
        )

    @property
    def grace(self) -> int:
        """Seconds kept between a load's time budget and the task timeout (:func:`grace_for`)."""
        return grace_for(self.task_timeout)

    @property
    def budget(self) -> float:
        """Seconds one load may spend before stopping at a checkpoint (:func:`budget_within` the task timeout)."""
        return budget_within(self.task_timeout)


MIN_TIMEOUT = 30
"""The shortest ``HR_ELT_TASK_TIMEOUT``: half of it is the budget, half the grace period."""


def grace_for(timeout: float) -> int:
    """Seconds kept between a load's time budget and a task timeout: a tenth of it, at least 60, at most half.

    The run path stops cleanly at a checkpoint (rows and state committed, status ``incomplete``) before
    the orchestrator's timeout stops the task; the grace period is what loading that last chunk may take.
    """
    return int(min(max(60, timeout // 10), timeout // 2))


def budget_within(timeout: float) -> float:
    """Seconds a load with this task timeout may spend before stopping at a checkpoint: less :func:`grace_for`."""
    return float(timeout - grace_for(timeout))


def pool_name(vendor: str) -> str:
    """The orchestrator pool every load of `vendor` runs in: ``hr_elt_<vendor>``."""
    return f"{POOL_PREFIX}{registry.get(vendor).name}"


def pools(slots: int) -> dict[str, dict[str, Any]]:
    """Every vendor's pool in Airflow's ``airflow pools import`` format."""
    return {pool_name(vendor): {"slots": slots, "description": f"hr-elt loads of {vendor}, all tenants",
                                "include_deferred": False}
            for vendor in registry.names()}


def partition_key(tenant: str | None) -> str:
    """``acme`` for tenant ``acme``, :data:`DEFAULT_PARTITION` for the default company."""
    return tenant or DEFAULT_PARTITION


def tenant_of(key: str) -> str | None:
    """The tenant of a partition key (None for the default company)."""
    return None if key == DEFAULT_PARTITION else key


def vendor_serves(vendor: str, key: str) -> bool:
    """Whether `vendor` has the partition's company: listed in ``hr_elt.tenants`` or with its own credentials."""
    tenant = tenant_of(key)
    if tenant is None:
        return has_credentials(vendor)
    return tenant in configured_tenants(vendor) or has_credentials(vendor, tenant)


def tenants_of(vendor: str) -> list[str]:
    """Partition keys `vendor` loads now, read from the config at call time (default company first)."""
    keys = [DEFAULT_PARTITION] if has_credentials(vendor) else []
    return keys + configured_tenants(vendor)


def configured_partitions() -> list[str]:
    """Every partition key some vendor loads, in first-seen order over the registry."""
    keys: list[str] = []
    for vendor in registry.names():
        keys += [key for key in tenants_of(vendor) if key not in keys]
    return keys


def retryable(exc: BaseException) -> bool:
    """Whether another attempt of the same load can succeed where this one failed.

    Not retried: the vendor refused the key or a scope, a setting is wrong or missing, the quota is
    spent until its reset, a resource failed on its own (the rest loaded; the next scheduled run reads
    it again), a bad record under ``fail``, an unknown tenant. Everything else is retried: the vendor
    or the network failing beyond the HTTP retries, the destination unreachable, another run holding
    the pipeline's lock.
    """
    final = (ProviderAuthError, ProviderConfigError, ProviderQuotaError, ProviderPartialFailure, BadRecordError,
             TenantError, registry.UnknownVendorError, ConfigFieldMissingException, OrchestrationSettingError)
    return not any(isinstance(error, final) for error in exception_chain(exc))


def run_load(target: Target, settings: RecipeSettings, log: Callable[[str], None], budget: float) -> RunResult:
    """One load of one vendor/tenant through the one run path, its summary written to `log`.

    Args:
        target: The vendor and tenant.
        settings: The recipe's settings.
        log: Where the orchestrator wants the summary lines.
        budget: Seconds the load may spend before stopping at a checkpoint (the task timeout less
            :func:`grace_for` it; what is left of it in a Dagster run).

    Raises:
        SyncIncomplete: the budget ran out; stopped at a checkpoint, committed (retry to go on).
        ProviderPartialFailure: some resources failed on their own; the rest loaded (``exc.result``).
        Exception: whatever :func:`pipelines.app.run_target` raises.
        BaseException: the orchestrator's own stop (its task timeout, its run termination), recorded as an
            interruption (history row ``interrupted``, alert, nothing partial marked done) and raised on
            (:mod:`pipelines.run.outside_stops`).
    """
    # the one place the recipes' budget reaches the run path: it stops at a checkpoint before the timeout
    time_budget: dict[str, Any] = {"max_duration": budget}
    log(f"{target.name}: loading into {settings.destination}; a time budget of {budget:.0f}s, then a "
        f"checkpoint before the task timeout")
    try:
        result = run_target(target, settings.destination, pipelines_dir=settings.pipelines_dir, **time_budget)
    except BaseException as exc:
        stopped = failed_run_of(exc) if outside_stop(exc) is not None else None
        if stopped is not None:  # the orchestrator's timeout came first: recorded; its retry resumes
            log(format_summary(stopped))
        raise
    log(format_summary(result))
    if result.status == "incomplete":  # the budget ran out at a checkpoint: what loaded stays, the retry goes on
        raise SyncIncomplete(f"{target.name}: stopped at a checkpoint before the task's timeout; "
                             + "; ".join(result.notes[-1:]) + " (retried to resume)")
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m pipelines.orchestration pools``: the vendors' pools as JSON for ``airflow pools import``."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["pools"]:
        print("usage: python -m pipelines.orchestration pools   (HR_ELT_POOL_SLOTS sets the slots)", file=sys.stderr)
        return 2
    try:
        settings = RecipeSettings.from_env("duckdb")
    except OrchestrationSettingError as exc:
        print(f"hr-elt: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(pools(settings.pool_slots), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
