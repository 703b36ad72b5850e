"""Runs the bench: per vendor and size a sandbox, a probe, then ours and the baseline, full and incremental.

The sandbox is served from this process; every measured run is a subprocess
(:mod:`bench.worker`), so the server and the pipeline run on separate cores and each run has its
own peak RSS. Requests are counted on the server, from the sandbox's request log, the same way
for ours and for the baseline.
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.specs import Floor, Scenario, Size
from pipelines.cli.postgres import PostgresServer
from sandbox import Sandbox
from sandbox.core import Clock

UTC = timezone.utc
ROOT = Path(__file__).resolve().parent.parent
PHASES = ("full", "unchanged", "incremental")


@dataclass
class Options:
    vendors: list[str]
    quick: bool = False
    sizes: dict[str, list[Size]] = field(default_factory=dict)  # overrides the ladders
    destinations: list[str] = field(default_factory=lambda: ["duckdb"])
    postgres_sizes: str = "small"  # with "postgres" in destinations: small (first size), mid (all but big), all
    baseline: bool = True
    baseline_everywhere: bool = False  # also the baseline's unchanged runs, and its incremental at the big size
    fraction: float = 0.01
    arrow_rows: int = 200_000
    seed: int = 7
    worker_timeout: float = 3600.0
    memory_cap_mb: float = 0.0  # 0: 70% of the memory available when a run starts
    baseline_stop_factor: float = 5.0  # stop the baseline once it took this many times ours (0: never)
    wan: str = "on"  # the WAN scenario (bench/wan.py): on (before the loopback cases), off, only
    fleet: str = "on"  # bench/scenarios/hollyhr_fleet.py: on (after the loopback cases, into Postgres), off
    fleet_tenants: int = 30
    resume: str = "on"  # bench/scenarios/resume.py: on (after the loopback cases), off, only
    log: Any = sys.stderr
    on_case: Any = None  # called with the results so far after each case


def say(opts: Options, text: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {text}", file=opts.log, flush=True)


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    packages = {}
    for name in ("dlt", "duckdb", "pyarrow", "requests", "psycopg2-binary", "adbc-driver-postgresql"):
        try:
            packages[name] = version(name)
        except Exception:  # not installed
            packages[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "packages": packages}


def rss_mb(pid: int) -> float:
    """Current RSS of a process, MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def memory_cap_mb(opts: Options) -> float:
    """The most a measured run may use: the option, or 70% of the memory available now."""
    if opts.memory_cap_mb:
        return opts.memory_cap_mb
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024.0 * 0.7
    except OSError:
        pass
    return 8192.0


# --- one measured run ------------------------------------------------------------------------


