"""The ``hr-elt`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from contextlib import nullcontext, redirect_stdout

from pipelines.app import run_target
from pipelines.cli.check import add_check_parser, check_command
from pipelines.cli.demo import run_demo
from pipelines.cli.facade import APP
from pipelines.cli.postgres import add_postgres_parser, postgres_command
from pipelines.cli.signals import ctrl_c_seen, exit_interrupted, interrupts_ignored, terminated
from pipelines.cli.status import add_status_parser, status_command
from pipelines.dbt.runner import add_dbt_parser, dbt_command
from pipelines.report.summary import format_summary
from pipelines.report.summary_json import SummaryDocument
from pipelines.run.budget import EXIT_INCOMPLETE, parse_duration
from pipelines.run.checkpoints import grace_seconds
from pipelines.run.destinations import DESTINATIONS
from pipelines.run.failures import error_line
from pipelines.run.interrupts import EXIT_TERMINATED, TERMINATED_LINE, raise_if_interrupted
from pipelines.run.result import RunResult
from pipelines.run.selection import lacks_line, missing_resources, parse_resources
from pipelines.run.tenants import Target, TenantError, run_targets, tenant_error_line
from sandbox.__main__ import add_arguments as add_sandbox_arguments
from sandbox.__main__ import serve
from sources import registry
from sources._shared.spec import CliPlugin, SpecError


def plugins() -> dict[str, CliPlugin]:
    """The commands vendors bring (``VendorSpec.cli_plugins``), by name.

    Raises:
        SpecError: two vendors bring a command of the same name, or one named like a built-in command.
    """
    found: dict[str, CliPlugin] = {}
    owners: dict[str, str] = {}
    for spec in registry.specs():
        for plugin in spec.cli_plugins:
            if plugin.name in BUILT_IN or plugin.name in found:
                other = owners.get(plugin.name, "hr-elt itself")
                raise SpecError(f"vendor {spec.name!r} brings the command {plugin.name!r}, which {other} has already")
            found[plugin.name] = plugin
            owners[plugin.name] = f"vendor {spec.name!r}"
    return found


BUILT_IN = ("run", "check", "demo", "sandbox", "dbt", "postgres", "status")


def installed_version() -> str:
    """hr-elt's version from the installed distribution's metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hr-elt")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _resource_list(text: str) -> list[str]:
    try:
        return parse_resources(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hr-elt``."""
    titles = ", ".join(spec.title for spec in registry.specs())
    parser = argparse.ArgumentParser(prog="hr-elt", description=f"Load HR data ({titles}) into a warehouse.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request and retry")
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one vendor's pipeline (or all)")
    run.add_argument("vendor", choices=[*registry.names(), "all"])
    run.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    run.add_argument("--dataset", help="dataset (schema) name; default: the vendor name")
    run.add_argument("--full-refresh", action="store_true",
                     help="drop the vendor's tables and state (with --resources: only theirs), load them again")
    run.add_argument("--resources", type=_resource_list,
                     help="comma-separated resources to load (default: all; with all: the vendors that have them)")
    run.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    run.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")
    run.add_argument("--progress", choices=["log", "tqdm", "none"], default=None,
                     help="progress display (default: log when stderr is a terminal)")
    run.add_argument("--tenant", help="run for this tenant: config [sources.<vendor>_<tenant>], "
                     "pipeline and dataset <vendor>_<tenant> (with all: every vendor it is configured for)")
    run.add_argument("--strict", action="store_true",
                     help="with all: exit 1 when a vendor is skipped because it is not configured")
    run.add_argument("--wait", action="store_true",
                     help="if another run of the same pipeline is in progress, wait for it instead of refusing")
    run.add_argument("--wait-timeout", type=float, default=None, metavar="SECONDS",
                     help="with --wait, give up after this many seconds (default: no limit)")
    run.add_argument("--max-duration", type=_duration, default=None, metavar="DURATION",
                     help="time budget, e.g. 50m or 2h: stop at a checkpoint before it runs out, everything read "
                     f"committed; exit {EXIT_INCOMPLETE} (status incomplete) when the next run has more to do")
    run.add_argument("--json", action="store_true",
                     help="print the run summary as JSON on stdout (the human summary goes to stderr)")
    run.add_argument("--summary-file", metavar="FILE",
                     help="also write the run summary as JSON to FILE (written when the run fails too)")

    add_check_parser(sub)

    demo = sub.add_parser("demo", help="start the sandbox and load all vendors into a local DuckDB file")
    demo.add_argument("--duckdb-path", default="hr.duckdb")
    demo.add_argument("--pipelines-dir", default=None)


    add_sandbox_arguments(sub.add_parser("sandbox", help="serve the vendor emulators on loopback until interrupted"))

    for plugin in plugins().values():
        plugin.add_arguments(sub.add_parser(plugin.name, help=plugin.help), APP)

    add_dbt_parser(sub)
    add_postgres_parser(sub)
    add_status_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, interrupted: bool = False) -> int:
    """Entry point of the ``hr-elt`` console script; returns the exit code.

    Args:
        argv: The arguments; default: the command line's.
        interrupted: A Ctrl-C came before this was called (``pipelines.cli.entry``): stop at once,
            after writing ``run``'s summary.

    Raises:
        KeyboardInterrupt: Ctrl-C; ``run`` has written its summary (``--json``, ``--summary-file``) first.
    """
    args = build_parser().parse_args(argv)
    if interrupted and args.command != "run":
        raise KeyboardInterrupt
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.verbose:  # every request and retry, on the vendors' loggers (sources._shared.http.session)
        logging.getLogger("sources").setLevel(logging.DEBUG)
    if args.command == "sandbox":

        return serve(args)
    extra = plugins()
    if args.command in extra:
        return extra[args.command].run(args, APP)
    if args.command == "demo":

        return run_demo(args.duckdb_path, args.pipelines_dir)
    if args.command == "dbt":
        return dbt_command(args)
    if args.command == "postgres":
        return postgres_command(args)
    if args.command == "check":
        return check_command(args)
    if args.command == "status":
        return status_command(args)
    document = SummaryDocument()
    try:
        if interrupted:
            raise KeyboardInterrupt
        with redirect_stdout(sys.stderr) if args.json else nullcontext():  # stdout carries the JSON and nothing else
            code = _run_command(args, document)
    except KeyboardInterrupt:
        with interrupts_ignored():
            document.hand_over(exit_interrupted(), args.json, args.summary_file)
        raise
    return document.hand_over(code, args.json, args.summary_file)


def _run_command(args: argparse.Namespace, document: SummaryDocument) -> int:
    """``hr-elt run``: runs the targets, prints the human summary, fills `document`; returns the exit code."""
    try:  # `run all`: every configured vendor and tenant (pipelines/run/tenants.py)
        targets, notes = run_targets(args.vendor, args.tenant)
    except TenantError as exc:
        print(f"hr-elt: {exc}", file=sys.stderr)
        document.error = str(exc)
        return 1
    if args.resources and args.vendor == "all":  # a vendor without the named resources is said, not run
        targets, lacking = _with_resources(targets, args.resources)
        notes = [*notes, *lacking]
        if not targets:
            document.error = f"--resources {','.join(args.resources)}: no vendor has them ({'; '.join(lacking)})"
            print(f"hr-elt: {document.error}", file=sys.stderr)
            return 1
    document.skipped = list(notes)
    for note in notes:
        print(f"hr-elt: {note}", file=sys.stderr)
    if notes and args.strict:
        document.error = f"--strict: {len(notes)} vendor(s) skipped, nothing run"
        print(f"hr-elt: {document.error}", file=sys.stderr)
        return 1
    progress = args.progress or ("log" if sys.stderr.isatty() else None)
    if progress == "log" and not args.verbose:  # the progress lines are INFO on the vendors' loggers
        logging.getLogger("sources").setLevel(logging.INFO)
    failed = incomplete = 0
    for target in targets:
        recorded = len(document.runs)
        try:
            code = _run_one(args, target, progress, document)
            failed += code == 1
            incomplete += code == EXIT_INCOMPLETE
            if ctrl_c_seen():  # one dlt took in and let the run finish: the command stops here all the same
                raise KeyboardInterrupt
            if terminated():  # SIGTERM: this run stopped at its checkpoint; the next targets do not start
                print(TERMINATED_LINE, file=sys.stderr)
                return EXIT_TERMINATED
        except KeyboardInterrupt as interrupt:
            if len(document.runs) == recorded:  # not when it came after the run was recorded
                document.add_interrupted(target, args.destination, interrupt, args.dataset, args.pipelines_dir)
            raise
    return 1 if failed else EXIT_INCOMPLETE if incomplete else 0


def _with_resources(targets: list[Target], resources: list[str]) -> tuple[list[Target], list[str]]:
    """The targets whose vendor has every resource of `resources`, and one note per vendor that lacks some."""
    kept: list[Target] = []
    lacking: dict[str, str] = {}
    for target in targets:
        missing = missing_resources(target.vendor, resources)
        if missing:
            line = lacks_line(target.vendor, missing)
            lacking.setdefault(target.vendor, f"{target.vendor} skipped: --resources: {line}")
        else:
            kept.append(target)
    return kept, list(lacking.values())


def _run_one(args: argparse.Namespace, target: Target, progress: str | None, document: SummaryDocument) -> int:
    """Runs one target, prints its summary or error line, adds it to `document`; returns 1 if it failed."""
    try:
        result = run_target(
            target,
            args.destination,
            dataset=args.dataset,
            full_refresh=args.full_refresh,
            pipelines_dir=args.pipelines_dir,
            duckdb_path=args.duckdb_path,
            progress=None if progress == "none" else progress,
            resources=args.resources,
            wait=args.wait,
            wait_timeout=args.wait_timeout,
            max_duration=args.max_duration,
        )
    except Exception as exc:  # one clear line per failed vendor; the others still run
        raise_if_interrupted(exc)  # dlt wraps a Ctrl-C into the step's error: pipelines/cli/entry.py
        loaded = getattr(exc, "result", None)
        if isinstance(loaded, RunResult):  # a partial failure: what did load, then what did not
            print(format_summary(loaded))
        line = tenant_error_line(error_line(target.vendor, exc), target.vendor, target.tenant)
        print(f"hr-elt: {line}", file=sys.stderr)
        document.add_failure(target, args.destination, exc, line, args.dataset, args.pipelines_dir)
        return 1
    print(format_summary(result))
    document.add(result)
    return EXIT_INCOMPLETE if result.status == "incomplete" else 0


__all__ = ["build_parser", "grace_seconds", "main"]  # grace_seconds: for the console script's SIGTERM handler


def _duration(text: str) -> float:
    """Argparse type of ``--max-duration``: seconds."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
