"""FourthHR's declaration: registered by its tests with ``sources.registry.register(SPEC)``."""

from __future__ import annotations

from sources._shared.spec import BigQueryLayout, VendorSpec
from tests.fourthhr import PROVIDER, fourthhr_source

SPEC = VendorSpec(
    name=PROVIDER,
    title="FourthHR",
    source=fourthhr_source,
    config_section=PROVIDER,
    resources=("workers",),
    pii={"workers": ("name", "email")},
    bigquery={"workers": BigQueryLayout(cluster=("id",))},
    dbt_tables=(),  # no dbt staging models: not part of the unified hr_* models
    sandbox_app="tests.fourthhr.app:FourthHRApp",
    readme="tests/fourthhr/README.md",
    bench_scenario=None,
    bench_baseline=None,
    cli_plugins=(),
)
