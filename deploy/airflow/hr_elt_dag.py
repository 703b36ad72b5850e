"""hr-elt on Airflow: one task per vendor and tenant on hr-elt's one run path, then dbt per tenant.

Each load task calls ``pipelines.app.run_target``, exactly what ``hr-elt run`` runs: the pipeline
lock, pending-package recovery, writer and DuckDB settings, the bad-record/PII step, destination hints
and per-run counters. The task returns the run's summary (rows per table, requests, the dlt pipeline
name) as its XCom value. A resource the vendor refused on its own (``ProviderPartialFailure``, e.g. one
missing HollyHR scope) fails the task, after the other resources were loaded.

What was run here: in CI a compile of this file (Airflow is not in the project's environment: it
brings its own constraints and took about 4 minutes to install). ``pytest tests/ops/check_airflow.py``
(opt-in, with HR_ELT_AIRFLOW_PYTHON pointing at a Python with Airflow and hr-elt with its dbt extra installed, or
Airflow importable in the test's own Python) parses this file in a real Airflow (DagBag) and runs it
with ``dag.test()`` against the sandbox (one HollyHR tenant, DuckDB). What was not: Airflow 3, a
scheduler with real workers, Postgres/BigQuery from Airflow.

Install into the Airflow environment (hr-elt is not on PyPI): build a wheel in the checkout,
``pip wheel --no-deps -w dist .``, and install it with its extras,
``pip install 'dist/hr_elt-0.1.0-py3-none-any.whl[dbt,postgres]'`` (it carries the dbt project), or
install the checkout itself (``pip install -e '.[dbt,postgres]'``); put this file into the DAGs
folder, and give the workers the project's settings: ``.dlt/`` in the workers' working directory or the ``SOURCES__*`` /
``DESTINATION__*`` env vars. Pipelines (state, pending packages) live in HR_ELT_PIPELINES_DIR (dlt's
default when unset): keep it on a disk the workers share, or dlt restores the state from the
destination on a fresh worker.

Each vendor/tenant is its own task, so the scheduler spreads tenants over workers; a task that fails
does not stop the others (``trigger_rule="all_done"`` on the dbt task), and the DAG run ends failed
when any did. Env: HR_ELT_DESTINATION (default postgres), HR_ELT_PIPELINES_DIR, HR_ELT_SCHEDULE
(default "15 2 * * *").
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.decorators import dag
from airflow.operators.python import PythonOperator

DESTINATION = os.environ.get("HR_ELT_DESTINATION", "postgres")
PIPELINES_DIR = os.environ.get("HR_ELT_PIPELINES_DIR") or None
SCHEDULE = os.environ.get("HR_ELT_SCHEDULE", "15 2 * * *")


def load(vendor: str, tenant: str | None) -> dict[str, Any]:
    """Airflow callable: one run of the run path; raises (fails the task) on any failure, partial too."""
    from pipelines.app import run_target
    from pipelines.report.summary import format_summary
    from pipelines.run.tenants import Target

    result = run_target(Target(vendor, tenant), DESTINATION, pipelines_dir=PIPELINES_DIR)
    print(format_summary(result))
    return result.as_dict()


def build_dbt(tenant: str | None) -> dict[str, Any]:
    """Airflow callable: dbt build of the tenant's datasets; fails the task when dbt fails."""
    from pipelines.dbt.runner import run_dbt

    result = run_dbt(destination=DESTINATION, pipelines_dir=PIPELINES_DIR, tenant=tenant, quiet=True)
    return {"dataset": result.dataset, "statuses": result.statuses(), "rows": result.rows}


@dag(
    dag_id="hr_elt",
    schedule=SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data", "retries": 0},
    tags=["hr-elt", "dlt"],
)
def hr_elt() -> None:
    """Every configured vendor and tenant (``hr_elt.tenants``), then dbt per tenant."""
    from pipelines.run.tenants import run_targets

    targets, _notes = run_targets("all")
    loads: dict[str | None, list[PythonOperator]] = {}
    for target in targets:
        task = PythonOperator(task_id=f"load_{target.name}", python_callable=load,
                              op_kwargs={"vendor": target.vendor, "tenant": target.tenant})
        loads.setdefault(target.tenant, []).append(task)
    for tenant, tasks in loads.items():
        dbt = PythonOperator(task_id=f"dbt_{tenant or 'default'}", python_callable=build_dbt,
                             op_kwargs={"tenant": tenant}, trigger_rule="all_done")
        for task in tasks:
            task >> dbt


hr_elt()
