"""hr-elt on Airflow, with dlt's Airflow helper: one task group per vendor and tenant, then dbt per tenant.

What was run here: in CI, only a compile and lint of this file (Airflow is not in the project's
environment: it brings its own constraints and took about 4 minutes to install). Once by hand, and
again whenever HR_ELT_AIRFLOW_PYTHON points at a Python with Airflow and hr-elt[dbt] installed
(``pytest tests/ops/check_airflow.py``, opt-in): Airflow 2.11.2 parses this
file without import errors (DagBag) and ``dag.test()`` runs it against the sandbox (one HollyHR
tenant, DuckDB): the tenant's task group loads, ``dbt_<tenant>`` builds ``hr_unified_<tenant>``.
What was not: Airflow 3, a scheduler with real workers, Postgres/BigQuery from Airflow.

Install into the Airflow environment: ``pip install 'hr-elt[dbt,postgres]'`` (or the project
checkout with ``pip install -e``), put this file into the DAGs folder, and give the workers the
project's settings: ``.dlt/`` next to the DAGs (dlt's helper looks for it under ``dags/``) or the
``SOURCES__*`` / ``DESTINATION__*`` env vars / Airflow connections mapped to them.

Each vendor/tenant is its own task group (``PipelineTasksGroup``), so the scheduler spreads tenants
over workers; a group that fails does not stop the others (``trigger_rule="all_done"`` on the dbt
task), and the DAG run ends failed when any did. Known gap: a per-resource failure the connector
isolates (e.g. one missing HollyHR scope) is reported by ``hr-elt run`` with exit 1, but the
helper's task only sees dlt's load succeed for the other resources.
Env: HR_ELT_DESTINATION (default postgres), HR_ELT_SCHEDULE (default "15 2 * * *").
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.decorators import dag
from airflow.operators.python import PythonOperator
from dlt.helpers.airflow_helper import PipelineTasksGroup

DESTINATION = os.environ.get("HR_ELT_DESTINATION", "postgres")
SCHEDULE = os.environ.get("HR_ELT_SCHEDULE", "15 2 * * *")


def build_dbt(tenant: str | None) -> dict[str, Any]:
    """Airflow callable: dbt build of the tenant's datasets; fails the task when dbt fails."""
    from pipelines.dbt_runner import run_dbt

    result = run_dbt(destination=DESTINATION, tenant=tenant, quiet=True)
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
    from pipelines.destinations import loader_file_format
    from pipelines.runner import make_pipeline
    from pipelines.tenants import Target, prepared_source, run_targets

    targets, _notes = run_targets("all")
    groups: dict[str | None, list[PipelineTasksGroup]] = {}
    for target in targets:
        tasks = PipelineTasksGroup(target.name, use_data_folder=False, wipe_local_data=True, use_task_logger=True)
        pipeline = make_pipeline(target.vendor, DESTINATION, tenant=target.tenant)

        def source(target: Target = target) -> Any:  # built when the task runs, not when the DAG is parsed
            return prepared_source(target, DESTINATION)

        tasks.add_run(pipeline, source, decompose="none", trigger_rule="all_done", retries=1,
                      loader_file_format=loader_file_format(DESTINATION))
        groups.setdefault(target.tenant, []).append(tasks)
    for tenant, tenant_groups in groups.items():
        dbt = PythonOperator(task_id=f"dbt_{tenant or 'default'}", python_callable=build_dbt,
                             op_kwargs={"tenant": tenant}, trigger_rule="all_done")
        for group in tenant_groups:
            group >> dbt


hr_elt()
