"""The resume scenario (issue 26, item 7): a long first sync killed part way, then run again.

Per vendor that declares a resume size (``Scenario.resume_size``; HollyHR 5,000 people, ByteHR 10,000
employees), everything a user would type, ``hr-elt run <vendor>`` in a subprocess against a sandbox
served from this process (requests counted there):

1. **clean**: one full first sync with the default checkpoints, into a warehouse of its own. Its
   requests are the full run (N) the kill points are counted in.
2. **killed at 30, 50, 70, 90%**: for each fraction f a fresh pipelines dir and warehouse; the sandbox
   SIGKILLs the run right after it answered request ``round(f x N)`` (any route); then ``hr-elt run``
   again to the end. *Requests redone*: the killed attempt's and the rerun's requests less N (what the
   kill cost, counted at the sandbox). *Seconds lost*: from the answer of the first request the rerun
   asks again (same path and query) to the kill: the work done since the last commit. Both against one
   checkpoint interval (``Scenario.resume_interval``). *Exact*: every table of the vendor's dataset
   equals the clean run's, row for row, over the vendor's columns (dlt's ``_dlt_*`` and our ``_hr_*``
   bookkeeping columns left out: load ids and observation times differ by design).
3. **overhead**: a full sync with checkpoints on (the defaults) and off, on loopback, in the WAN
   scenario as ``bench/wan.py`` runs it (every request answered after ``SERVICE_S``, the documented
   rate limits on, its ``wan_size``: the target's row), and at the same latency with rate limits off
   at the resume size (reported: the limits' minute windows no longer hide a chunk's fixed cost, so
   this row shows what bounds the overhead). "Off" is an interval no run reaches
   (``Scenario.checkpoints_off_env``): the run is one load, as before checkpoints. Loads (chunks) are
   counted in the warehouse's ``_dlt_loads``; the loopback overhead is bounded by chunks x a chunk's
   fixed cost (dlt's extract set-up and normalize in line; the load runs behind the next extract).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from bench.orchestrate import UTC, CaseRunner, Options, ratio, say
from bench.specs import Scenario, Size
from sandbox import Sandbox
from sandbox.core import Clock

SERVICE_S = 0.12  # the WAN scenario's service time (bench/wan.py)
KILL_AT = (0.3, 0.5, 0.7, 0.9)
HR_ELT = Path(sys.executable).parent / "hr-elt"
RUN_TIMEOUT_S = 3600.0


class ResumeRunner(CaseRunner):
    """One vendor's sandbox (loopback, or with a service time per request) and its ``hr-elt run`` subprocesses.

    Args:
        service_s: Seconds before each answer (0: loopback).
        limits: The WAN scenario as ``bench/wan.py`` defines it: the documented limits on, the
            source's own settings (``Scenario.wan_sandbox_kwargs``, ``wan_env``); else rate limits off.
    """

    def __init__(self, spec: Scenario, size: Size, opts: Options, service_s: float = 0.0, limits: bool = False) -> None:
        super().__init__(spec, size, opts, None)
        self.service_s = service_s
        self.limits = limits

    def start(self) -> float:
        started = time.perf_counter()
        if self.limits:
            kwargs = self.spec.wan_sandbox_kwargs(self.size, self.service_s)
        else:
            kwargs = self.spec.sandbox_kwargs(self.size)
            if self.service_s:
                kwargs["latency"] = {"fixed_s": self.service_s}
        self.sandbox = Sandbox(clock=Clock(start=datetime.now(UTC)), seed=1, vendors=(self.spec.name,),
                               **{self.spec.name: kwargs}).start()
        self.app = self.sandbox.apps[self.spec.name]
        self.env = self.base_env()
        if self.limits:
            self.env = {k: v for k, v in self.env.items() if k not in self.spec.env(self.size)}
            self.env.update(self.spec.wan_env(self.size))
        return time.perf_counter() - started

    def hr_elt_run(self, label: str, extra_env: dict[str, str] | None = None,
                   kill_after: int | None = None) -> dict[str, Any]:
        """``hr-elt run <vendor>`` into ``<workdir>/<label>``; SIGKILLed after `kill_after` answered requests."""
        home = Path(self.workdir) / label
        home.mkdir(exist_ok=True)
        cmd = [str(HR_ELT), "run", self.spec.name, "--destination", "duckdb",
               "--pipelines-dir", str(home / "pipelines"), "--duckdb-path", str(home / "hr.duckdb")]
        self.drain_log()
        killed_at: list[float] = []
        with open(home / "run.log", "a", encoding="utf-8") as log:
            started = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=home, env={**self.env, **(extra_env or {})}, stdout=log,
                                    stderr=subprocess.STDOUT)
            if kill_after is not None:
                def kill(_: Any) -> None:  # in the sandbox's thread, right after it answered that request
                    killed_at.append(time.time())
                    os.kill(proc.pid, signal.SIGKILL)

                self.app.after_request(kill_after, kill)
            code = proc.wait(timeout=RUN_TIMEOUT_S)
            seconds = time.perf_counter() - started
        entries = self.drain_log()
        out: dict[str, Any] = {"exit": code, "seconds": round(seconds, 2), "requests": len(entries),
                               "entries": entries, "db": str(home / "hr.duckdb"), "killed_at": killed_at[0]
                               if killed_at else None}
        if kill_after is None and code != 0:
            raise RuntimeError(f"hr-elt run {self.spec.name} ({label}) exited {code}: "
                               f"{(home / 'run.log').read_text(errors='replace')[-2000:]}")
        if kill_after is not None and code != -signal.SIGKILL:
            raise RuntimeError(f"hr-elt run {self.spec.name} ({label}) was to be killed but exited {code}")
        return out


def _key(entry: Any) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    return entry.path, tuple(sorted((k, tuple(v)) for k, v in entry.query.items()))


def per_resource(spec: Scenario, clean: list[Any], attempt: list[Any], rerun: list[Any]) -> dict[str, int]:
    """Per resource: the attempt's and the rerun's requests less the clean run's."""
    out: dict[str, int] = {}
    for sign, entries in ((-1, clean), (1, attempt), (1, rerun)):
        for e in entries:
            name = spec.classify(e.path)
            out[name] = out.get(name, 0) + sign
    return {name: n for name, n in sorted(out.items()) if n}


