"""``hr-elt status --html FILE``: one self-contained page (inline CSS and SVG, nothing fetched).

First an overview, one row per vendor/tenant/destination: fresh and healthy or not, the age of the
last successful load, the last attempt, the open warnings, or why its warehouse cannot be read.
Then per target: its problems, the recent runs (rows and duration as small inline SVG bar charts,
coloured by status), the field coverage of the latest load (only the fields that are not ok; the
ok ones folded under a count) and the schema changes, when the coverage step made those tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from pipelines.report.status import RunRow, TargetStatus, age_text

CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0}h3{font-size:14px;margin:16px 0 6px;color:#4a5264}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:16px 20px;margin:16px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;margin-left:8px}
.ok{background:#d8f3e0;color:#16623a}.bad{background:#fde0de;color:#8f1d14}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eef0f3}
th{color:#4a5264;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.absent td{background:#fde0de}tr.empty td{background:#fff3cd}tr.regression td{background:#f9d6f0}
.status-failed{color:#8f1d14;font-weight:600}.status-partial{color:#9a6200;font-weight:600}
.charts{display:flex;gap:24px;flex-wrap:wrap}.chart figcaption{font-size:12px;color:#4a5264}
ul.problems{margin:8px 0 0;padding-left:20px;color:#8f1d14}.meta{color:#4a5264;font-size:12px}
table.overview td,table.overview th{padding:6px 10px;font-size:14px}table.overview tr.bad td:first-child{
border-left:4px solid #c9372c}table.overview tr.ok td:first-child{border-left:4px solid #2f9e5b}
.unreadable{color:#8f1d14}details{margin:6px 0}summary{cursor:pointer;color:#4a5264}
"""

COLOURS = {"ok": "#2f9e5b", "partial": "#d99100", "failed": "#c9372c"}


def render_page(statuses: list[TargetStatus], max_age: timedelta, now: datetime) -> str:
    """The whole page as text."""
    healthy = sum(1 for s in statuses if s.healthy)
    body = [f"<h1>hr-elt status</h1><p class=\"meta\">checked {escape(now.isoformat(timespec='seconds'))}, "
            f"max age {escape(age_text(max_age))}: {healthy} of {len(statuses)} fresh and healthy</p>"]
    body.append(overview_table(statuses, now))
    body += [target_section(s, now) for s in statuses]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>hr-elt status</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")


def open_warnings(s: TargetStatus) -> int:
    """Warnings still open: the latest attempt's (coverage findings among them), at least the open coverage rows."""
    latest = s.runs[0] if s.runs else None
    return max(len(s.open_coverage), len(latest.warnings) if latest is not None else 0)


def overview_table(statuses: list[TargetStatus], now: datetime) -> str:
    """One row per vendor/tenant/destination, unhealthy ones first: the page's first answer."""
    rows = []
    for s in sorted(statuses, key=lambda t: (t.healthy, t.vendor, t.tenant or "", t.destination)):
        latest = s.runs[0] if s.runs else None
        if s.unreadable is not None:
            age = attempt = f'<span class="unreadable">cannot read the warehouse: {escape(s.unreadable)}</span>'
            cells = f'<td colspan="3">{age}</td>'
        else:
            success = age_text(now - s.last_success.ended_at) + " ago" if s.last_success else "never"
            attempt = (f'<span class="status-{escape(latest.status)}">{escape(latest.status)}</span> '
                       f"{escape(age_text(now - latest.ended_at))} ago" if latest else "none")
            cells = (f'<td class="num">{escape(success)}</td><td>{attempt}</td>'
                     f'<td class="num">{open_warnings(s)}</td>')
        state = "fresh and healthy" if s.healthy else "NOT OK"
        rows.append(f'<tr class="{"ok" if s.healthy else "bad"}" data-vendor="{escape(s.vendor)}" '
                    f'data-tenant="{escape(s.tenant or "")}" data-destination="{escape(s.destination)}">'
                    f"<td>{escape(s.vendor)}</td><td>{escape(s.tenant or 'default')}</td>"
                    f"<td>{escape(s.destination or '?')} <span class=\"meta\">{escape(s.location)}</span></td>"
                    f'<td><span class="badge {"ok" if s.healthy else "bad"}">{state}</span></td>{cells}</tr>')
    return ('<section class="overview"><h2>Overview</h2><table class="overview"><tr><th>vendor</th><th>tenant</th>'
            "<th>destination</th><th>state</th><th>last success</th><th>last attempt</th><th>open warnings</th></tr>"
            + "".join(rows) + "</table></section>")


