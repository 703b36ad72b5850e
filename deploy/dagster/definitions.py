"""hr-elt on Dagster: tenants as a dynamic partition of one set of load assets, one run per tenant.

Assets: per registered vendor one multi-asset ``load_<vendor>`` (an asset ``<vendor>/<resource>`` per
table), and ``hr_unified`` (dbt build), all partitioned by the dynamic partition set
``hr_elt_tenants``: a partition key is a tenant (``acme``) or ``_default`` for the default company
(pipelines/orchestration.py). One run of the job ``hr_elt`` is one tenant: each vendor's load for that
tenant through hr-elt's one run path (``pipelines.app.run_target``, exactly what ``hr-elt run``
runs), then dbt over the tenant's datasets. A run selects the loads of the vendors that have
the tenant (``tenant_selection``); a vendor's load started for a tenant it does not have logs that it
has nothing to load and materialises nothing.

- Tenants without a redeploy: the sensor ``hr_elt_tenants`` reads the config (``hr_elt.tenants`` and
  the ``SOURCES__<VENDOR>_<TENANT>__*`` credentials) on every tick, adds new tenants to the partition
  set and starts their first run; the schedule ``hr_elt_daily`` starts one run per configured tenant.
- Per-tenant retries: each load op has a retry policy (``HR_ELT_RETRIES`` after ``HR_ELT_RETRY_DELAY``
  seconds); a failure a retry cannot mend (a refused key or scope, a spent quota, a bad setting) fails at
  once without retrying. One tenant's failure fails only its own run.
- A pool per vendor (``hr_elt_<vendor>``, Dagster's op ``pool``): at most the pool's limit of loads of
  one vendor run at once across all tenants' runs, so the vendor's limits hold.
- One tenant at a time: ``deploy/dagster/dagster.yaml`` limits queued runs to one per
  ``dagster/partition`` value, sets the pools' default limit and turns run monitoring on.
- Run termination: ``dagster/max_runtime`` (``HR_ELT_TASK_TIMEOUT``) makes run monitoring terminate a
  run that overruns. Each load gets the run's remaining time less a grace period as its time budget, so
  it stops at a checkpoint first (committed, ``incomplete``, retried by the op's policy to resume).
  A termination that comes anyway (the budget spent, a person's "Terminate") is Dagster's SIGTERM,
  which raises ``DagsterExecutionInterruptedError`` in the op: the run path records the run
  ``interrupted`` (history row, alert; what earlier checkpoints committed stays loaded, no cursor moves
  past them) and the next run of the partition resumes.

What was run here: tests/ops/test_dagster.py loads these definitions in-process against the bundled
sandbox (three HollyHR tenants, DuckDB): the sensor adding tenants, one run per partition, the tenant
with a missing scope failing on its own (not retried) while the others load and build, a tenant whose
vendor is unreachable retried, the schedule, the pools and dagster.yaml. What was not: ``dagster dev``
/ the daemon, run monitoring terminating a real run, a multi-node deployment, Postgres/BigQuery.

Run it::

    pip install -e '.[dagster,dbt,postgres]'    # in the checkout (hr-elt is not on PyPI)
    DAGSTER_HOME=/srv/dagster  # holding deploy/dagster/dagster.yaml
    HR_ELT_DESTINATION=postgres dagster dev -f deploy/dagster/definitions.py

Credentials and tenants come from ``.dlt/`` and the environment exactly as for ``hr-elt run all`` (the
working directory must be the project directory, or set the ``SOURCES__*`` env vars). Settings:
pipelines/orchestration.py (``HR_ELT_DESTINATION`` default duckdb, ``HR_ELT_PIPELINES_DIR``,
``HR_ELT_SCHEDULE``, ``HR_ELT_RETRIES``, ``HR_ELT_RETRY_DELAY``, ``HR_ELT_TASK_TIMEOUT``), and
``HR_ELT__DUCKDB_PATH`` for DuckDB.
"""

# no `from __future__ import annotations`: Dagster reads the context annotation at definition time

