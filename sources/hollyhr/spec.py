"""HollyHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.spec import VendorSpec
from sources.hollyhr import hollyhr_source, settings
from sources.hollyhr.declaration import RESOURCES
from sources.hollyhr.webhooks import CLI_PLUGIN as WEBHOOKS

# resources, PII defaults, BigQuery layouts, dbt tables and documented fields: sources/hollyhr/declaration.py
SPEC = VendorSpec.declare(
    name=settings.PROVIDER,
    title=settings.TITLE,
    source=hollyhr_source,
    resources=RESOURCES,
    withheld_hint=settings.WITHHELD_HINT,
    types=settings.MAY_BE_NULL_TYPES,
    custom_fields=None,
    sandbox_app="sandbox.hollyhr:HollyHRApp",
    readme="sources/hollyhr/README.md",
    bench_scenario="bench.scenarios.hollyhr:HollyHR",
    bench_baseline="sandbox.hollyhr.baseline:source",
    cli_plugins=(WEBHOOKS,),
    # every version of the employee-like records (sources/_shared/history.py); PII as their parents'
    history={"people_versions": "people", "employments_versions": "employments",
             "employment_history_versions": "employment_history"},
)
