"""One measured run in its own process: ``python -m bench.worker SPEC.json``.

A fresh interpreter per run gives each run its own peak RSS (``ru_maxrss``) and keeps the
sandbox (served from the parent process) off this process's GIL. Modes:

* ``ours``: ``pipelines.app.run_vendor`` (the connector as ``hr-elt run`` runs it).
* ``baseline``: the vendor's plain ``rest_api`` source (``sandbox/<vendor>/baseline.py``) with dlt's defaults.
* ``probe``: the physical floor's two rates: the round trip of each endpoint (raw keep-alive
  ``http.client``, body read, not parsed) and DuckDB's Arrow insert rate for records of each resource.

The result is written as JSON to ``spec["result_path"]``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import traceback
from typing import Any


def _rss_mb() -> float:
    """Peak RSS of this process since its exec (VmHWM).

    Not ``ru_maxrss``: Linux carries it over from the forking parent, so a small run would
    report the bench's own size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


class RssSampler:
    """Samples this process's RSS every `interval` s, so a peak can be pinned to a dlt step."""

    def __init__(self, interval: float = 0.05) -> None:
        import threading

        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (unix time, MB)
        self._stop = threading.Event()
        self._page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with open("/proc/self/statm", encoding="ascii") as f:
                    resident = int(f.read().split()[1])
                self.samples.append((time.time(), resident * self._page_mb))
            except OSError:
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peaks(self, trace: Any) -> dict[str, float]:
        """Peak RSS (MB) within each dlt step of `trace`."""
        out: dict[str, float] = {}
        for step in getattr(trace, "steps", None) or []:
            if step.step not in ("extract", "normalize", "load") or not (step.started_at and step.finished_at):
                continue
            start, end = step.started_at.timestamp(), step.finished_at.timestamp()
            inside = [mb for t, mb in self.samples if start <= t <= end]
            if inside:
                out[step.step] = round(max(inside), 1)
        return out


