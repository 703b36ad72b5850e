"""hr-elt on Airflow: per vendor, one mapped load task over the configured tenants, then dbt per tenant.

Written against Airflow 3's public API (``airflow.sdk``, the standard provider's ``PythonOperator``);
on Airflow 2.11 the same file runs through an import fallback. Tested on Airflow 3.3.2 and 2.11.2 by
the opt-in ``tests/ops/check_airflow.py`` (docs/scheduling.md has the output).

- Tenants as mapped tasks: for every registered vendor, ``tenants_<vendor>`` reads the configured
  tenants when the DAG runs (``hr_elt.tenants`` and ``SOURCES__<VENDOR>_<TENANT>__*`` credentials, as
  ``hr-elt run all``), and ``load_<vendor>`` is mapped over them (one task instance per tenant, named
  after it). A tenant added to the config runs on the next DAG run without touching this file.
- Every load is one run of hr-elt's one run path (``pipelines.app.run_target``, via
  ``pipelines.orchestration.run_load``): lock, pending-package recovery, guard, history, alerts. The
  task's XCom is the run's JSON summary object.
- A pool per vendor (``hr_elt_<vendor>``): at most its slots of one vendor's loads run at once across
  tenants, so the vendor's limits hold. Create the pools once: ``airflow pools import`` of
  ``python -m pipelines.orchestration pools`` (HR_ELT_POOL_SLOTS slots each).
- Per-tenant retries: each mapped task instance retries on its own (``HR_ELT_RETRIES``, exponential
  from ``HR_ELT_RETRY_DELAY``); a failure a retry cannot mend (a refused key or scope, a spent quota, a
  bad setting, a resource that failed on its own) fails the task at once (``AirflowFailException``).
- One tenant at a time: ``max_active_runs=1`` (and the run path's pipeline lock).
- Timeouts: ``execution_timeout`` (``HR_ELT_TASK_TIMEOUT``) ends a load that overruns. The load's time
  budget is that timeout less a grace period (``pipelines.orchestration.budget_within``): the run stops
  at a checkpoint first, commits, records ``incomplete`` and raises ``SyncIncomplete``, which the task's
  retries resume. Should the timeout come first (``AirflowTaskTimeout``, from SIGALRM), the run path
  records the run ``interrupted`` (history row, alert; what earlier checkpoints committed stays, no
  cursor moves past them) and Airflow retries it all the same.
- ``dbt`` is mapped over every tenant and runs when the loads are done, failed or not
  (``all_done``: it builds on what loaded); ``loads_failed`` fails the DAG run when any load failed.

What was run here: the opt-in check parses this file (DagBag) and runs ``dag.test()`` on Airflow 3.3.2
and 2.11.2 against the sandbox (HollyHR, DuckDB): the pools imported, a tenant configured after
parsing mapped all the same, one tenant loading and building, one with a missing scope failing its
task once and the run, and a slow tenant whose sync is longer than its 120 s task timeout stopping at
a checkpoint by its budget (``incomplete``) and completing on a retry. The timeout's own exception
reaching the run path is tested without Airflow (tests/ops/test_orchestrator_stops.py). What was not:
a scheduler with real workers, pools under contention, Postgres/BigQuery from Airflow.

Install into the Airflow environment (hr-elt is not on PyPI): ``pip install -e '.[dbt,postgres]'`` in
the checkout, or a wheel built with ``pip wheel --no-deps -w dist .`` and installed with its extras; put
this file into the DAGs folder and give the workers the project's settings (``.dlt/`` in their working
directory or the ``SOURCES__*`` / ``DESTINATION__*`` env vars). Env: HR_ELT_DESTINATION (default
postgres), HR_ELT_PIPELINES_DIR, HR_ELT_SCHEDULE (default "15 2 * * *") and the settings of
pipelines/orchestration.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pendulum

try:  # Airflow 3: the public Task SDK and the standard provider
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import dag, task
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 2.11
    from airflow.decorators import dag, task  # type: ignore[no-redef]
    from airflow.exceptions import AirflowFailException  # type: ignore[no-redef,assignment]
    from airflow.operators.python import PythonOperator  # type: ignore[no-redef]

from pipelines.dbt.runner import run_dbt
from pipelines.orchestration import (
    RecipeSettings,
    budget_within,
    configured_partitions,
    pool_name,
    retryable,
    run_load,
    tenant_of,
    tenants_of,
)
from pipelines.run.tenants import Target
from sources import registry

SETTINGS = RecipeSettings.from_env("postgres")

def load(vendor: str, partition: str, **context: Any) -> dict[str, Any]:
    """One vendor/tenant through the run path; fails the task on any failure, partial too.

    The time budget comes from the task's own ``execution_timeout`` less a grace period, so the run
    stops at a checkpoint (committed, ``SyncIncomplete``, retried to resume) before Airflow's timeout.
    """
    timeout = getattr(context.get("task"), "execution_timeout", None)
    budget = budget_within(timeout.total_seconds()) if timeout else SETTINGS.budget
    try:
        result = run_load(Target(vendor, tenant_of(partition)), SETTINGS, print, budget)
    except Exception as exc:
        if retryable(exc):
            raise
        raise AirflowFailException(str(exc)) from exc  # a retry cannot mend it: fail without retrying
    return result.as_dict()


def build_dbt(partition: str) -> dict[str, Any]:
    """Runs ``dbt build`` over the tenant's datasets; fails the task when dbt fails."""
    result = run_dbt(destination=SETTINGS.destination, pipelines_dir=SETTINGS.pipelines_dir,
                     tenant=tenant_of(partition), quiet=True)
    return {"dataset": result.dataset, "statuses": result.statuses(), "rows": result.rows}


def fail_run() -> None:
    """Runs only when a load failed: makes the DAG run fail whatever dbt did."""
    raise AirflowFailException("a load failed (see the failed load_* task instances); "
                               "the dbt tasks ran on what did load")


@dag(
    dag_id="hr_elt",
    schedule=SETTINGS.schedule,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data", "retries": 0},
    tags=["hr-elt", "dlt"],
)
def hr_elt() -> None:
    """Every registered vendor's configured tenants (read at run time), then dbt per tenant."""
    loads = []
    for vendor in registry.names():

        @task(task_id=f"tenants_{vendor}")
        def tenants(vendor: str = vendor) -> list[dict[str, str]]:
            keys = tenants_of(vendor)
            print(f"{vendor}: {len(keys)} tenant(s) to load: {', '.join(keys) or 'none configured'}")
            return [{"vendor": vendor, "partition": key} for key in keys]

        loads.append(PythonOperator.partial(
            task_id=f"load_{vendor}", python_callable=load, pool=pool_name(vendor),
            retries=SETTINGS.retries, retry_delay=timedelta(seconds=SETTINGS.retry_delay),
            retry_exponential_backoff=True, execution_timeout=timedelta(seconds=SETTINGS.task_timeout),
            map_index_template="{{ task.op_kwargs['partition'] }}",
        ).expand(op_kwargs=tenants()))

    @task(task_id="tenants")
    def all_tenants() -> list[dict[str, str]]:
        return [{"partition": key} for key in configured_partitions()]

    dbt = PythonOperator.partial(task_id="dbt", python_callable=build_dbt, trigger_rule="all_done",
                                 map_index_template="{{ task.op_kwargs['partition'] }}",
                                 ).expand(op_kwargs=all_tenants())
    failed = PythonOperator(task_id="loads_failed", python_callable=fail_run, trigger_rule="one_failed")
    for mapped in loads:
        mapped >> dbt
        mapped >> failed


hr_elt()
