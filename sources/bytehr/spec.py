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
    resources=("custom_field_definitions", "departments", "positions", "employees", "leave_requests"),
    # custom fields are pivoted into `custom_fields.<column>` before PII rules apply
    pii={
        "employees": ("first_name", "last_name", "email", "custom_fields.*"),
    },  # custom_field_values is made from the employees rows after their PII rules (sources/bytehr/values.py)
    bigquery={
        "employees": BigQueryLayout(cluster=("id",), record_columns=("custom_fields",)),
        "leave_requests": BigQueryLayout(partition=("start_date", "date"), cluster=("employee_id",)),
    },
    dbt_tables=("employees", "departments", "positions", "leave_requests", "custom_field_definitions"),
    sandbox_app="sandbox.bytehr:ByteHRApp",
    readme="sources/bytehr/README.md",
    bench_scenario="bench.scenarios.bytehr:ByteHR",
    bench_baseline="sandbox.bytehr.baseline:source",
    coverage=FieldCoverage(documented=settings.DOCUMENTED_FIELDS, may_be_null=settings.MAY_BE_NULL,
                           withheld_hint=settings.WITHHELD_HINT, types=settings.MAY_BE_NULL_TYPES,
                           custom_fields=CustomFields(
                               resource="employees", definitions="custom_field_definitions",
                               archived=("its values stay in custom_field_values (current rows: _dlt_valid_to is "
                                         "null); {column} in employees is null in the rows written from now on"),
                               retyped=("custom_field_values keeps the values of the old type as retired versions "
                                        "and loads the new ones; in employees, values that no longer fit {column} "
                                        "go to a variant column (the marts read both)"))),
    cli_plugins=(QUOTA,),
)