class CaseRunner:
    """One vendor at one size: sandbox up, probe, runs, floors."""

    def __init__(self, spec: Scenario, size: Size, opts: Options, postgres: Any) -> None:
        self.spec, self.size, self.opts, self.postgres = spec, size, opts, postgres
        self.workdir = tempfile.mkdtemp(prefix=f"hr-elt-bench-{spec.name}-")
        self.env: dict[str, str] = {}
        self.app: Any = None
        self.pg_urls: dict[str, str] = {}

    def worker(self, name: str, spec: dict[str, Any], env: dict[str, str],
               time_limit: float | None = None) -> tuple[dict[str, Any], float]:
        spec_path = os.path.join(self.workdir, f"{name}.spec.json")
        spec["result_path"] = os.path.join(self.workdir, f"{name}.result.json")
        with open(spec_path, "w", encoding="utf-8") as f:
            json.dump(spec, f)
        log_path = os.path.join(self.workdir, f"{name}.log")
        cap_mb = memory_cap_mb(self.opts)
        started = time.perf_counter()
        killed = ""
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen([sys.executable, "-m", "bench.worker", spec_path], cwd=self.workdir, env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
            # a watchdog: dlt's default INSERT statements into DuckDB take GBs at 100k rows, and
            # this machine is shared; a run over the cap is stopped and recorded as such
            while proc.poll() is None:
                elapsed = time.perf_counter() - started
                rss = rss_mb(proc.pid)
                if rss > cap_mb:
                    killed = f"stopped after {elapsed:.0f} s: RSS {rss:,.0f} MB over the cap of {cap_mb:,.0f} MB"
                elif elapsed > min(self.opts.worker_timeout, time_limit or math.inf):
                    killed = f"stopped after {elapsed:.0f} s: over the time limit"
                if killed:
                    proc.kill()
                    proc.wait()
                    break
                time.sleep(0.2)
        wall = time.perf_counter() - started
        if killed:
            return {"ok": False, "error": killed, "killed_after_seconds": round(wall, 1)}, wall
        try:
            with open(spec["result_path"], encoding="utf-8") as f:
                result: dict[str, Any] = json.load(f)
        except (OSError, ValueError):
            with open(log_path, encoding="utf-8", errors="replace") as f:
                tail = f.read()[-3000:]
            result = {"ok": False, "error": f"worker exited {proc.returncode} without a result", "log": tail}
        return result, wall

    def base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
        env.update(self.sandbox.env())
        env.update(self.spec.env(self.size))
        return env

    def start(self) -> float:

        started = time.perf_counter()
        # the sandbox's clock runs on real time, so its "today" is the connector's "today"
        self.sandbox = Sandbox(clock=Clock(start=datetime.now(UTC)), seed=1, vendors=(self.spec.name,),
                               **{self.spec.name: self.spec.sandbox_kwargs(self.size)}).start()
        self.app = self.sandbox.apps[self.spec.name]
        self.env = self.base_env()
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.app is not None:
            self.sandbox.stop()
            self.app = None
        for url in self.pg_urls.values():
            try:
                self.postgres.drop_database(url)
            except Exception:  # best effort
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)

    def drain_log(self) -> list[Any]:
        with self.app.lock:
            entries = list(self.app.log)
            self.app.log.clear()
        return entries

    def probe(self) -> dict[str, Any]:
        plan = self.spec.probe_plan(self.app, self.size)
        plan.update(mode="probe", arrow_rows=self.opts.arrow_rows)
        self.drain_log()
        result, _ = self.worker("probe", plan, self.env)
        self.drain_log()
        if not result.get("ok"):
            raise RuntimeError(f"probe failed: {result.get('error')}\n{result.get('traceback', result.get('log', ''))}")
        rtt = result["rtt_ms"]
        result["rtt_ms"]["login"] = min(rtt.values())
        return result

    def run(self, impl: str, destination: str, phase: str, time_limit: float | None = None) -> dict[str, Any]:
        key = f"{impl}@{destination}"
        home = os.path.join(self.workdir, key)
        os.makedirs(home, exist_ok=True)
        spec: dict[str, Any] = {"mode": impl, "vendor": self.spec.name, "destination": destination,
                                "pipelines_dir": os.path.join(home, "pipelines"),
                                "duckdb_path": os.path.join(home, "warehouse.duckdb")}
        env = dict(self.env)
        if destination == "postgres":
            if key not in self.pg_urls:
                self.pg_urls[key] = self.postgres.create_database(f"bench_{impl}")
            spec["postgres_url"] = self.pg_urls[key]
            env["DESTINATION__POSTGRES__CREDENTIALS"] = self.pg_urls[key]
        if impl == "baseline":
            spec["baseline_kwargs"] = self.spec.baseline_kwargs(self.size, phase)
        self.drain_log()
        gc.collect()
        load_before = os.getloadavg()[0]
        result, wall = self.worker(f"{key}.{phase}", spec, env, time_limit)
        entries = self.drain_log()
        per_resource = Counter(self.spec.classify(e.path) for e in entries)
        out: dict[str, Any] = {
            "ok": bool(result.get("ok")),
            "requests": dict(sorted(per_resource.items())),
            "requests_total": len(entries),
            "failed_requests": sum(1 for e in entries if not 200 <= e.status < 300),
            "throttled": sum(1 for e in entries if e.status == 429),
            "process_seconds": round(wall, 3),
            "rss_mb": result.get("rss_mb"),
            "loadavg_before": round(load_before, 2),
        }
        if not out["ok"]:
            out["error"] = result.get("error") or "failed"
            if result.get("killed_after_seconds"):
                out["killed_after_seconds"] = result["killed_after_seconds"]
            out["log"] = (result.get("traceback") or result.get("log") or "")[-2000:]
            return out
        tables = result.get("tables", {})
        rows = sum(n for t, n in tables.items() if "__" not in t)
        seconds = float(result["seconds"])
        out.update(seconds=round(seconds, 3), phases=result.get("phases", {}), tables=tables, rows=rows,
                   rows_per_s=round(rows / seconds, 1) if seconds > 0 else None)
        if result.get("rss_mb_by_phase"):
            out["rss_mb_by_phase"] = result["rss_mb_by_phase"]
        if "client_requests" in result:
            out["client_requests"] = result["client_requests"]
        if result.get("notes"):
            out["notes"] = result["notes"]
        return out


