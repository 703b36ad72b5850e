"""ByteHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.coverage import CustomFields
from sources._shared.spec import VendorSpec
from sources.bytehr import bytehr_source, settings
from sources.bytehr.declaration import RESOURCES
from sources.bytehr.report import CLI_PLUGIN as QUOTA

# resources, PII defaults, BigQuery layouts, dbt tables and documented fields: sources/bytehr/declaration.py
SPEC = VendorSpec.declare(
    name=settings.PROVIDER,
    title=settings.TITLE,
    source=bytehr_source,
    resources=RESOURCES,
    withheld_hint=settings.WITHHELD_HINT,
    types=settings.MAY_BE_NULL_TYPES,
    custom_fields=CustomFields(
        resource="employees", definitions="custom_field_definitions",
        archived=("its values stay in custom_field_values (current rows: _dlt_valid_to is "
                  "null); {column} in employees is null in the rows written from now on"),
        retyped=("custom_field_values keeps the values of the old type as retired versions "
                 "and loads the new ones; in employees, values that no longer fit {column} "
                 "go to a variant column (the marts read both)")),
    sandbox_app="sandbox.bytehr:ByteHRApp",
    readme="sources/bytehr/README.md",
    bench_scenario="bench.scenarios.bytehr:ByteHR",
    bench_baseline="sandbox.bytehr.baseline:source",
    cli_plugins=(QUOTA,),
    # every version of an employee, custom fields included (sources/_shared/history.py); PII as employees'
    history={"employees_versions": "employees"},
)