def per_resource_full(spec: Scenario, clean: dict[str, Any], resource: str) -> int:
    return sum(1 for e in clean["entries"] if spec.classify(e.path) == resource)


def seconds_lost(attempt: list[Any], rerun: list[Any], killed_at: float | None) -> float | None:
    """From the killed attempt's first answer that the rerun asks again to the kill: the work since the last commit."""
    if killed_at is None:
        return None
    again = {_key(e) for e in rerun}
    redone = [e.at.timestamp() for e in attempt if _key(e) in again]
    return round(max(0.0, killed_at - min(redone)), 2) if redone else 0.0


def loads(db: str, dataset: str) -> int:
    """Load packages of the vendor's own schema (the run path's run history and quality rows left out)."""
    with duckdb.connect(db, read_only=True) as con:
        row = con.execute(f'select count(*) from "{dataset}"."_dlt_loads" where status = 0 and schema_name = ?',
                          [dataset]).fetchone()
    return int(row[0]) if row else 0


def differences(clean: str, other: str, dataset: str) -> dict[str, int]:
    """Per table of `dataset`: rows in one warehouse and not the other (both ways, with multiplicity)."""
    out: dict[str, int] = {}
    with duckdb.connect(other, read_only=True) as con:
        con.execute(f"attach '{clean}' as clean (read_only)")
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'clean' and table_schema = ? "
            "and table_name not like '\\_dlt%' escape '\\' and table_name not like '\\_hr\\_elt%' escape '\\' "
            "order by 1", [dataset]).fetchall()]
        for table in tables:
            cols = {catalog: {r[0] for r in con.execute(
                "select column_name from information_schema.columns where table_catalog = ? and table_schema = ? "
                "and table_name = ?", [catalog, dataset, table]).fetchall()} for catalog in ("clean", current(con))}
            if table not in _tables(con, dataset):
                out[table] = -1  # missing in the resumed warehouse
                continue
            mine = cols[current(con)]
            keep = sorted(c for c in cols["clean"] & mine if not c.startswith(("_dlt", "_hr_")))
            if cols["clean"] - mine or mine - cols["clean"]:
                out[f"{table} (columns)"] = len(cols["clean"] ^ mine)
            select = ", ".join(f'"{c}"' for c in keep)
            a = f'select {select} from clean."{dataset}"."{table}"'
            b = f'select {select} from "{dataset}"."{table}"'
            n = con.execute(f"select (select count(*) from ({a} except all {b})) + "
                            f"(select count(*) from ({b} except all {a}))").fetchone()
            if n and n[0]:
                out[table] = int(n[0])
    return out


