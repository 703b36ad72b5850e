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
    title="ByteHR",
    source=bytehr_source,
    resources=RESOURCES,
    withheld_hint=settings.WITHHELD_HINT,
    custom_fields=CustomFields(resource="employees", definitions="custom_field_definitions"),
    sandbox_app="sandbox.bytehr:ByteHRApp",
    readme="README.md",
    bench_scenario="sandbox.bytehr.bench:ByteHR",
    bench_baseline="sandbox.bytehr.baseline:source",
    cli_plugins=(QUOTA,),
)
