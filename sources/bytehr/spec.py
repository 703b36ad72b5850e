"""ByteHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.coverage import CustomFields, FieldCoverage
from sources._shared.spec import BigQueryLayout, VendorSpec
from sources.bytehr import bytehr_source, settings
from sources.bytehr.report import CLI_PLUGIN as QUOTA

SPEC = VendorSpec(
    name=settings.PROVIDER,
    title="ByteHR",
    source=bytehr_source,
    config_section=settings.PROVIDER,
    resources=("custom_field_definitions", "departments", "positions", "employees", "leave_requests",
               "employees_versions"),
    # custom fields are pivoted into `custom_fields.<column>` before PII rules apply
    pii={
        "employees": ("first_name", "last_name", "email", "custom_fields.*"),
    },
    bigquery={
        "employees": BigQueryLayout(cluster=("id",), record_columns=("custom_fields",)),
        "leave_requests": BigQueryLayout(partition=("start_date", "date"), cluster=("employee_id",)),
        "employees_versions": BigQueryLayout(cluster=("id",), record_columns=("custom_fields",)),
    },
    dbt_tables=("employees", "departments", "positions", "leave_requests", "custom_field_definitions"),
    sandbox_app="sandbox.bytehr:ByteHRApp",
    readme="README.md",
    bench_scenario="sandbox.bytehr.bench:ByteHR",
    bench_baseline="sandbox.bytehr.baseline:source",
    coverage=FieldCoverage(documented=settings.DOCUMENTED_FIELDS, may_be_null=settings.MAY_BE_NULL,
                           withheld_hint=settings.WITHHELD_HINT,
                           custom_fields=CustomFields(resource="employees", definitions="custom_field_definitions")),
    cli_plugins=(QUOTA,),
    # every version of an employee, custom fields included (sources/_shared/history.py); PII as employees'
    history={"employees_versions": "employees"},
)
