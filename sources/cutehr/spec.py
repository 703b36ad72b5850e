"""CuteHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.coverage import FieldCoverage
from sources._shared.spec import BigQueryLayout, VendorSpec
from sources.cutehr import cutehr_source, settings

SPEC = VendorSpec(
    name=settings.PROVIDER,
    title="CuteHR",
    source=cutehr_source,
    config_section=settings.PROVIDER,
    resources=("employees", "departments", "leaves", "attendance", "employees_versions"),
    pii={
        "employees": ("name", "email", "phone"),
    },
    bigquery={
        "attendance": BigQueryLayout(partition=("date", "date"), cluster=("employee_id",)),
        "leaves": BigQueryLayout(partition=("from_date", "date"), cluster=("employee_id",)),
        "employees": BigQueryLayout(cluster=("id",)),
        "employees_versions": BigQueryLayout(partition=("_hr_observed_at", "timestamp"), cluster=("id",)),
    },
    dbt_tables=("employees", "departments", "leaves", "attendance"),
    sandbox_app="sandbox.cutehr:CuteHRApp",
    readme="README.md",
    bench_scenario="sandbox.cutehr.bench:CuteHR",
    bench_baseline="sandbox.cutehr.baseline:source",
    coverage=FieldCoverage(documented=settings.DOCUMENTED_FIELDS, may_be_null=settings.MAY_BE_NULL,
                           withheld_hint=settings.WITHHELD_HINT, custom_fields=None),
    cli_plugins=(),
    # every version of an employee (sources/_shared/history.py); PII as employees'
    history={"employees_versions": "employees"},
)
