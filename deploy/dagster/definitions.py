"""hr-elt on Dagster, with dagster-dlt: one asset group per vendor and tenant, one dbt asset per tenant.

What was run here: tests/ops/test_deploy.py loads these definitions against the bundled sandbox
(two HollyHR tenants, DuckDB) and materialises them in-process with ``dagster.materialize``: the
dlt assets of both tenants and one tenant's ``hr_unified`` dbt asset; then it checks the rows.
What was not: ``dagster dev`` / the webserver, the daemon running the schedules, a multi-node
deployment, Postgres/BigQuery as the warehouse from Dagster.

Run it::

    pip install -e '.[dagster,dbt,postgres]'
    HR_ELT_DESTINATION=postgres dagster dev -f deploy/dagster/definitions.py

Credentials and tenants come from ``.dlt/`` and the environment exactly as for ``hr-elt run all``
(the working directory must be the project directory, or set the ``SOURCES__*`` env vars). Each
vendor/tenant is its own multi-asset (its own op and process under the default multiprocess
executor), so Dagster spreads tenants across workers; ``hr_unified[_<tenant>]`` runs dbt once the
tenant's loads are done. Env: ``HR_ELT_DESTINATION`` (duckdb), ``HR_ELT_PIPELINES_DIR`` (dlt's
default), ``HR_ELT__DUCKDB_PATH`` (hr.duckdb), ``HR_ELT_SCHEDULE`` (cron, default ``15 2 * * *``).
"""

# no `from __future__ import annotations`: Dagster reads the context annotation at definition time

import os
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
)
from dagster_dlt import DagsterDltResource, dlt_assets

from pipelines.dbt_runner import run_dbt, unified_dataset
from pipelines.destinations import loader_file_format
from pipelines.runner import make_pipeline
from pipelines.tenants import Target, prepared_source, run_targets
from sources._shared.context import context_of
from sources._shared.errors import ProviderPartialFailure

DESTINATION = os.environ.get("HR_ELT_DESTINATION", "duckdb")
PIPELINES_DIR = os.environ.get("HR_ELT_PIPELINES_DIR") or None
SCHEDULE = os.environ.get("HR_ELT_SCHEDULE", "15 2 * * *")


def group_name(tenant: str | None) -> str:
    """Dagster group of a tenant's assets: ``hr_default`` or ``hr_<tenant>``."""
    return f"hr_{tenant}" if tenant else "hr_default"


def load_assets(target: Target) -> AssetsDefinition:
    """The dlt assets of one vendor/tenant (one table = one asset), run by dagster-dlt."""
    pipeline = make_pipeline(target.vendor, DESTINATION, pipelines_dir=PIPELINES_DIR, tenant=target.tenant)

    source = prepared_source(target, DESTINATION)
    run_context = context_of(source)

    @dlt_assets(dlt_source=source, dlt_pipeline=pipeline,
                name=target.name, group_name=group_name(target.tenant))
    def _load(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        yield from dlt.run(context=context, loader_file_format=loader_file_format(DESTINATION))
        failures = run_context.failures_of(target.vendor) if run_context else {}
        if failures:  # a resource the vendor refused (e.g. a missing scope): the others loaded
            raise ProviderPartialFailure(target.vendor, failures, None)

    return _load


def dbt_asset(tenant: str | None, upstream: list[AssetsDefinition]) -> AssetsDefinition:
    """``dbt build`` of dbt/ over the tenant's datasets, after its loads."""
    deps: list[AssetKey] = [key for definition in upstream for key in definition.keys]

    @asset(name=unified_dataset(tenant), group_name=group_name(tenant), deps=deps,
           description=f"dbt build: staging and hr_* models in {unified_dataset(tenant)}")
    def _build(context: AssetExecutionContext) -> MaterializeResult:
        result = run_dbt(destination=DESTINATION, pipelines_dir=PIPELINES_DIR, tenant=tenant, quiet=True)
        context.log.info(f"dbt {result.statuses()} in {result.seconds:.1f}s")
        return MaterializeResult(metadata={
            f"{model}_rows": sum(counts.values()) for model, counts in result.rows.items()
        } | {"vendors": ", ".join(result.vendors)})

    return _build


def build_definitions() -> Definitions:
    """Assets, one daily job and schedule per tenant, for every configured vendor and tenant."""
    targets, _notes = run_targets("all")
    by_tenant: dict[str | None, list[AssetsDefinition]] = {}
    for target in targets:
        by_tenant.setdefault(target.tenant, []).append(load_assets(target))
    assets: list[AssetsDefinition] = []
    jobs = []
    schedules = []
    for tenant, loads in by_tenant.items():
        assets += [*loads, dbt_asset(tenant, loads)]
        job = define_asset_job(f"{group_name(tenant)}_daily", selection=AssetSelection.groups(group_name(tenant)))
        jobs.append(job)
        schedules.append(ScheduleDefinition(job=job, cron_schedule=SCHEDULE, execution_timezone="UTC"))
    return Definitions(assets=assets, jobs=jobs, schedules=schedules, resources={"dlt": DagsterDltResource()})


defs = build_definitions()
