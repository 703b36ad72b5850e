"""hr-elt on Dagster: one multi-asset per vendor and tenant (an asset per table), one dbt asset per tenant.

Every load asset runs hr-elt's one run path (``pipelines.app.run_target``), exactly as ``hr-elt run``
does: the pipeline lock, pending-package recovery, writer and DuckDB settings, the bad-record/PII step,
destination hints, per-run counters. Each table's materialisation carries its row count, requests,
the dlt pipeline name and the inserted/updated/upserted/deleted counts the source knows as metadata.
A resource the vendor refused on its own (``ProviderPartialFailure``, e.g. a missing HollyHR scope)
fails the asset's step after the tables that did load are materialised.

What was run here: tests/ops/test_deploy.py loads these definitions against the bundled sandbox
(two HollyHR tenants, DuckDB) and materialises them in-process with ``dagster.materialize``: the
load assets of both tenants and one tenant's ``hr_unified`` dbt asset; then it checks the rows and
that a partial failure fails the asset. What was not: ``dagster dev`` / the webserver, the daemon
running the schedules, a multi-node deployment, Postgres/BigQuery as the warehouse from Dagster.

Run it::

    pip install -e '.[dagster,dbt,postgres]'    # in the checkout (hr-elt is not on PyPI)
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

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    AssetSpec,
    Definitions,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
    multi_asset,
)

from pipelines.app import run_target
from pipelines.dbt.runner import run_dbt, unified_dataset
from pipelines.report.summary import format_summary
from pipelines.run.result import RunResult
from pipelines.run.runner import build_source
from pipelines.run.tenants import Target, run_targets
from sources._shared.errors import ProviderPartialFailure

DESTINATION = os.environ.get("HR_ELT_DESTINATION", "duckdb")
PIPELINES_DIR = os.environ.get("HR_ELT_PIPELINES_DIR") or None
SCHEDULE = os.environ.get("HR_ELT_SCHEDULE", "15 2 * * *")


def group_name(tenant: str | None) -> str:
    """Dagster group of a tenant's assets: ``hr_default`` or ``hr_<tenant>``."""
    return f"hr_{tenant}" if tenant else "hr_default"


CHANGE_KEYS = ("inserted", "updated", "upserted", "deleted")
"""Per-resource counts of the run summary put in a table's metadata when the source knows them (none is guessed)."""


def table_rows(result: RunResult, resource: str) -> int:
    """Rows the run wrote for a resource: its table and its child tables (``<resource>__*``)."""
    return sum(n for table, n in result.rows.items() if table == resource or table.startswith(f"{resource}__"))


def load_assets(target: Target) -> AssetsDefinition:
    """The load of one vendor/tenant: one asset per resource, materialised by one run of the run path."""
    resources = list(build_source(target, DESTINATION).selected_resources)  # lazy: no request, names only
    specs = [AssetSpec(AssetKey([target.name, name]), group_name=group_name(target.tenant),
                       description=f"{target.vendor} {name}, loaded by hr-elt into dataset {target.name}")
             for name in resources]

    @multi_asset(name=target.name, specs=specs)
    def _load(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        failure: ProviderPartialFailure | None = None
        try:
            result = run_target(target, DESTINATION, pipelines_dir=PIPELINES_DIR)
        except ProviderPartialFailure as exc:  # the other resources loaded: materialise them, then fail
            if not isinstance(exc.result, RunResult):
                raise
            failure, result = exc, exc.result
        context.log.info(format_summary(result))
        failed = failure.failures if failure else {}
        counts = result.as_dict()["resources"]  # the JSON summary's per-resource counts (README)
        for name in resources:
            if name in failed:
                continue
            known = {key: counts[name][key] for key in CHANGE_KEYS if counts.get(name, {}).get(key) is not None}
            yield MaterializeResult(asset_key=AssetKey([target.name, name]), metadata={
                "rows": table_rows(result, name), "dlt_pipeline": result.pipeline_name,
                "dataset": result.dataset, "run_requests": result.requests, **known})
        if failure is not None:
            raise failure

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
    return Definitions(assets=assets, jobs=jobs, schedules=schedules)


defs = build_definitions()
