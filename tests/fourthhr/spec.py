"""FourthHR's declaration: registered by its tests with ``sources.registry.register(SPEC)``."""

from __future__ import annotations

import argparse

from sources._shared.declare import BigQueryLayout, Resource
from sources._shared.spec import CliPlugin, VendorSpec
from tests.fourthhr import PROVIDER, fourthhr_source


def _add_arguments(parser: argparse.ArgumentParser, app: object) -> None:
    parser.add_argument("--shout", action="store_true")


def _run(args: argparse.Namespace, app: object) -> int:
    text = f"{PROVIDER}: resources {', '.join(SPEC.resources)}"
    print(text.upper() if args.shout else text)
    return 0


# a command of its own, as ByteHR brings `hr-elt quota`: the CLI finds it in the spec
RESOURCES_COMMAND = CliPlugin(name="fourthhr-resources", help="list FourthHR's resources",
                              add_arguments=_add_arguments, run=_run)

RESOURCES = (
    Resource(name="workers", path="/workers", primary_key=("id",), sync="incremental", cursor="updated_at",
             fields=("id", "name", "email", "updated_at"), pii=("name", "email"),
             bigquery=BigQueryLayout(cluster=("id",)),
             dbt=True),  # its staging folder: tests/fourthhr/dbt/fourthhr/
)

SPEC = VendorSpec.declare(
    name=PROVIDER,
    title="FourthHR",
    source=fourthhr_source,
    resources=RESOURCES,
    withheld_hint="check the FourthHR key's permissions",
    custom_fields=None,
    sandbox_app="tests.fourthhr.sandbox:FourthHRApp",
    bench_scenario="tests.fourthhr.sandbox.bench:FourthHR",
    readme="tests/fourthhr/README.md",
    bench_baseline=None,
    cli_plugins=(RESOURCES_COMMAND,),
    history={},  # keeps no history of its workers
)