def _phases(trace: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for step in getattr(trace, "steps", None) or []:
        if step.step in ("extract", "normalize", "load") and step.finished_at and step.started_at:
            out[step.step] = round((step.finished_at - step.started_at).total_seconds(), 3)
    return out


def _row_counts(trace: Any) -> dict[str, int]:
    info = getattr(trace, "last_normalize_info", None)
    if info is None:
        return {}
    return {t: int(n) for t, n in sorted(info.row_counts.items()) if not t.startswith("_dlt")}


def run_ours(spec: dict[str, Any]) -> dict[str, Any]:
    from pipelines.app import run_vendor  # here: a baseline worker must not load our code (its RSS is measured)

    with RssSampler() as rss:
        started = time.perf_counter()
        result = run_vendor(spec["vendor"], destination=spec["destination"], pipelines_dir=spec["pipelines_dir"],
                            duckdb_path=spec.get("duckdb_path"), source_kwargs=spec.get("source_kwargs") or None)
        seconds = time.perf_counter() - started
    trace = result.load_info.pipeline.last_trace if result.load_info is not None else None  # type: ignore[attr-defined]
    return {"seconds": seconds, "phases": _phases(trace), "tables": _row_counts(trace),
            "rss_mb_by_phase": rss.peaks(trace), "client_requests": result.requests, "notes": list(result.notes)}


def run_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    import dlt

    from bench.baseline import make_source  # here: our worker must not load the baseline (its RSS is measured)

    rss = RssSampler().__enter__()
    started = time.perf_counter()
    if spec["destination"] == "duckdb":
        destination = dlt.destinations.duckdb(credentials=spec["duckdb_path"])
    else:
        destination = dlt.destinations.postgres(credentials=spec["postgres_url"])
    pipeline = dlt.pipeline(pipeline_name=f"baseline_{spec['vendor']}", pipelines_dir=spec["pipelines_dir"],
                            destination=destination, dataset_name=spec["vendor"])
    source = make_source(spec["vendor"], dict(os.environ), **(spec.get("baseline_kwargs") or {}))
    pipeline.run(source)
    seconds = time.perf_counter() - started
    rss.__exit__()
    trace = pipeline.last_trace
    return {"seconds": seconds, "phases": _phases(trace), "tables": _row_counts(trace),
            "rss_mb_by_phase": rss.peaks(trace)}


# --- probe -----------------------------------------------------------------------------------


def _fetch_all(host: str, port: int, targets: list[str], headers: dict[str, str],
               repeat: int) -> tuple[float, list[bytes]]:
    import http.client
    import socket

    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    bodies: list[bytes] = []

    def get(target: str) -> bytes:
        conn.request("GET", target, headers=headers)
        answer = conn.getresponse()
        body = answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"probe GET {target} answered {answer.status}: {body[:200]!r}")
        return body

    for target in targets[:3]:  # warm-up: connection, server caches
        get(target)
    started = time.perf_counter()
    n = 0
    for _ in range(repeat):
        for target in targets:
            body = get(target)
            n += 1
            if len(bodies) < len(targets):
                bodies.append(body)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed / n, bodies


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """One level of columns, nested values as JSON text: what any loader has to write at least."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for k, v in value.items():
                out[f"{key}__{k}"] = json.dumps(v) if isinstance(v, (dict, list)) else v
        elif isinstance(value, list):
            out[key] = json.dumps(value)
        else:
            out[key] = value
    return out


def _arrow_rate(records: list[dict[str, Any]], rows: int, workdir: str) -> float:
    import duckdb
    import pyarrow as pa

    flat = [_flat(r) for r in records]
    sample = pa.Table.from_pylist(flat)
    table = pa.concat_tables([sample] * max(1, rows // max(1, sample.num_rows)))
    path = os.path.join(workdir, f"arrow_{time.perf_counter_ns()}.duckdb")
    con = duckdb.connect(path)
    try:
        con.register("arrow_rows", table)
        started = time.perf_counter()
        con.execute("create table t as select * from arrow_rows")
        elapsed = time.perf_counter() - started
    finally:
        con.close()
        os.remove(path)
    return table.num_rows / elapsed


def _records(body: bytes, selector: str | None, pivot: str | None) -> list[dict[str, Any]]:
    payload = json.loads(body)
    if selector:
        payload = payload[selector]
    records = payload if isinstance(payload, list) else [payload]
    if pivot:  # a list of {key, value} becomes one nested object keyed by key, as the connector does
        records = [{**r, pivot: {f["key"]: f.get("value") for f in r.get(pivot) or []}} for r in records]
    return records


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    """Round trip per endpoint and Arrow insert rate per resource."""
    out: dict[str, Any] = {"rtt_ms": {}, "arrow_rows_per_s": {}}
    headers = dict(spec.get("headers") or {})
    login = spec.get("login")
    if login:
        import requests

        answer = requests.post(login["url"], json=login["body"], timeout=30)
        answer.raise_for_status()
        headers["Authorization"] = f"Bearer {answer.json()['token']}"
    with tempfile.TemporaryDirectory() as workdir:
        for item in spec["endpoints"]:
            per_request, bodies = _fetch_all(spec["host"], spec["port"], item["targets"], headers, item["repeat"])
            out["rtt_ms"][item["resource"]] = round(per_request * 1000, 4)
            if item.get("arrow"):
                records = [r for b in bodies for r in _records(b, item.get("selector"), item.get("pivot"))]
                if records:
                    out["arrow_rows_per_s"][item["resource"]] = round(_arrow_rate(records, spec["arrow_rows"], workdir))
    return out


def _die_with_parent() -> None:
    """Linux: end this run when the bench that started it ends (e.g. on Ctrl-C)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> None:
    _die_with_parent()
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    result: dict[str, Any]
    try:
        if spec["mode"] == "ours":
            result = run_ours(spec)
        elif spec["mode"] == "baseline":
            result = run_baseline(spec)
        elif spec["mode"] == "probe":
            result = probe(spec)
        else:
            raise ValueError(f"unknown mode {spec['mode']!r}")
        result["ok"] = True
    except Exception as exc:  # reported to the parent, which records the case as failed
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000],
                  "traceback": traceback.format_exc()[-4000:]}
    result["rss_mb"] = round(_rss_mb(), 1)
    with open(spec["result_path"], "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
