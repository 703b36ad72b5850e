"""The whole bench run: the WAN scenario (the headline), then the loopback cases, then the targets."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from bench.orchestrate import UTC, Options, evaluate, machine, run_case, start_postgres
from bench.scenarios.hollyhr_fleet import run_fleet
from bench.scenarios.resume import evaluate_resume, run_resume
from bench.specs import make_specs
from bench.wan import evaluate_wan, run_wan


def run_bench(opts: Options) -> dict[str, Any]:
    started = datetime.now(UTC)
    specs = make_specs(opts.vendors, started)
    postgres = None
    if "postgres" in opts.destinations and opts.wan != "only":
        postgres = start_postgres(opts)
        if postgres is None:
            opts.destinations = [d for d in opts.destinations if d != "postgres"]
    results: dict[str, Any] = {
        "date": started.date().isoformat(), "started_at": started.isoformat(timespec="seconds"),
        "mode": "quick" if opts.quick else "full", "machine": machine(),
        "options": {"vendors": opts.vendors, "destinations": opts.destinations, "postgres_sizes": opts.postgres_sizes,
                    "baseline": opts.baseline, "baseline_everywhere": opts.baseline_everywhere,
                    "fraction_changed": opts.fraction, "arrow_rows": opts.arrow_rows,
                    "baseline_stop_factor": opts.baseline_stop_factor},
        "cases": [],
    }
    t0 = time.perf_counter()
    try:
        if opts.wan != "off":
            results["wan"] = run_wan(opts, specs)
            if opts.on_case is not None:
                opts.on_case(results)
        for spec in specs if opts.wan != "only" else []:
            for i, size in enumerate(opts.sizes.get(spec.name) or spec.ladder(opts.quick)):
                results["cases"].append(run_case(spec, size, opts, postgres, first=i == 0))
                if opts.on_case is not None:  # e.g. write what is there so far
                    opts.on_case(results)
    finally:
        if postgres is not None:
            postgres.stop()
    if opts.resume == "on" and opts.wan != "only":
        results["resume"] = run_resume(opts, specs)
        if opts.on_case is not None:
            opts.on_case(results)
    if opts.fleet == "on" and opts.wan != "only" and "postgres" in opts.destinations:  # a server of its own
        results["fleet"] = run_fleet(tenant_count=opts.fleet_tenants, log=opts.log)
        if opts.on_case is not None:
            opts.on_case(results)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    results["targets"] = (evaluate_wan(results.get("wan", [])) + evaluate(results["cases"])
                          + evaluate_resume(results.get("resume", [])))
    return results
