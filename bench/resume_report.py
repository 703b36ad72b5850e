"""The resume scenario's table in docs/benchmarks.md, in a block of its own (``--resume only`` rewrites just it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

START = "<!-- bench-resume:start -->"
END = "<!-- bench-resume:end -->"


def _pct(x: Any) -> str:
    return "–" if x is None else f"{x * 100:+.1f}%"


def resume_table(cases: list[dict[str, Any]]) -> list[str]:
    rows = ["| vendor | size | full run requests | killed at (answered) | requests redone / bound | seconds lost "
            "(since the last commit) | attempt + rerun s (clean s) | loads, attempt + rerun | exact |",
            "|---|---|--:|--:|--:|--:|--:|--:|---|"]
    for c in cases:
        if "kills" not in c:
            rows.append(f"| {c['vendor']} | {c.get('size', '')} | failed: {c.get('error', '')} | | | | | | |")
            continue
        bound = c["interval"]["requests_bound"]
        for k in c["kills"]:
            rows.append(
                f"| {c['vendor']} | {c['size']} | {c['full_requests']:,} | {k['fraction']:.0%} ({k['kill_after']:,}) | "
                f"{k['requests_redone']:,} / {bound:,} | {k['seconds_lost']} | "
                f"{k['attempt_s'] + k['rerun_s']:.1f} ({c['clean_s']:.1f}) | {k['rerun_loads']} | "
                f"{'yes' if k['exact'] else 'NO: ' + str(k['differences'])} |")
    return rows


def overhead_table(cases: list[dict[str, Any]]) -> list[str]:
    rows = ["| vendor | size | latency | checkpoints on s (loads) | off s (loads) | overhead | s per extra load | "
            "requests on / off | on equals off |",
            "|---|---|---|--:|--:|--:|--:|--:|---|"]
    for c in cases:
        for label, o in (("loopback", c.get("loopback")), ("**WAN**: 120 ms, documented limits", c.get("wan")),
                         ("120 ms, rate limits off", c.get("latency"))):
            if not o:
                continue
            size = o.get("size", c["size"])
            if "on_s" not in o:
                rows.append(f"| {c['vendor']} | {size} | {label} | failed: {o.get('error', '')} | | | | | |")
                continue
            rows.append(f"| {c['vendor']} | {size} | {label} | {o['on_s']:.1f} ({o['loads_on']}) | "
                        f"{o['off_s']:.1f} ({o['loads_off']}) | {_pct(o['overhead'])} | "
                        f"{o['extra_s_per_extra_load'] if o['extra_s_per_extra_load'] is not None else '–'} | "
                        f"{o['requests_on']:,} / {o['requests_off']:,} | {'yes' if o['exact'] else 'NO'} |")
    return rows


def resume_section(cases: list[dict[str, Any]], date: str, json_name: str) -> str:
    intervals = "; ".join(f"{c['vendor']}: {c['interval']['note']}, bound {c['interval']['requests_bound']} "
                          "requests" for c in cases if "interval" in c)
    return "\n".join([
        START,
        "",
        f"**Resume after a kill** (`bench/scenarios/resume.py`, {date}; raw numbers: "
        f"[`bench/results/{json_name}`](../bench/results/{json_name})): `hr-elt run` in a subprocess, a first "
        "sync SIGKILLed by the sandbox once it has answered 30, 50, 70 and 90% of a full run's requests, then "
        "run again to the end (loopback). *Requests redone*: the killed attempt's and the rerun's requests "
        "less the full run's, counted at the sandbox (a list the rerun reads whole again because every run "
        "reads it whole, ByteHR's small snapshot lists, is the rerun's own cost and left out; the JSON has "
        "both, per resource). *Seconds lost*: from the answer of the first request the "
        "rerun asks again to the kill. *Exact*: every table equals a clean run's, row for row (bookkeeping "
        f"columns `_dlt_*`, `_hr_*` left out). One interval, at the defaults: {intervals}.",
        "",
        *resume_table(cases),
        "",
        "**Checkpoint overhead of a full sync**: the defaults against an interval no run reaches (one load, as "
        "before checkpoints): on loopback; in the WAN scenario as `bench/wan.py` runs it (every request "
        "answered after 120 ms, the documented rate limits on, the scenario's size: the target, within 5%); "
        "and at 120 ms with rate limits off at the resume size (no minute window hides a chunk's fixed cost). "
        "A chunk's load runs behind the next chunk's extract; what stays in line is dlt's set-up of each "
        "extract and its normalize. *s per extra load*: the difference / the extra loads, what a checkpoint costs.",
        "",
        *overhead_table(cases),
        "",
        END,
    ])


def update_resume_block(page: Path, text: str) -> None:
    """Replaces the resume block of `page` (appends it when the page has none)."""
    current = page.read_text(encoding="utf-8")
    if START in current and END in current:
        new = current[: current.index(START)] + text + current[current.index(END) + len(END):]
    else:
        new = current.rstrip("\n") + "\n\n" + text + "\n"
    page.write_text(new, encoding="utf-8")
