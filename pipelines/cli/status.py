"""The ``hr-elt status`` command: text, ``--json`` or an ``--html`` page; exit 0 only when all is well."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from pipelines.observe.alerts import AlertError, alert_stale
from pipelines.observe.history import utc_now
from pipelines.report.status import DEFAULT_MAX_AGE, collect, format_status, parse_age, status_json
from pipelines.report.status_page import render_page
from sources import registry

logger = logging.getLogger("pipelines.report.status")


def add_status_parser(sub: Any) -> None:
    """Adds ``status`` to the ``hr-elt`` subcommands."""
    status = sub.add_parser("status", help="last loads, freshness, cursors, quota, failures and coverage warnings; "
                            "exit 1 when anything is stale or unhealthy")
    status.add_argument("vendor", nargs="?", default="all", choices=[*registry.names(), "all"])
    status.add_argument("--max-age", default=DEFAULT_MAX_AGE,
                        help="a successful load older than this is stale (e.g. 26h, 90m, 2d; default 26h)")
    status.add_argument("--json", action="store_true", help="print machine-readable JSON")
    status.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page to FILE")
    status.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")


def status_command(args: argparse.Namespace) -> int:
    """Runs ``hr-elt status``; returns the exit code."""
    try:
        max_age = parse_age(args.max_age)
    except ValueError as exc:
        print(f"hr-elt: {exc}", file=sys.stderr)
        return 2
    now = utc_now()
    statuses = collect(args.vendor, args.pipelines_dir, max_age, now)
    print(status_json(statuses, max_age, now) if args.json else format_status(statuses, max_age, now))
    if args.html:

        Path(args.html).write_text(render_page(statuses, max_age, now), encoding="utf-8")
        print(f"hr-elt: status page written to {args.html}", file=sys.stderr)
    if not statuses:
        print(f"hr-elt: no pipelines found in {args.pipelines_dir or 'dlt’s pipelines dir'}", file=sys.stderr)
        return 1
    unhealthy = [f"{s.label}: {'; '.join(s.problems)}" for s in statuses if not s.healthy]
    try:
        alert_stale(unhealthy)
    except AlertError as exc:
        print(f"hr-elt: {exc}", file=sys.stderr)
    return 1 if unhealthy else 0
