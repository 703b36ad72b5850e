"""The fleet scenario (issue 29): many tenants, stateless workers, one Postgres.

Each tenant is a HollyHR sandbox of its own (own seed, own request log), configured as
``[sources.hollyhr_<tenant>]`` in the environment and listed in ``hr_elt.tenants.hollyhr``. A worker is
one ``hr-elt run all`` process over its share of the tenants with an empty pipelines dir of its own, as
a container on an orchestrator would have. For 1 and for 3 workers (each into a fresh database of one
Postgres server), two rounds:

1. first sync of every tenant: requests against the vendor's full floor;
2. nothing changed at any vendor, new empty pipelines dirs: requests against the incremental floor
   (3 per HollyHR tenant), which a worker only reaches by restoring each tenant's state from Postgres.

After each round: every tenant's tables hold exactly its sandbox's rows, and every tenant's dataset holds
the state of one pipeline only (no two workers' states collided).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.specs import Floor, Scenario, Size, scenario_class
from pipelines.cli.postgres import PostgresServer
from sandbox import Sandbox

VENDOR = "hollyhr"
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("HR_ELT_BIN", str(ROOT / ".venv" / "bin" / "hr-elt")))
RUN_TIMEOUT = 3600.0
# the run path's own tables beside the tenant's pipeline state (run history, quality)
OWN_SUFFIXES = ("__runs", "__quality")


def tenant_names(count: int) -> list[str]:
    """``t01`` ... ``tNN``."""
    return [f"t{i:02d}" for i in range(1, count + 1)]


def worker_env(base: dict[str, str], sandboxes: dict[str, Sandbox], tenants: list[str], url: str) -> dict[str, str]:
    """The environment of one worker: its tenants' sections and list, the Postgres URL; nothing else of ours."""
    env = {k: v for k, v in base.items() if not k.startswith(("SOURCES__", "HR_ELT__", "DESTINATION__"))}
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env["DESTINATION__POSTGRES__CREDENTIALS"] = url
    env[f"HR_ELT__TENANTS__{VENDOR.upper()}"] = ",".join(tenants)
    for tenant in tenants:
        app = sandboxes[tenant].apps[VENDOR]
        section = f"SOURCES__{VENDOR.upper()}_{tenant.upper()}"
        env[f"{section}__BASE_URL"] = app.base_url
        for key, value in app.credentials().items():
            env[f"{section}__{key.upper()}"] = str(value)
    return env


def request_counts(sandboxes: dict[str, Sandbox]) -> dict[str, int]:
    return {tenant: len(box.apps[VENDOR].requests()) for tenant, box in sandboxes.items()}


def run_workers(workers: int, tenants: list[str], sandboxes: dict[str, Sandbox], url: str,
                home: Path) -> dict[str, Any]:
    """Starts `workers` ``hr-elt run all`` processes at once, each on its share and an empty pipelines dir."""
    shares = [share for share in (tenants[k::workers] for k in range(workers)) if share]  # fewer tenants: fewer workers
    procs: list[tuple[list[str], subprocess.Popen[str], Path]] = []
    started = time.perf_counter()
    for k, share in enumerate(shares):
        pipes = home / f"worker-{k + 1}"
        pipes.mkdir(parents=True)
        log = home / f"worker-{k + 1}.log"
        with log.open("w", encoding="utf-8") as out:
            proc = subprocess.Popen([str(BIN), "run", "all", "--destination", "postgres", "--pipelines-dir",
                                     str(pipes)], env=worker_env(dict(os.environ), sandboxes, share, url),
                                    cwd=home, stdout=out, stderr=subprocess.STDOUT, text=True)
        procs.append((share, proc, log))
    codes = [proc.wait(timeout=RUN_TIMEOUT) for _, proc, _ in procs]
    elapsed = time.perf_counter() - started
    failed = [{"tenants": share, "exit": code, "log_tail": log.read_text(encoding="utf-8")[-2000:]}
              for (share, _, log), code in zip(procs, codes, strict=True) if code != 0]
    return {"elapsed_s": round(elapsed, 1), "exit_codes": codes, "failed_workers": failed}