def physical_seconds(floor: Floor, probe: dict[str, Any]) -> dict[str, float]:
    """requests x measured round trip + rows / measured Arrow insert rate, per the probe."""
    rtt, rates = probe["rtt_ms"], probe["arrow_rows_per_s"]
    wire = sum(n * rtt.get(r, min(rtt.values())) / 1000 for r, n in floor.requests.items())
    insert = sum(n / rates[r] for r, n in floor.rows.items() if n and r in rates)
    return {"wire": round(wire, 3), "insert": round(insert, 3), "total": round(wire + insert, 3)}


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def wanted(opts: Options, size: Size, first: bool, phase: str, impl: str, destination: str) -> bool:
    """Which runs a case makes. The baseline is slow (dlt's INSERT statements: minutes at 100k rows),
    so by default it runs the full sync at every size and the 1% incremental below the big size;
    its unchanged re-run (a full re-walk for snapshot APIs) only with ``baseline_everywhere``."""
    if destination == "postgres":
        level = opts.postgres_sizes
        if not (level == "all" or (level == "mid" and not size.big) or (level == "small" and first)):
            return False
    if impl == "ours" or opts.baseline_everywhere:
        return True
    return phase == "full" or (phase == "incremental" and not size.big)


def run_case(spec: Scenario, size: Size, opts: Options, postgres: Any, first: bool = False) -> dict[str, Any]:
    case = CaseRunner(spec, size, opts, postgres)
    out: dict[str, Any] = {"vendor": spec.name, "size": size.label, "params": size.params, "big": size.big,
                           "incremental_resources": list(spec.incremental_resources),
                           "sandbox": spec.sandbox_kwargs(size)}
    out["sandbox"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in out["sandbox"].items()}
    try:
        out["sandbox_build_seconds"] = round(case.start(), 2)
        say(opts, f"{spec.name} {size.label}: sandbox up in {out['sandbox_build_seconds']} s; probing")
        probe = case.probe()
        out["probe"] = probe
        impls = ["ours", "baseline"] if opts.baseline else ["ours"]
        destinations = [d for d in opts.destinations
                        if any(wanted(opts, size, first, "full", i, d) for i in impls)]
        runs: dict[str, dict[str, Any]] = {p: {} for p in PHASES}
        floors: dict[str, Floor] = {}
        rng = random.Random(opts.seed)
        for phase in PHASES:
            if phase == "full":
                floors[phase] = spec.full_floor(case.app, size)
            else:
                snap = spec.snapshot(case.app)
                if phase == "incremental":
                    out["changed"] = spec.mutate(case.app, opts.fraction, rng)
                floors[phase] = spec.incremental_floor(case.app, size, snap)
            for destination in destinations:
                for impl in impls:
                    if not wanted(opts, size, first, phase, impl, destination):
                        continue
                    key = f"{impl}@{destination}"
                    say(opts, f"{spec.name} {size.label}: {phase} {key} ...")
                    limit = None
                    ours = runs[phase].get(f"ours@{destination}", {})
                    if impl == "baseline" and opts.baseline_stop_factor and ours.get("ok"):
                        # enough to know the ratio is at least the factor: stop there
                        startup = ours["process_seconds"] - ours["seconds"]
                        limit = max(30.0, opts.baseline_stop_factor * ours["seconds"] + startup)
                    result = case.run(impl, destination, phase, limit)
                    runs[phase][key] = result
                    if result["ok"]:
                        say(opts, f"{spec.name} {size.label}: {phase} {key}: {result['seconds']:.1f} s, "
                                  f"{result['requests_total']} requests (floor {floors[phase].total}), "
                                  f"{result['rows']} rows, {result['rss_mb']} MB")
                    else:
                        say(opts, f"{spec.name} {size.label}: {phase} {key} FAILED: {result['error']}")
        out["phases"] = {}
        for phase in PHASES:
            floor = floors[phase]
            entry: dict[str, Any] = {"floor": {**floor.as_dict(), "seconds": physical_seconds(floor, probe)},
                                     "runs": runs[phase]}
            for destination in destinations:
                ours = runs[phase].get(f"ours@{destination}", {})
                base = runs[phase].get(f"baseline@{destination}", {})
                if not ours.get("ok"):
                    continue
                cmp: dict[str, Any] = {
                    "requests_vs_floor": ratio(ours["requests_total"], floor.total),
                    "time_vs_physical_floor": ratio(ours["seconds"], entry["floor"]["seconds"]["total"]),
                }
                if base.get("killed_after_seconds"):  # the baseline ran at least that long
                    startup = ours["process_seconds"] - ours["seconds"]
                    cmp["speedup_vs_baseline_at_least"] = ratio(base["killed_after_seconds"] - startup,
                                                                ours["seconds"])
                if base.get("ok"):
                    cmp["speedup_vs_baseline"] = ratio(base["seconds"], ours["seconds"])
                    cmp["requests_vs_baseline"] = ratio(ours["requests_total"], base["requests_total"])
                    cmp["rss_vs_baseline"] = ratio(ours["rss_mb"], base["rss_mb"])
                    cmp["baseline_time_vs_physical_floor"] = ratio(base["seconds"], entry["floor"]["seconds"]["total"])
                entry.setdefault("compare", {})[destination] = cmp
            out["phases"][phase] = entry
    except Exception as exc:  # one broken case must not lose the others
        out["error"] = f"{type(exc).__name__}: {exc}"
        say(opts, f"{spec.name} {size.label}: FAILED: {out['error']}")
    finally:
        case.stop()
        gc.collect()
    return out