def target_section(s: TargetStatus, now: datetime) -> str:
    """One vendor/tenant/destination."""
    badge = '<span class="badge ok">OK</span>' if s.healthy else '<span class="badge bad">NOT OK</span>'
    parts = [f'<section class="target" data-vendor="{escape(s.vendor)}" data-tenant="{escape(s.tenant or "")}" '
             f'data-healthy="{str(s.healthy).lower()}"><h2>{escape(s.label)}{badge}</h2>',
             f'<p class="meta">pipeline {escape(s.pipeline_name)}, dataset {escape(s.dataset)}'
             + (f", last success {escape(age_text(now - s.last_success.ended_at))} ago" if s.last_success else "")
             + "</p>"]
    if s.problems:
        parts.append('<ul class="problems">' + "".join(f"<li>{escape(p)}</li>" for p in s.problems) + "</ul>")
    if s.runs:
        runs = list(reversed(s.runs))  # oldest first, left to right
        parts.append('<h3>Recent runs</h3><div class="charts">'
                     + bar_chart("rows", "Rows per run", runs, lambda r: float(sum(r.rows.values())))
                     + bar_chart("duration", "Duration per run (s)", runs, lambda r: r.seconds) + "</div>")
        parts.append(runs_table(s.runs))
    if s.cursors:
        parts.append("<h3>Cursors</h3><table><tr><th>resource.cursor</th><th>last value</th></tr>"
                     + "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in s.cursors.items())
                     + "</table>")
    if s.unreadable is not None:
        parts.append(f'<p class="unreadable">The warehouse cannot be read: {escape(s.unreadable)}. What it holds '
                     "(runs, coverage, schema changes) is unknown until it can.</p>")
    if s.coverage:
        parts.append(coverage_table(s.coverage))
    if s.schema_changes:
        parts.append(schema_changes_table(s.schema_changes))
    parts.append("</section>")
    return "".join(parts)


def bar_chart(kind: str, title: str, runs: list[RunRow], value: Any, width: int = 360, height: int = 90) -> str:
    """An inline SVG bar chart of one value per run."""
    values = [max(0.0, float(value(r))) for r in runs]
    top = max(values) or 1.0
    step = width / max(len(values), 1)
    bars = []
    for i, (run, v) in enumerate(zip(runs, values, strict=True)):
        h = (height - 14) * v / top
        label = f"{run.ended_at.isoformat(timespec='seconds')} {run.status}: {v:g}"
        bars.append(f'<rect class="bar status-{escape(run.status)}" x="{i * step + 1:.1f}" y="{height - h:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="{COLOURS.get(run.status, "#888")}">'
                    f"<title>{escape(label)}</title></rect>")
    return (f'<figure class="chart" data-chart="{kind}"><svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'<text x="0" y="10" font-size="10" fill="#4a5264">max {top:.4g}</text>{"".join(bars)}</svg>'
            f"<figcaption>{escape(title)}</figcaption></figure>")


def runs_table(runs: list[RunRow]) -> str:
    """The recent runs, newest first."""
    rows = "".join(
        f'<tr class="run"><td>{escape(r.ended_at.isoformat(timespec="seconds"))}</td>'
        f'<td class="status-{escape(r.status)}">{escape(r.status)}</td><td class="num">{sum(r.rows.values())}</td>'
        f'<td class="num">{r.seconds:.1f}</td><td class="num">{r.requests}</td>'
        f"<td>{escape(r.error or '; '.join(r.warnings))}</td></tr>" for r in runs)
    return ("<table class=\"runs\"><tr><th>ended</th><th>status</th><th>rows</th><th>seconds</th><th>requests</th>"
            f"<th>error / warnings</th></tr>{rows}</table>")


def coverage_table(coverage: list[dict[str, Any]]) -> str:
    """The latest coverage: fields that are not ok as a table, the ok ones folded under their count."""
    header = ("<tr><th>resource</th><th>field</th><th>column</th><th>rows</th><th>present</th><th>non-null</th>"
              "<th>status</th></tr>")
    bad = [c for c in coverage if c.get("status") != "ok"]
    good = [c for c in coverage if c.get("status") == "ok"]
    parts = ["<h3>Field coverage (latest load)</h3>"]
    if bad:
        parts.append(f'<table class="coverage">{header}{"".join(_coverage_row(c) for c in bad)}</table>')
    else:
        parts.append(f'<p class="meta">every one of the {len(good)} fields measured is ok</p>')
    if good:
        parts.append(f'<details class="coverage-ok"><summary>{len(good)} field(s) ok</summary>'
                     f'<table class="coverage">{header}{"".join(_coverage_row(c) for c in good)}</table></details>')
    return "".join(parts)


def _coverage_row(c: dict[str, Any]) -> str:
    return (f'<tr class="{escape(str(c.get("status")))}"><td>{escape(str(c.get("resource")))}</td>'
            f'<td>{escape(str(c.get("field")))}</td><td>{escape(str(c.get("column_name")))}</td>'
            f'<td class="num">{c.get("rows")}</td><td class="num">{c.get("present_rows")}</td>'
            f'<td class="num">{c.get("non_null_rows")}</td><td>{escape(str(c.get("status")))}</td></tr>')


def schema_changes_table(changes: list[dict[str, Any]]) -> str:
    """Schema changes, newest first."""
    rows = "".join(
        f'<tr class="change"><td>{escape(str(c.get("changed_at")))}</td><td>{escape(str(c.get("table_name")))}</td>'
        f'<td>{escape(str(c.get("column_name") or ""))}</td><td>{escape(str(c.get("change")))}</td>'
        f'<td>{escape(str(c.get("detail") or ""))}</td></tr>' for c in changes)
    return ("<h3>Schema changes</h3><table class=\"schema-changes\"><tr><th>when</th><th>table</th><th>column</th>"
            "<th>change</th><th>detail</th></tr>" + rows + "</table>")
