"""HollyHR, declared once: what the product needs of this vendor (see :mod:`sources.registry`)."""

from __future__ import annotations

from sources._shared.coverage import FieldCoverage
from sources._shared.spec import BigQueryLayout, VendorSpec
from sources.hollyhr import hollyhr_source, settings
from sources.hollyhr.webhooks import CLI_PLUGIN as WEBHOOKS

SPEC = VendorSpec(
    name=settings.PROVIDER,
    title="HollyHR",
    source=hollyhr_source,
    config_section=settings.PROVIDER,
    resources=("people", "employments", "employment_history", "time_off", "documents",
               "people_versions", "employments_versions", "employment_history_versions"),
    # paths as the records carry them; `hr_elt.pii.action` decides what happens to them
    pii={
        "people": ("first_name", "last_name", "preferred_name", "work_email"),
        "documents": ("title", "file_name"),
    },
    # only tables that grow with the company get a layout
    bigquery={
        "people": BigQueryLayout(cluster=("id",)),
        "time_off": BigQueryLayout(partition=("start_date", "date"), cluster=("person_id",)),
        "employment_history": BigQueryLayout(cluster=("person_id",)),
        "people_versions": BigQueryLayout(partition=("_hr_observed_at", "timestamp"), cluster=("id",)),
        "employments_versions": BigQueryLayout(partition=("_hr_observed_at", "timestamp"), cluster=("person_id",)),
        "employment_history_versions": BigQueryLayout(partition=("_hr_observed_at", "timestamp"),
                                                      cluster=("person_id",)),
    },
    dbt_tables=("people", "employments", "employment_history", "time_off", "documents"),
    sandbox_app="sandbox.hollyhr:HollyHRApp",
    readme="README.md",
    bench_scenario="sandbox.hollyhr.bench:HollyHR",
    bench_baseline="sandbox.hollyhr.baseline:source",
    coverage=FieldCoverage(documented=settings.DOCUMENTED_FIELDS, may_be_null=settings.MAY_BE_NULL,
                           withheld_hint=settings.WITHHELD_HINT, custom_fields=None),
    cli_plugins=(WEBHOOKS,),
    # every version of the employee-like records (sources/_shared/history.py); PII as their parents'
    history={"people_versions": "people", "employments_versions": "employments",
             "employment_history_versions": "employment_history"},
)