# --- targets --------------------------------------------------------------------------------


def _ours(case: dict[str, Any], phase: str, destination: str = "duckdb") -> dict[str, Any]:
    return case.get("phases", {}).get(phase, {}).get("runs", {}).get(f"ours@{destination}", {})


def evaluate(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, per vendor, each with the measured value and whether it is met."""
    out: list[dict[str, Any]] = []
    by_vendor: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        by_vendor.setdefault(case["vendor"], []).append(case)

    def add(vendor: str, target: str, value: Any, met: bool | None, detail: str = "") -> None:
        out.append({"vendor": vendor, "target": target, "value": value, "met": met, "detail": detail})

    for vendor, vcases in by_vendor.items():
        good = [c for c in vcases if "phases" in c]
        for phase, label in (("full", "requests = floor (full walk)"),
                             ("unchanged", "requests = floor (nothing changed)"),
                             ("incremental", "requests = floor (1% changed)")):
            values = {}
            for c in good:
                run = _ours(c, phase)
                if run.get("ok"):
                    values[c["size"]] = f"{run['requests_total']}/{c['phases'][phase]['floor']['requests_total']}"
            met = bool(values) and all(a == b for a, b in (v.split("/") for v in values.values()))
            add(vendor, label, values, met)
        pages_when_unchanged: dict[str, Any] = {}
        for c in good:
            run = _ours(c, "unchanged")
            for r in c.get("incremental_resources", []):
                if run.get("ok"):
                    pages_when_unchanged[f"{c['size']} {r}"] = run["requests"].get(r, 0)
        if pages_when_unchanged:
            over = [k for k, n in pages_when_unchanged.items() if n != 1]
            detail = ""
            if over:
                detail = ("more than one page where more than a page of records share the last synced "
                          "timestamp: the inclusive filter sends them all again (the floor counts them)")
            add(vendor, "one page per incremental resource when nothing changed", pages_when_unchanged,
                not over, detail)
        for c in good:
            if not c["big"]:
                continue
            # throughput targets are about volume: judged on the full sync at the big size (an
            # incremental run of a few hundred rows is dominated by dlt's fixed cost per run)
            for phase in ("full",):
                cmp = c["phases"][phase].get("compare", {}).get("duckdb", {})
                speedup = cmp.get("speedup_vs_baseline")
                if speedup is not None:
                    add(vendor, f"throughput >= 3x baseline ({phase}, {c['size']})", speedup, speedup >= 3.0)
                at_least = cmp.get("speedup_vs_baseline_at_least")
                if speedup is None and at_least is not None:
                    add(vendor, f"throughput >= 3x baseline ({phase}, {c['size']})", at_least, at_least >= 3.0,
                        "at least: the baseline was stopped before it finished")
                floor_ratio = cmp.get("time_vs_physical_floor")
                if floor_ratio is not None:
                    add(vendor, f"time <= 3x physical floor ({phase}, {c['size']})", floor_ratio, floor_ratio <= 3.0)
        full_rss = [(c["params"], _ours(c, "full").get("rss_mb")) for c in good if _ours(c, "full").get("ok")]
        if len(full_rss) >= 2:
            first, last = full_rss[0][1], full_rss[-1][1]
            value = ratio(last, first)
            add(vendor, "peak RSS largest <= 1.5x smallest (full)", value, value is not None and value <= 1.5,
                f"{first} MB -> {last} MB")
    return out


def start_postgres(opts: Options) -> Any:
    try:

        server = PostgresServer().start()
    except Exception as exc:  # no binaries, no root, ...: DuckDB only
        say(opts, f"Postgres not available ({type(exc).__name__}: {exc}); DuckDB only")
        return None
    say(opts, "Postgres server up")
    return server