def current(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("select current_database()").fetchone()
    return str(row[0]) if row else ""


def _tables(con: duckdb.DuckDBPyConnection, dataset: str) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables where table_catalog = ? "
                                      "and table_schema = ?", [current(con), dataset]).fetchall()}


def run_kills(spec: Scenario, size: Size, opts: Options) -> dict[str, Any]:
    """Clean run, checkpoints off, then a kill at each fraction and a rerun, all on loopback."""
    case = ResumeRunner(spec, size, opts)
    interval = spec.resume_interval()
    out: dict[str, Any] = {"vendor": spec.name, "size": size.label, "params": size.params, "interval": interval}
    try:
        case.start()
        say(opts, f"resume {spec.name} {size.label}: clean full sync ...")
        clean = case.hr_elt_run("clean")
        full = clean["requests"]
        off = case.hr_elt_run("off", spec.checkpoints_off_env())
        out["loopback"] = overhead(clean, off, spec.name)
        say(opts, f"resume {spec.name}: {full} requests; loopback on {clean['seconds']} s "
                  f"({out['loopback']['loads_on']} loads), off {off['seconds']} s")
        kills = []
        for fraction in KILL_AT:
            k = round(full * fraction)
            attempt = case.hr_elt_run(f"kill{int(fraction * 100)}", kill_after=k)
            rerun = case.hr_elt_run(f"kill{int(fraction * 100)}")
            by_resource = per_resource(spec, clean["entries"], attempt["entries"], rerun["entries"])
            # a list the rerun reads whole again because every run reads it whole (a snapshot API's small
            # lists, once complete in the attempt) is the rerun's own cost, not work the kill threw away
            rewalked = {r: n for r, n in by_resource.items() if n and n == per_resource_full(spec, clean, r)}
            redone = attempt["requests"] + rerun["requests"] - full - sum(rewalked.values())
            diff = differences(clean["db"], rerun["db"], spec.name)
            entry = {"fraction": fraction, "kill_after": k, "attempt_requests": attempt["requests"],
                     "rerun_requests": rerun["requests"], "requests_redone": redone,
                     "redone_by_resource": by_resource, "read_whole_again": rewalked,
                     "seconds_lost": seconds_lost([e for e in attempt["entries"]
                                                   if spec.classify(e.path) not in rewalked],
                                                  rerun["entries"], attempt["killed_at"]),
                     "attempt_s": attempt["seconds"], "rerun_s": rerun["seconds"],
                     "rerun_vs_clean_s": round(attempt["seconds"] + rerun["seconds"] - clean["seconds"], 2),
                     "within_interval": redone <= interval["requests_bound"], "exact": not diff,
                     "differences": diff, "rerun_loads": loads(rerun["db"], spec.name)}  # attempt + rerun
            kills.append(entry)
            say(opts, f"resume {spec.name}: killed at {fraction:.0%} ({k} answered): {redone} requests redone "
                      f"(bound {interval['requests_bound']}), {entry['seconds_lost']} s lost, "
                      f"{'exact' if not diff else f'NOT exact {diff}'}")
        out.update(full_requests=full, clean_s=clean["seconds"], kills=kills)
    except Exception as exc:  # one broken vendor must not lose the others
        out["error"] = f"{type(exc).__name__}: {exc}"
        say(opts, f"resume {spec.name}: FAILED: {out['error']}")
    finally:
        case.stop()
    return out


def overhead(on: dict[str, Any], off: dict[str, Any], dataset: str) -> dict[str, Any]:
    """A full sync with checkpoints on against one with them off: seconds, requests, loads."""
    loads_on, loads_off = loads(on["db"], dataset), loads(off["db"], dataset)
    extra = on["seconds"] - off["seconds"]
    return {"on_s": on["seconds"], "off_s": off["seconds"], "overhead": ratio(extra, off["seconds"]),
            "requests_on": on["requests"], "requests_off": off["requests"], "loads_on": loads_on,
            "loads_off": loads_off, "extra_s_per_extra_load": round(extra / (loads_on - loads_off), 3)
            if loads_on > loads_off else None,
            "exact": not differences(off["db"], on["db"], dataset)}


