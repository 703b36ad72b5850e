"""FourthHR's declaration: registered by its tests with ``sources.registry.register(SPEC)``."""

from __future__ import annotations

import argparse

from sources._shared.coverage import FieldCoverage
from sources._shared.spec import BigQueryLayout, CliPlugin, VendorSpec
from tests.fourthhr import PROVIDER, fourthhr_source


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shout", action="store_true")


def _run(args: argparse.Namespace) -> int:
    text = f"{PROVIDER}: resources {', '.join(SPEC.resources)}"
    print(text.upper() if args.shout else text)
    return 0


# a command of its own, as ByteHR brings `hr-elt quota`: the CLI finds it in the spec
RESOURCES_COMMAND = CliPlugin(name="fourthhr-resources", help="list FourthHR's resources",
                              add_arguments=_add_arguments, run=_run)

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
    coverage=FieldCoverage(documented={"workers": ("id", "name", "email", "updated_at")}, may_be_null={},
                           withheld_hint="check the FourthHR key's permissions", custom_fields=None),
    cli_plugins=(RESOURCES_COMMAND,),
    history={},  # keeps no history of its workers
)