def warehouse_check(url: str, tenants: list[str], floors: dict[str, Floor]) -> dict[str, Any]:
    """Each tenant's row counts against its sandbox, and the pipeline names in its state table."""
    import psycopg2  # the postgres extra, as everywhere Postgres is read

    inexact: dict[str, Any] = {}
    collisions: dict[str, list[str]] = {}
    names: set[str] = set()
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        for tenant in tenants:
            dataset = f"{VENDOR}_{tenant}"
            for table, rows in floors[tenant].rows.items():
                cursor.execute(f'SELECT count(*) FROM "{dataset}"."{table}"')
                got = cursor.fetchone()[0]
                if got != rows:
                    inexact.setdefault(tenant, {})[table] = {"warehouse": got, "sandbox": rows}
            cursor.execute(f'SELECT DISTINCT pipeline_name FROM "{dataset}"."_dlt_pipeline_state"')
            own = sorted(n for (n,) in cursor.fetchall() if not n.endswith(OWN_SUFFIXES))
            names.update(own)
            if len(own) != 1 or not own[0].startswith(f"{dataset}__postgres_"):
                collisions[tenant] = own
    return {"tenants_exact": len(tenants) - len(inexact), "inexact": inexact,
            "tenants_with_one_state": len(tenants) - len(collisions), "state_collisions": collisions,
            "pipeline_names": len(names)}


def run_fleet_case(workers: int, tenants: list[str], sandboxes: dict[str, Sandbox], spec: Scenario, size: Size,
                   server: PostgresServer, home: Path, log: Any) -> dict[str, Any]:
    """Two rounds of `workers` stateless workers over every tenant into a fresh database."""
    url = server.create_database(f"fleet_{workers}w")
    case: dict[str, Any] = {"workers": workers, "tenants": len(tenants), "size": size.params, "rounds": []}
    full = {t: spec.full_floor(sandboxes[t].apps[VENDOR], size) for t in tenants}
    snaps: dict[str, Any] = {}
    for round_no, label in ((1, "first sync"), (2, "nothing changed")):
        floors = full if round_no == 1 else {
            t: spec.incremental_floor(sandboxes[t].apps[VENDOR], size, snaps[t]) for t in tenants}
        before = request_counts(sandboxes)
        outcome = run_workers(workers, tenants, sandboxes, url, home / f"{workers}w-round{round_no}")
        after = request_counts(sandboxes)
        requests = {t: after[t] - before[t] for t in tenants}
        snaps = {t: spec.snapshot(sandboxes[t].apps[VENDOR]) for t in tenants}
        entry = {"round": round_no, "what": label, **outcome,
                 "requests": sum(requests.values()), "floor": sum(f.total for f in floors.values()),
                 "requests_per_tenant": sorted(set(requests.values())),
                 "tenants_over_floor": sorted(t for t in tenants if requests[t] > floors[t].total),
                 **warehouse_check(url, tenants, full)}
        case["rounds"].append(entry)
        print(f"[bench fleet] {workers} worker(s), round {round_no} ({label}): {entry['elapsed_s']} s, "
              f"{entry['requests']} requests (floor {entry['floor']}), exact {entry['tenants_exact']}/{len(tenants)}, "
              f"one state {entry['tenants_with_one_state']}/{len(tenants)}, exits {entry['exit_codes']}",
              file=log, flush=True)
    return case


def run_fleet(tenant_count: int = 30, people: int = 20, worker_counts: tuple[int, ...] = (1, 3),
              log: Any = None) -> dict[str, Any]:
    """The fleet scenario (module docstring); the results for the JSON's ``fleet`` key."""
    log = log or sys.stderr
    spec = scenario_class(VENDOR)(date.today())
    size = Size(f"{people}", {"people": people})
    tenants = tenant_names(tenant_count)
    boxes: dict[str, Sandbox] = {}
    result: dict[str, Any] = {"vendor": VENDOR, "tenants": tenant_count, "people_per_tenant": people, "cases": []}
    with PostgresServer() as server, tempfile.TemporaryDirectory(prefix="hr-elt-fleet-") as scratch:
        try:
            for i, tenant in enumerate(tenants):
                boxes[tenant] = Sandbox(seed=100 + i, vendors=(VENDOR,), **{VENDOR: spec.sandbox_kwargs(size)}).start()
            for workers in worker_counts:
                result["cases"].append(run_fleet_case(workers, tenants, boxes, spec, size, server,
                                                      Path(scratch), log))
        finally:
            for box in boxes.values():
                box.stop()
    result["ok"] = all(not r["failed_workers"] and not r["inexact"] and not r["state_collisions"]
                       and not r["tenants_over_floor"] for case in result["cases"] for r in case["rounds"])
    return result