import time
from collections.abc import Iterator

from dagster import (
    AddDynamicPartitionsRequest,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    Backoff,
    Definitions,
    DynamicPartitionsDefinition,
    Failure,
    MaterializeResult,
    RetryPolicy,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    asset,
    define_asset_job,
    multi_asset,
    schedule,
    sensor,
)

from pipelines.dbt.runner import run_dbt, unified_dataset
from pipelines.orchestration import (
    RecipeSettings,
    configured_partitions,
    pool_name,
    retryable,
    run_load,
    tenant_of,
    vendor_serves,
)
from pipelines.run.result import RunResult
from pipelines.run.tenants import Target
from sources import registry
from sources._shared.errors import ProviderPartialFailure

SETTINGS = RecipeSettings.from_env("duckdb")
TENANTS = DynamicPartitionsDefinition(name="hr_elt_tenants")
GROUP = "hr_elt"
JOB = "hr_elt"


CHANGE_KEYS = ("inserted", "updated", "upserted", "deleted")
"""Per-resource counts of the run summary put in a table's metadata when the source knows them (none is guessed)."""


def table_rows(result: RunResult, resource: str) -> int:
    """Rows the run wrote for a resource: its table and its child tables (``<resource>__*``)."""
    return sum(n for table, n in result.rows.items() if table == resource or table.startswith(f"{resource}__"))


def remaining_budget(context: AssetExecutionContext) -> float:
    """Seconds left of the run's ``dagster/max_runtime`` less the grace period, for this load."""
    record = context.instance.get_run_record_by_id(context.run_id)
    started = record.start_time if record is not None and record.start_time else time.time()
    deadline = started + SETTINGS.task_timeout
    return max(0.0, deadline - SETTINGS.grace - time.time())


def materializations(vendor: str, result: RunResult, failed: dict[str, str]) -> Iterator[MaterializeResult]:
    """One materialisation per loaded resource, with the run path's facts as metadata."""
    counts = result.as_dict()["resources"]  # the JSON summary's per-resource counts (README)
    for name in registry.get(vendor).resources:
        if name in failed or name not in counts:
            continue
        known = {key: counts[name][key] for key in CHANGE_KEYS if counts[name].get(key) is not None}
        yield MaterializeResult(asset_key=AssetKey([vendor, name]), metadata={
            "rows": table_rows(result, name), "dlt_pipeline": result.pipeline_name, "tenant": result.tenant or "",
            "dataset": result.dataset, "run_requests": result.requests, **known})


