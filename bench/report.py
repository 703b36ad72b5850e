"""Writes ``bench/results/<date>.json`` and the benchmark section of docs/benchmarks.md (between markers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
PHASE_LABEL = {"full": "full", "incremental": "1% changed", "unchanged": "unchanged"}


def write_json(results: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if results.get("mode") == "quick" else ""
    path = out_dir / f"{results['date']}{suffix}.json"
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _num(x: Any, digits: int = 1) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}"


def _x(x: Any) -> str:
    return "–" if x is None else f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| vendor | size | sync | dest | rows | requests: ours / floor / baseline | ours s | rows/s "
        "| baseline s | speedup vs baseline | ours / physical floor | extract / normalize / load s "
        "| peak RSS MB ours (baseline) |",
        "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for case in results["cases"]:
        if "phases" not in case:
            lines.append(f"| {case['vendor']} | {case['size']} | failed: {case.get('error', '?')[:80]} |"
                         + " |" * 10)
            continue
        for phase in ("full", "incremental", "unchanged"):
            entry = case["phases"][phase]
            dests = sorted({k.split("@")[1] for k in entry["runs"]}, key=lambda d: d != "duckdb")
            for dest in dests:
                ours = entry["runs"].get(f"ours@{dest}", {})
                base = entry["runs"].get(f"baseline@{dest}", {})
                cmp = entry.get("compare", {}).get(dest, {})
                if not ours.get("ok"):
                    lines.append(f"| {case['vendor']} | {case['size']} | {PHASE_LABEL[phase]} | {dest} "
                                 f"| failed: {ours.get('error', '?')[:80]} |" + " |" * 8)
                    continue
                ph = ours.get("phases", {})
                phases = " / ".join(_num(ph.get(k), 1) for k in ("extract", "normalize", "load"))
                base_req = _num(base.get("requests_total")) if base.get("ok") else "–"
                per_s = _num(ours.get("rows_per_s"), 0) if ours["rows"] else "–"
                speedup = _x(cmp.get("speedup_vs_baseline"))
                if cmp.get("speedup_vs_baseline_at_least") is not None:
                    speedup = f">= {_x(cmp['speedup_vs_baseline_at_least'])}"
                base_s = _num(base.get("seconds"), 1) if base.get("ok") else ("failed" if base else "–")
                base_rss = _num(base.get("rss_mb"), 0)
                if base.get("killed_after_seconds"):
                    base_s = f"stopped at {base['killed_after_seconds']:.0f}"
                    base_rss = "over cap"
                rss = f"{_num(ours.get('rss_mb'), 0)} ({base_rss})" if base else _num(ours.get("rss_mb"), 0)
                lines.append(
                    f"| {case['vendor']} | {case['size']} | {PHASE_LABEL[phase]} | {dest} | {_num(ours['rows'])} "
                    f"| {_num(ours['requests_total'])} / {_num(entry['floor']['requests_total'])} / {base_req} "
                    f"| {_num(ours['seconds'], 1)} | {per_s} | {base_s} "
                    f"| {speedup} | {_x(cmp.get('time_vs_physical_floor'))} "
                    f"| {phases} | {rss} |")
    return lines


def wan_table(results: dict[str, Any]) -> list[str]:
    """The WAN scenario (bench/wan.py), one row per vendor."""
    lines = [
        "| vendor | size | documented limit | elapsed s | requests / floor | 429s | rate floor s (busiest route) "
        "| concurrency used | latency floor s | elapsed / rate floor | rows |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for c in results.get("wan", []):
        if "seconds" not in c:
            lines.append(f"| {c['vendor']} | {c['size']} | failed: {str(c.get('error', '?'))[:80]} |" + " |" * 8)
            continue
        rate = f"{_num(c['rate_floor_s'], 1)} ({c['rate_floor_route']})" if c.get("rate_floor_s") else "none"
        lines.append(
            f"| {c['vendor']} | {c['size']} | {c['limit']} | {_num(c['seconds'], 1)} "
            f"| {_num(c['requests_total'])} / {_num(c['floor_requests'])} | {c['throttled']} | {rate} "
            f"| {c['concurrency']} | {_num(c['latency_floor_s'], 1)} | {_x(c.get('vs_rate_floor'))} "
            f"| {_num(c['rows'])} |")
    return lines


def targets(results: dict[str, Any]) -> list[str]:
    lines = ["| vendor | target | measured | met |", "|---|---|---|---|"]
    for t in results.get("targets", []):
        value = t["value"]
        if isinstance(value, dict):
            shown = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, float):
            shown = _x(value) if "RSS" not in t["target"] else f"{value:.2f}x ({t['detail']})"
            if t.get("detail", "").startswith("at least"):
                shown = f">= {shown} ({t['detail']})"
        else:
            shown = str(value)
        met = "yes" if t["met"] else "no" if t["met"] is not None else "–"
        lines.append(f"| {t['vendor']} | {t['target']} | {shown} | {met} |")
    return lines


def floors(results: dict[str, Any]) -> list[str]:
    lines = ["| vendor | size | round trip ms per request (by endpoint) | DuckDB Arrow insert, rows/s (by resource) |",
             "|---|---|---|---|"]
    for case in results["cases"]:
        probe = case.get("probe")
        if not probe:
            continue
        rtt = ", ".join(f"{k} {v:.2f}" for k, v in probe["rtt_ms"].items() if k != "login")
        rates = ", ".join(f"{k} {v / 1e6:.1f}M" for k, v in probe["arrow_rows_per_s"].items())
        lines.append(f"| {case['vendor']} | {case['size']} | {rtt} | {rates} |")
    return lines


def _max_load(results: dict[str, Any]) -> float:
    loads = [run.get("loadavg_before", 0.0) for case in results["cases"]
             for entry in case.get("phases", {}).values() for run in entry["runs"].values()]
    return max(loads, default=0.0)


def floor_notes(results: dict[str, Any]) -> str:
    """The fixed costs each benched vendor's scenario declares, joined for docs/benchmarks.md."""
    from bench.specs import scenario_class

    notes = [scenario_class(v).floor_note for v in results["options"]["vendors"]]
    return "; ".join(n for n in notes if n) or "none"


