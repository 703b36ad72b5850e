"""The ``hr-elt`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pipelines.destinations import DESTINATIONS
from pipelines.runner import run_vendor
from pipelines.summary import error_line, format_summary
from pipelines.vendors import VENDORS, available


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

    demo = sub.add_parser("demo", help="start the sandbox and load all vendors into a local DuckDB file")
    demo.add_argument("--duckdb-path", default="hr.duckdb")
    demo.add_argument("--pipelines-dir", default=None)

    sub.add_parser("sandbox", help="serve the three vendor emulators on loopback until interrupted")
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
    if args.command == "demo":
        from pipelines.demo import run_demo

        return run_demo(args.duckdb_path, args.pipelines_dir)
    vendors = available() if args.vendor == "all" else [args.vendor]
    progress = args.progress or ("log" if sys.stderr.isatty() else None)
    failed = 0
    for vendor in vendors:
        try:
            result = run_vendor(
                vendor,
                destination=args.destination,
                dataset=args.dataset,
                full_refresh=args.full_refresh,
                pipelines_dir=args.pipelines_dir,
                duckdb_path=args.duckdb_path,
                progress=None if progress == "none" else progress,
                resources=args.resources.split(",") if args.resources else None,
            )
        except Exception as exc:  # one clear line per failed vendor; the others still run
            failed += 1
            print(f"hr-elt: {error_line(vendor, exc)}", file=sys.stderr)
            continue
        print(format_summary(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
