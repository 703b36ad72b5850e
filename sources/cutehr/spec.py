"""CuteHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.spec import VendorSpec
from sources.cutehr import cutehr_source, settings
from sources.cutehr.declaration import RESOURCES

# resources, PII defaults, BigQuery layouts, dbt tables and documented fields: sources/cutehr/declaration.py
SPEC = VendorSpec.declare(
    name=settings.PROVIDER,
    title=settings.TITLE,
    source=cutehr_source,
    resources=RESOURCES,
    withheld_hint=settings.WITHHELD_HINT,
    types=settings.MAY_BE_NULL_TYPES,
    custom_fields=None,
    sandbox_app="sandbox.cutehr:CuteHRApp",
    readme="sources/cutehr/README.md",
    bench_scenario="bench.scenarios.cutehr:CuteHR",
    bench_baseline="sandbox.cutehr.baseline:source",
    cli_plugins=(),
    # every version of an employee (sources/_shared/history.py); PII as employees'
    history={"employees_versions": "employees"},
)