def section(results: dict[str, Any], json_name: str, notes: list[str] | None = None) -> str:
    m = results["machine"]
    pk = m["packages"]
    wan: list[str] = []
    if results.get("wan"):
        service = results["wan"][0].get("service_s", 0.12)
        wan = [
            f"**What a user waits for** (the WAN scenario, `bench/wan.py`): each vendor's sandbox answers every "
            f"request after {service * 1000:.0f} ms and enforces the vendor's documented limits; one full sync "
            "into DuckDB with default settings. *Rate floor*: the busiest route's requests / its sustained "
            "per-second limit (CuteHR: all requests at 2 a second; ByteHR has no short-term limit). *Latency "
            "floor*: requests x service time / the most requests in flight at once (counted at the sandbox). "
            "HollyHR's window is fixed, so one window's 600 requests may go in a burst: a sync under two "
            "windows can come in below the sustained-rate floor.",
            "",
            *wan_table(results),
            "",
            "**CPU and memory** (the loopback scenario):",
            "",
        ]
    head = [
        START,
        "",
        f"Generated by `make bench` ({results['mode']} sizes) on {results['date']}: {m['cpus']} CPUs, Python "
        f"{m['python']}, dlt {pk.get('dlt')}, duckdb {pk.get('duckdb')}, pyarrow {pk.get('pyarrow')}; "
        f"{results['seconds']:.0f} s in all. Raw numbers: [`bench/results/{json_name}`](../bench/results/{json_name}).",
        "",
        *wan,
        "Each vendor's sandbox runs with rate limits off; every run is a fresh process (its peak RSS is its own) "
        "against the same data. *Baseline*: the plain dlt `rest_api` source a user would write from the vendor's "
        "docs (`sandbox/<vendor>/baseline.py`), dlt defaults (INSERT statements into DuckDB); it runs the "
        "full sync at every size and the 1% change below the biggest size, and is stopped once it has taken "
        f"{results['options'].get('baseline_stop_factor', 5):g}x as long as ours (the ratio then reads `>=`). "
        "*Floor* (requests): `ceil(rows / max page size)` per resource, child requests only for changed people, "
        f"plus the vendor's fixed costs ({floor_notes(results)}). "
        "*Physical floor* (time): floor requests x the sandbox's round trip + "
        "rows / DuckDB's Arrow insert rate, both measured in the same run. *1% changed*: 1% of each resource's "
        "records changed after the full sync; *unchanged*: a second run with nothing changed. "
        f"Highest load average seen before a run: {_max_load(results):.1f}. What bounds each missed target, "
        "and the connector changes that would move it: [`bench/README.md`](../bench/README.md).",
        "",
        *table(results),
        "",
        "Targets:",
        "",
        *targets(results),
        "",
        "Physical floor inputs, measured in the same run:",
        "",
        *floors(results),
        "",
    ]
    if notes:
        head += [*notes, ""]
    head.append(END)
    return "\n".join(head)


def update_readme(readme: Path, text: str) -> None:
    current = readme.read_text(encoding="utf-8")
    if START in current and END in current:
        before = current[: current.index(START)]
        after = current[current.index(END) + len(END):]
        new = before + text + after
    else:
        new = current.rstrip("\n") + "\n\n## Benchmarks\n\n" + text + "\n"
    readme.write_text(new, encoding="utf-8")
