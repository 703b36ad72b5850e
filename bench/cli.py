"""``python -m bench [--quick] [--vendors a,b] [--postgres] [--no-baseline] [--no-readme]``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bench.orchestrate import ROOT, Options, evaluate, machine
from bench.report import section, update_readme, write_json
from bench.resume_report import resume_section, update_resume_block
from bench.scenarios.hollyhr_fleet import run_fleet
from bench.scenarios.resume import evaluate_resume, run_resume
from bench.specs import Size, bench_vendors, make_specs
from bench.suite import run_bench
from bench.wan import evaluate_wan
from pipelines.cli.postgres import server_bindir


def parse_sizes(text: str) -> dict[str, list[Size]]:
    """``{"<vendor>": [{"employees": 50}], ...}``: an explicit ladder per vendor (the last one is 'big')."""
    raw = json.loads(text)
    out: dict[str, list[Size]] = {}
    for vendor, ladder in raw.items():
        sizes = [Size("/".join(str(v) for v in params.values()), dict(params)) for params in ladder]
        if sizes:
            sizes[-1].big = True
        out[vendor] = sizes
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a minute or two")
    parser.add_argument("--vendors", default="", help="comma-separated; default: every registered vendor with a "
                        "bench scenario")
    parser.add_argument("--sizes", default="",
                        help='JSON ladder per vendor, e.g. \'{"<vendor>": [{"employees": 50}]}\'')
    parser.add_argument("--postgres", choices=("off", "small", "mid", "all"), default="small",
                        help="also load into a throwaway Postgres at the smallest size (small), all but the "
                             "biggest (mid) or every size (all); skipped when no server binaries are found")
    parser.add_argument("--wan", choices=("on", "off", "only"), default="on",
                        help="the WAN scenario (120 ms a request, documented rate limits; bench/wan.py): before "
                             "the loopback cases (on), not at all (off), or alone (only)")
    parser.add_argument("--fleet", choices=("on", "off", "only"), default="on",
                        help="the fleet scenario (bench/scenarios/hollyhr_fleet.py): after the loopback cases, "
                             "not at all, or alone")
    parser.add_argument("--resume", choices=("on", "off", "only"), default="on",
                        help="the resume scenario (bench/scenarios/resume.py: kills at 30-90%% and reruns, "
                             "checkpoint overhead): after the loopback cases, not at all, or alone")
    parser.add_argument("--fleet-tenants", type=int, default=0,
                        help="tenants of the fleet scenario (default 30, 6 with --quick)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rest_api baseline")
    parser.add_argument("--baseline-everywhere", action="store_true",
                        help="run the baseline in every phase and size (adds ~15 min at full sizes)")
    parser.add_argument("--arrow-rows", type=int, default=0, help="rows for the Arrow insert probe")
    parser.add_argument("--baseline-stop-factor", type=float, default=5.0,
                        help="stop a baseline run once it has taken this many times as long as ours "
                             "(the ratio is then reported as at least that); 0: let it finish")
    parser.add_argument("--memory-cap-mb", type=float, default=0.0,
                        help="stop a run above this RSS (default: 70%% of the memory available)")
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--readme", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--no-readme", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--render", default="", metavar="RESULTS_JSON",
                        help="no runs: re-evaluate the targets of a results file and write the README section")
    args = parser.parse_args(argv)
    if args.render:
        path = Path(args.render)
        results = json.loads(path.read_text(encoding="utf-8"))
        if "cases" not in results and "resume" in results:  # a `--resume only` file: its block alone
            if not args.no_readme:
                update_resume_block(Path(args.readme), resume_section(results["resume"], results["date"], path.name))
            return 0
        results["targets"] = evaluate_wan(results.get("wan", [])) + evaluate(results["cases"])
        path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        if not args.no_readme:
            update_readme(Path(args.readme), section(results, path.name))
        return 0

    fleet_tenants = args.fleet_tenants or (6 if args.quick else 30)
    if args.fleet == "only":
        fleet = run_fleet(tenant_count=fleet_tenants)
        out = Path(args.out_dir) / f"{date.today().isoformat()}-fleet.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"date": date.today().isoformat(), "machine": machine(), "fleet": fleet},
                                  indent=1) + "\n", encoding="utf-8")
        print(f"results: {out}", file=sys.stderr)
        return 0 if fleet["ok"] else 1

    known = bench_vendors()
    vendors = [v for v in args.vendors.split(",") if v] or known
    unknown = [v for v in vendors if v not in known]
    if unknown:
        parser.error(f"unknown vendors {unknown}; known: {known}")
    if args.resume == "only":
        return resume_only(args, vendors)
    destinations = ["duckdb"]
    if args.postgres != "off" and postgres_binaries():
        destinations.append("postgres")
    opts = Options(vendors=vendors, quick=args.quick, sizes=parse_sizes(args.sizes) if args.sizes else {},
                   destinations=destinations, postgres_sizes=args.postgres, baseline=not args.no_baseline,
                   baseline_everywhere=args.baseline_everywhere, memory_cap_mb=args.memory_cap_mb,
                   baseline_stop_factor=args.baseline_stop_factor, wan=args.wan,
                   arrow_rows=args.arrow_rows or (20_000 if args.quick else 200_000),
                   fleet=args.fleet, fleet_tenants=fleet_tenants, resume=args.resume)
    opts.on_case = lambda partial: write_json({**partial, "partial": True}, Path(args.out_dir))
    results = run_bench(opts)
    path = write_json(results, Path(args.out_dir))
    print(f"results: {path}", file=sys.stderr)
    if not args.no_readme and not args.quick and not args.sizes:
        update_readme(Path(args.readme), section(results, path.name))
        if results.get("resume"):
            update_resume_block(Path(args.readme), resume_section(results["resume"], results["date"], path.name))
        print(f"README: {args.readme}", file=sys.stderr)
    for t in results["targets"]:
        print(target_line(t), file=sys.stderr)
    failed = [c for c in results["cases"] if "error" in c]
    return 1 if failed or not results.get("fleet", {}).get("ok", True) else 0


def target_line(target: dict[str, Any]) -> str:
    """One target as the bench prints it: MET, MISS, or blank for a number reported beside a target."""
    mark = "MET " if target["met"] else "MISS" if target["met"] is not None else "    "
    return f"{mark} {target['vendor']:8s} {target['target']}: {target['value']}"


def resume_only(args: argparse.Namespace, vendors: list[str]) -> int:
    """``--resume only``: the resume scenario alone; writes ``<date>-resume[-quick].json`` and its docs block."""
    day = date.today().isoformat()
    out = Path(args.out_dir) / f"{day}-resume{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)

    def write(cases: list[dict[str, Any]], partial: bool = True) -> None:
        document = {"date": day, "mode": "quick" if args.quick else "full", "machine": machine(), "resume": cases,
                    "targets": evaluate_resume(cases), **({"partial": True} if partial else {})}
        out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")

    cases = run_resume(Options(vendors=vendors, quick=args.quick, resume="only"), make_specs(vendors), write)
    write(cases, partial=False)
    targets = evaluate_resume(cases)
    print(f"results: {out}", file=sys.stderr)
    if not args.no_readme and not args.quick:
        update_resume_block(Path(args.readme), resume_section(cases, day, out.name))
    for t in targets:
        print(target_line(t), file=sys.stderr)
    failed = [c for c in cases if "error" in c or not all(k["exact"] for k in c.get("kills", []))]
    return 1 if failed or not cases else 0


def postgres_binaries() -> bool:
    try:

        server_bindir()
    except Exception:
        return False
    return True