def run_wan_overhead(spec: Scenario, size: Size, opts: Options, limits: bool = False) -> dict[str, Any]:
    """A full sync with checkpoints on and off at `SERVICE_S` a request.

    Args:
        limits: The WAN scenario as ``bench/wan.py`` runs it (documented limits on, at `size`, the
            scenario's ``wan_size``); else rate limits off, latency only (at the resume size).
    """
    label = "WAN" if limits else "120 ms, limits off"
    out: dict[str, Any] = {"service_s": SERVICE_S, "size": size.label, "limits": limits}
    say(opts, f"resume {spec.name} {size.label}: {label} full sync, checkpoints on, then off ...")
    runs: dict[str, dict[str, Any]] = {}
    case = ResumeRunner(spec, size, opts, service_s=SERVICE_S, limits=limits)
    try:
        case.start()
        for mode, env in (("on", None), ("off", spec.checkpoints_off_env())):
            if runs and limits:  # the rate limits' windows start empty for both runs, as for a nightly one
                time.sleep(spec.window_s)
            runs[mode] = case.hr_elt_run(f"{'wan' if limits else 'latency'}-{mode}", env)
        out.update(overhead(runs["on"], runs["off"], spec.name))
        say(opts, f"resume {spec.name}: {label} on {runs['on']['seconds']} s ({out['loads_on']} loads), "
                  f"off {runs['off']['seconds']} s: overhead {out['overhead']}")
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        say(opts, f"resume {spec.name}: {label} FAILED: {out['error']}")
    finally:
        case.stop()
    return out


def run_resume(opts: Options, specs: list[Scenario], on_case: Any = None) -> list[dict[str, Any]]:
    """The resume case of every vendor in `specs` that declares one (``--quick``: its quick size).

    `on_case` is called with the cases so far after each part (an interrupted run keeps what it measured).
    """
    cases: list[dict[str, Any]] = []
    for spec in specs:
        size = spec.resume_quick if opts.quick else spec.resume_size
        if size is None:
            continue
        entry = run_kills(spec, size, opts)
        cases.append(entry)
        if on_case is not None:
            on_case(cases)
        if "error" not in entry:
            entry["latency"] = run_wan_overhead(spec, size, opts)
            if on_case is not None:
                on_case(cases)
            wan_size = spec.wan_size or size
            entry["wan"] = run_wan_overhead(spec, spec.resume_quick if opts.quick and spec.resume_quick else wan_size,
                                            opts, limits=True)
            if on_case is not None:
                on_case(cases)
    return cases


def evaluate_resume(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Targets: redone <= one interval at every kill, every rerun exact, WAN overhead within 5%."""
    out: list[dict[str, Any]] = []
    for c in cases:
        vendor = c["vendor"]
        if "kills" not in c:
            out.append({"vendor": vendor, "target": "resume", "value": c.get("error"), "met": False, "detail": ""})
            continue
        worst = max(k["requests_redone"] for k in c["kills"])
        out.append({"vendor": vendor, "target": f"requests redone <= one interval ({c['interval']['requests_bound']})",
                    "value": worst, "met": all(k["within_interval"] for k in c["kills"]), "detail": ""})
        out.append({"vendor": vendor, "target": "every rerun exact", "value": sum(k["exact"] for k in c["kills"]),
                    "met": all(k["exact"] for k in c["kills"]), "detail": ""})
        wan = c.get("wan", {})
        if "overhead" in wan:
            out.append({"vendor": vendor, "target": "checkpoint overhead <= 5% (WAN scenario: documented limits, "
                        f"120 ms, {wan.get('size')})", "value": wan["overhead"],
                        "met": wan["overhead"] is not None and wan["overhead"] <= 0.05, "detail": ""})
        latency = c.get("latency", {})
        if "overhead" in latency:  # reported beside the target: what bounds it without the limits' waits
            out.append({"vendor": vendor, "target": f"checkpoint overhead, 120 ms with rate limits off ({c['size']}), "
                        "reported", "value": latency["overhead"], "met": None, "detail": ""})
    return out