def load_assets(vendor: str) -> AssetsDefinition:
    """One vendor's tables, loaded for one tenant partition per run by one run of the run path."""
    specs = [AssetSpec(AssetKey([vendor, name]), group_name=GROUP, skippable=True,
                       description=f"{registry.get(vendor).title} {name}, loaded by hr-elt into dataset "
                                   f"{vendor}_<tenant> ({vendor} for the _default partition)")
             for name in registry.get(vendor).resources]

    @multi_asset(name=f"load_{vendor}", specs=specs, partitions_def=TENANTS, pool=pool_name(vendor),
                 retry_policy=RetryPolicy(max_retries=SETTINGS.retries, delay=SETTINGS.retry_delay,
                                          backoff=Backoff.EXPONENTIAL))
    def _load(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        key = context.partition_key
        if not vendor_serves(vendor, key):  # said, not silent: this vendor has no such company configured
            context.log.info(f"{vendor}: no company for partition {key!r} (not in hr_elt.tenants.{vendor}, "
                             "no credentials of its own): nothing to load")
            return
        target = Target(vendor, tenant_of(key))
        try:
            result = run_load(target, SETTINGS, context.log.info, remaining_budget(context))
        except ProviderPartialFailure as exc:  # the other resources loaded: materialise them, then fail
            if not isinstance(exc.result, RunResult):
                raise
            yield from materializations(vendor, exc.result, exc.failures)
            raise Failure(description=str(exc), allow_retries=False) from exc
        except Exception as exc:
            if retryable(exc):
                raise
            raise Failure(description=str(exc), allow_retries=False) from exc  # a retry cannot mend it
        yield from materializations(vendor, result, {})

    return _load


def dbt_asset(loads: list[AssetsDefinition]) -> AssetsDefinition:
    """``dbt build`` of dbt/ over the tenant's datasets, after its loads."""
    deps: list[AssetKey] = [key for definition in loads for key in definition.keys]

    @asset(name="hr_unified", group_name=GROUP, deps=deps, partitions_def=TENANTS,
           description="dbt build: staging and hr_* models in hr_unified (hr_unified_<tenant> for a tenant)")
    def _build(context: AssetExecutionContext) -> MaterializeResult:
        tenant = tenant_of(context.partition_key)
        result = run_dbt(destination=SETTINGS.destination, pipelines_dir=SETTINGS.pipelines_dir, tenant=tenant,
                         quiet=True)
        context.log.info(f"dbt {result.statuses()} in {result.seconds:.1f}s into {unified_dataset(tenant)}")
        return MaterializeResult(metadata={
            f"{model}_rows": sum(counts.values()) for model, counts in result.rows.items()
        } | {"vendors": ", ".join(result.vendors), "dataset": result.dataset})

    return _build


LOADS = {vendor: load_assets(vendor) for vendor in registry.names()}
DBT = dbt_asset(list(LOADS.values()))
ASSETS = [*LOADS.values(), DBT]


def tenant_selection(key: str) -> list[AssetKey]:
    """What one tenant's run materialises: the loads of the vendors that have the tenant, then dbt.

    A run of the whole job for a tenant some vendor lacks would skip dbt (Dagster skips a step whose
    upstream produced nothing); the sensor and the schedule select this instead.
    """
    keys = [k for vendor, load in LOADS.items() if vendor_serves(vendor, key) for k in load.keys]
    return [*keys, *DBT.keys]


def tenant_run(key: str) -> RunRequest:
    """The run request of one tenant partition."""
    return RunRequest(partition_key=key, asset_selection=tenant_selection(key))
hr_elt_job = define_asset_job(JOB, selection=AssetSelection.groups(GROUP), partitions_def=TENANTS,
                              tags={"dagster/max_runtime": SETTINGS.task_timeout})


@sensor(job=hr_elt_job, minimum_interval_seconds=300)
def hr_elt_tenants(context: SensorEvaluationContext) -> SensorResult:
    """Adds configured tenants missing from the partition set, and starts a first run for each."""
    known = set(context.instance.get_dynamic_partitions(TENANTS.name))
    configured = configured_partitions()
    new = [key for key in configured if key not in known]
    gone = sorted(known - set(configured))
    if gone:  # their data stays in the warehouse; they are only no longer scheduled
        context.log.info(f"partitions no longer configured, not scheduled: {', '.join(gone)}")
    if new:
        context.log.info(f"new tenants, first run requested: {', '.join(new)}")
    return SensorResult(run_requests=[tenant_run(key) for key in new],
                        dynamic_partitions_requests=[AddDynamicPartitionsRequest(TENANTS.name, new)] if new else [])


@schedule(job=hr_elt_job, cron_schedule=SETTINGS.schedule, execution_timezone="UTC")
def hr_elt_daily(context: ScheduleEvaluationContext) -> list[RunRequest]:
    """One run per configured tenant already in the partition set (the sensor adds new ones)."""
    known = set(context.instance.get_dynamic_partitions(TENANTS.name))
    configured = configured_partitions()
    waiting = [key for key in configured if key not in known]
    if waiting:
        context.log.warning(f"configured but not yet partitions (the sensor hr_elt_tenants adds them and starts "
                            f"their first run): {', '.join(waiting)}")
    return [tenant_run(key) for key in configured if key in known]


defs = Definitions(assets=ASSETS, jobs=[hr_elt_job], schedules=[hr_elt_daily], sensors=[hr_elt_tenants])
