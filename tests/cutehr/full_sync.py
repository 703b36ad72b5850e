"""Measures a full CuteHR sync: 2,000 employees, 90 days of attendance, the sandbox's 120/min limit.

Not part of the test run (it takes about 5 minutes at 120/min). Usage::

    .venv/bin/python -m tests.cutehr.full_sync            # paced (the default settings)
    .venv/bin/python -m tests.cutehr.full_sync unpaced    # requests_per_minute = 0

Prints requests per route and status, 429s, retries, seconds and rows as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from datetime import time as dtime
from typing import Any


def main(mode: str = "paced", employees: int = 2000, days: int = 90) -> dict[str, Any]:
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    from pipelines.app import run_vendor
    from sandbox import Sandbox

    workdir = tempfile.mkdtemp(prefix=f"cutehr_full_sync_{mode}_")
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=days - 1)
    out: dict[str, Any] = {"mode": mode, "employees": employees, "attendance_from": start.isoformat(),
                           "attendance_to": today.isoformat()}
    with Sandbox(vendors=("cutehr",), cutehr={"employees": employees}) as sandbox:
        app = sandbox.cutehr
        app.clock.set(datetime.combine(today, dtime(12), timezone.utc))
        os.environ.update(sandbox.env())
        os.environ["SOURCES__CUTEHR__ATTENDANCE_START_DATE"] = start.isoformat()
        if mode == "unpaced":
            os.environ["SOURCES__CUTEHR__REQUESTS_PER_MINUTE"] = "0"
        began = time.time()
        try:
            result = run_vendor("cutehr", pipelines_dir=f"{workdir}/pipelines", duckdb_path=f"{workdir}/w.duckdb")
            out.update(rows=result.rows, requests=result.requests, retries=result.retries,
                       throttled=result.throttled)
        except Exception as exc:  # report it with the counts
            out["error"] = str(exc)
        out["seconds"] = round(time.time() - began, 1)
        log = app.requests()
        out["requests_seen_by_the_api"] = len(log)
        out["by_route_and_status"] = {f"{p} {s}": n for (p, s), n in sorted(Counter((e.path, e.status)
                                                                                     for e in log).items())}
        out["429s"] = sum(1 for e in log if e.status == 429)
        out["attendance_windows"] = sorted({(e.arg("date_from"), e.arg("date_to")) for e in log if e.arg("date_from")})
        out["api_counts"] = {"employees": app.count("employees"), "departments": app.count("departments"),
                             "leaves": app.count("leaves"), "attendance": app.attendance_count(start, today)}
        out["logins"] = app.login_count
    return out


if __name__ == "__main__":
    print(json.dumps(main(*(sys.argv[1:2] or ["paced"])), indent=1))
