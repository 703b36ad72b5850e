"""The ``hr-elt`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pipelines.dbt_runner import add_dbt_parser, dbt_command
from pipelines.destinations import DESTINATIONS
from pipelines.runner import RunResult, run_target
from pipelines.summary import error_line, format_summary
from pipelines.tenants import TenantError, run_targets, tenant_error_line
from pipelines.vendors import VENDORS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``hr-elt``."""
    parser = argparse.ArgumentParser(prog="hr-elt", description="Load ByteHR, CuteHR and HollyHR into a warehouse.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request and retry")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one vendor's pipeline (or all)")
    run.add_argument("vendor", choices=[*VENDORS, "all"])
    run.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    run.add_argument("--dataset", help="dataset (schema) name; default: the vendor name")
    run.add_argument("--full-refresh", action="store_true", help="drop the vendor's tables and state, load all again")
    run.add_argument("--resources", help="comma-separated resources to load (default: all)")
    run.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    run.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")
    run.add_argument("--progress", choices=["log", "tqdm", "enlighten", "alive_progress", "none"], default=None,
                     help="progress display (default: log when stderr is a terminal)")
    run.add_argument("--tenant", help="run for this tenant: config [sources.<vendor>_<tenant>], "
                     "pipeline and dataset <vendor>_<tenant> (with all: every vendor it is configured for)")
    run.add_argument("--wait", action="store_true",
                     help="if another run of the same pipeline is in progress, wait for it instead of refusing")
    run.add_argument("--wait-timeout", type=float, default=None, metavar="SECONDS",
                     help="with --wait, give up after this many seconds (default: no limit)")

    demo = sub.add_parser("demo", help="start the sandbox and load all vendors into a local DuckDB file")
    demo.add_argument("--duckdb-path", default="hr.duckdb")
    demo.add_argument("--pipelines-dir", default=None)

    sub.add_parser("sandbox", help="serve the three vendor emulators on loopback until interrupted")

    webhooks = sub.add_parser("webhooks", help="HollyHR webhook receiver: deliveries trigger incremental runs")
    webhooks_sub = webhooks.add_subparsers(dest="webhooks_command", required=True)
    serve = webhooks_sub.add_parser("serve", help="verify signed deliveries and run the affected resources")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 picks a free one)")
    serve.add_argument("--path", default="/webhooks/hollyhr", help="URL path deliveries are posted to")
    serve.add_argument("--debounce", type=float, default=10.0, metavar="SECONDS",
                       help="quiet time after the last event before a run (default 10)")
    serve.add_argument("--max-delay", type=float, default=60.0, metavar="SECONDS",
                       help="longest wait after the first event of a burst (default 60)")
    serve.add_argument("--tolerance", type=float, default=300.0, metavar="SECONDS",
                       help="accepted clock distance of a signature's timestamp (default 300)")
    serve.add_argument("--events-db", help="SQLite file of seen event ids (default: next to the pipeline dir)")
    serve.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    serve.add_argument("--dataset", help="dataset (schema) name; default: hollyhr")
    serve.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    serve.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")

    quota = sub.add_parser("quota", help="a vendor's request quota: used, remaining, reset, full runs that fit")
    quota.add_argument("vendor", choices=["bytehr"])
    quota.add_argument("--live", action="store_true", help="ask the API now (costs one request) instead of the state")
    quota.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")

    add_dbt_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hr-elt`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "sandbox":
        from sandbox.__main__ import main as serve

        serve()
        return 0
    if args.command == "quota":
        from sources.bytehr.report import run_quota_command

        try:
            print(run_quota_command(args.pipelines_dir, live=args.live))
        except Exception as exc:  # e.g. a missing key or a refused request: one clear line
            print(f"hr-elt: {error_line(args.vendor, exc)}", file=sys.stderr)
            return 1
        return 0
    if args.command == "webhooks":
        from pipelines.webhooks import serve_from_cli

        return serve_from_cli(args.host, args.port, args.path, args.debounce, args.max_delay, args.tolerance,
                              args.events_db, {"destination": args.destination, "dataset": args.dataset,
                                               "duckdb_path": args.duckdb_path, "pipelines_dir": args.pipelines_dir})
    if args.command == "demo":
        from pipelines.demo import run_demo

        return run_demo(args.duckdb_path, args.pipelines_dir)
    if args.command == "dbt":
        return dbt_command(args)
    try:  # `run all`: every configured vendor and tenant (pipelines/tenants.py)
        targets, notes = run_targets(args.vendor, args.tenant)
    except TenantError as exc:
        print(f"hr-elt: {exc}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"hr-elt: {note}", file=sys.stderr)
    progress = args.progress or ("log" if sys.stderr.isatty() else None)
    failed = 0
    for target in targets:
        try:
            result = run_target(
                target,
                args.destination,
                dataset=args.dataset,
                full_refresh=args.full_refresh,
                pipelines_dir=args.pipelines_dir,
                duckdb_path=args.duckdb_path,
                progress=None if progress == "none" else progress,
                resources=args.resources.split(",") if args.resources else None,
                wait=args.wait,
                wait_timeout=args.wait_timeout,
            )
        except Exception as exc:  # one clear line per failed vendor; the others still run
            failed += 1
            loaded = getattr(exc, "result", None)
            if isinstance(loaded, RunResult):  # a partial failure: what did load, then what did not
                print(format_summary(loaded))
            line = error_line(target.vendor, exc)
            print(f"hr-elt: {tenant_error_line(line, target.vendor, target.tenant)}", file=sys.stderr)
            continue
        print(format_summary(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
