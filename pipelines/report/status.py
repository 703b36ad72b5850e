"""``hr-elt status``: is every vendor/tenant/destination fresh and healthy? (exit 0 yes, 1 no).

Reads the pipelines under the pipelines dir (``pipelines.run.naming.pipelines_of``, ``dlt.attach``):
each one's destination from the record the run path keeps in its local state, its cursors from its
dlt state, and its ``_hr_elt_runs`` (and, when the coverage step made them, ``_hr_elt_field_coverage``
and ``_hr_elt_schema_changes``) from the destination through dlt's ``sql_client``.

A target is healthy when it has loaded successfully within ``--max-age``, its latest attempt did
not fail, its API key has not expired, and the latest coverage measurement has no absent, empty or
regressed field. Credentials are never printed: locations are the run path's (no password).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.pipeline import Pipeline

from pipelines.observe.history import RUNS_TABLE, as_timestamp, history_pipeline_name, utc_now
from pipelines.run.destinations import destination_problem, resolve_destination
from pipelines.run.failures import error_line
from pipelines.run.naming import LOCATION_KEY, pipelines_of
from pipelines.run.tenants import Target, configured_tenants
from sources import registry
from sources._shared.http.redaction import redact

COVERAGE_TABLE = "_hr_elt_field_coverage"
SCHEMA_CHANGES_TABLE = "_hr_elt_schema_changes"
OPEN_COVERAGE = ("absent", "empty", "regression")
DEFAULT_MAX_AGE = "26h"
RECENT_RUNS = 30

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}


def parse_age(text: str) -> timedelta:
    """``26h``, ``90m``, ``2d``, ``3600s`` (a bare number is hours).

    Raises:
        ValueError: not one of those forms.
    """
    match = _AGE.match(text)
    if not match:
        raise ValueError(f"--max-age {text!r}: use a number with s, m, h or d, e.g. 26h")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def age_text(delta: timedelta) -> str:
    """``3d 4h``, ``5h 12m``, ``42s``."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


@dataclass
class RunRow:
    """One ``_hr_elt_runs`` row as status reads it."""

    run_id: str
    status: str
    started_at: datetime
    ended_at: datetime
    requests: int
    rows: dict[str, int]
    quota_remaining: int | None
    quota_reset: datetime | None
    key_expires_at: datetime | None
    warnings: list[str]
    error: str | None

    @property
    def seconds(self) -> float:
        """Duration of the attempt."""
        return (self.ended_at - self.started_at).total_seconds()


@dataclass
class TargetStatus:
    """What status found for one pipeline (vendor, tenant, destination)."""

    vendor: str
    tenant: str | None
    pipeline_name: str
    destination: str = ""
    location: str = ""
    dataset: str = ""
    cursors: dict[str, Any] = field(default_factory=dict)
    runs: list[RunRow] = field(default_factory=list)
    """Recent attempts, newest first."""
    last_success: RunRow | None = None
    last_failure: RunRow | None = None
    coverage: list[dict[str, Any]] = field(default_factory=list)
    """The latest coverage measurement (every field), when the coverage table exists."""
    schema_changes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why this target is not fresh and healthy; empty when it is."""
    unreadable: str | None = None
    """Why its warehouse could not be read (locked, unreachable, credentials), or None when it was read."""

    @property
    def healthy(self) -> bool:
        """Fresh and healthy."""
        return not self.problems

    @property
    def open_coverage(self) -> list[dict[str, Any]]:
        """Coverage rows of the latest measurement with status absent, empty or regression."""
        return [c for c in self.coverage if c.get("status") in OPEN_COVERAGE]

    @property
    def label(self) -> str:
        """``hollyhr (tenant acme) -> duckdb /data/hr.duckdb``."""
        who = self.vendor + (f" (tenant {self.tenant})" if self.tenant else "")
        return f"{who} -> {self.destination or '?'} {self.location}".rstrip()

    def as_dict(self, now: datetime) -> dict[str, Any]:
        """JSON-ready values."""
        latest = self.runs[0] if self.runs else None
        return {
            "vendor": self.vendor, "tenant": self.tenant, "pipeline_name": self.pipeline_name,
            "destination": self.destination, "location": self.location, "dataset": self.dataset,
            "healthy": self.healthy, "problems": list(self.problems),
            "last_success": _run_dict(self.last_success, now),
            "last_failure": _run_dict(self.last_failure, now),
            "last_status": latest.status if latest else None,
            "rows": dict(self.last_success.rows) if self.last_success else {},
            "cursors": self.cursors,
            "quota_remaining": latest.quota_remaining if latest else None,
            "quota_reset": _iso(latest.quota_reset) if latest else None,
            "key_expires_at": _iso(latest.key_expires_at) if latest else None,
            "coverage_warnings": [_plain(c) for c in self.open_coverage],
            "unreadable": self.unreadable,
        }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime) else v for k, v in row.items()}


def _run_dict(run: RunRow | None, now: datetime) -> dict[str, Any] | None:
    if run is None:
        return None
    values = _plain(asdict(run))
    values["age_seconds"] = round((now - run.ended_at).total_seconds(), 1)
    values["seconds"] = round(run.seconds, 3)
    return values


# --- finding the pipelines ----------------------------------------------------------------


def targets_of(vendor: str, pipelines_dir: str | None) -> list[Target]:
    """The vendor's default target, its configured tenants and tenants found in the pipelines dir."""
    tenants: list[str | None] = [None, *configured_tenants(vendor)]
    root = Path(pipelines_dir or get_dlt_pipelines_dir())
    pattern = re.compile(rf"^{re.escape(vendor)}_([a-z0-9][a-z0-9_]*?)(__[a-z]+_[0-9a-f]{{8}})?$")
    if root.is_dir():
        for path in sorted(root.iterdir()):
            match = pattern.match(path.name)
            if match and path.is_dir() and "__" not in match.group(1) and match.group(1) not in tenants:
                tenants.append(match.group(1))
    return [Target(vendor, tenant) for tenant in tenants]


def collect(vendor: str, pipelines_dir: str | None, max_age: timedelta,
            now: datetime | None = None) -> list[TargetStatus]:
    """The status of every pipeline of `vendor` (or ``all``) in the pipelines dir.

    A vendor named explicitly with no pipeline here is one unhealthy entry ("never run here").
    """
    now = now or utc_now()
    vendors = registry.names() if vendor == "all" else [registry.get(vendor).name]
    found: list[TargetStatus] = []
    for name in vendors:
        for target in targets_of(name, pipelines_dir):
            for pipeline_name in pipelines_of(target.name, pipelines_dir):
                found.append(read_target(target, pipeline_name, pipelines_dir, max_age, now))
        if vendor != "all" and not any(s.vendor == name for s in found):
            missing = TargetStatus(name, None, name)
            missing.problems.append(f"never run here (no pipeline of {name} in "
                                    f"{pipelines_dir or get_dlt_pipelines_dir()})")
            found.append(missing)
    return found


def read_target(target: Target, pipeline_name: str, pipelines_dir: str | None, max_age: timedelta,
                now: datetime) -> TargetStatus:
    """One pipeline's status; a destination that cannot be read is a problem of the entry, not an error."""
    status = TargetStatus(target.vendor, target.tenant, pipeline_name)
    kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
    pipeline = dlt.attach(pipeline_name=pipeline_name, **kwargs)
    status.dataset = pipeline.dataset_name or target.name
    try:
        record = pipeline.get_local_state_val(LOCATION_KEY)
    except KeyError:
        record = {}
    status.destination = str(record.get("kind") or "")
    status.location = str(record.get("location") or "")
    status.cursors = cursor_values(pipeline)
    try:
        destination = destination_for(status.destination, status.location, str(record.get("fingerprint") or ""))
        read_tables(status, pipeline_name, destination, pipelines_dir)
    except Exception as exc:
        status.unreadable = unreadable_reason(target.name, destination_problem(status.destination, exc) or exc)
        status.problems.append(f"cannot read the warehouse: {status.unreadable}")
        return status
    judge(status, max_age, now)
    return status


def unreadable_reason(name: str, exc: BaseException) -> str:
    """Why a warehouse could not be read, in one line without the target's name in front (never a secret)."""
    line = redact(error_line(name, exc))
    return line[len(name) + 2:] if line.startswith(f"{name}: ") else line


def destination_for(kind: str, location: str, fingerprint: str) -> Any:
    """The dlt destination a pipeline's record names, credentials from dlt's config.

    Raises:
        ValueError: no record, or the configured credentials point elsewhere than the record.
    """
    if not kind:
        raise ValueError("the pipeline has no destination on record: run it once with this hr-elt")
    ref = resolve_destination(kind, location if kind == "duckdb" else None)
    if fingerprint and ref.fingerprint != fingerprint:
        raise ValueError(f"the configured {kind} destination is {ref.location}, but this pipeline loads into "
                         f"{location}: point the {kind} credentials there to read it")
    return ref.destination


def cursor_values(pipeline: Pipeline) -> dict[str, Any]:
    """``resource.cursor_path -> last_value`` of every incremental in the pipeline's dlt state."""
    values: dict[str, Any] = {}
    for source_state in (pipeline.state.get("sources") or {}).values():
        for resource, resource_state in (source_state.get("resources") or {}).items():
            for cursor, inc in ((resource_state or {}).get("incremental") or {}).items():
                if isinstance(inc, dict) and "last_value" in inc:
                    value = inc["last_value"]
                    values[f"{resource}.{cursor}"] = value.isoformat() if isinstance(value, datetime) else value
    return dict(sorted(values.items()))


def read_tables(status: TargetStatus, pipeline_name: str, destination: Any, pipelines_dir: str | None) -> None:
    """Reads the run history (and the coverage tables, when present) from the destination."""
    kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
    runs_name = history_pipeline_name(pipeline_name)
    root = Path(pipelines_dir or get_dlt_pipelines_dir())
    if not (root / runs_name).is_dir():
        status.problems.append(f"no run history yet ({runs_name} has never run)")
        return
    reader = dlt.attach(pipeline_name=runs_name, destination=destination, dataset_name=status.dataset, **kwargs)
    with reader.sql_client() as client:
        present = existing_tables(client, status.dataset)
        if RUNS_TABLE not in present:
            status.problems.append(f"no {RUNS_TABLE} in dataset {status.dataset}")
            return
        runs = client.make_qualified_table_name(RUNS_TABLE)
        columns = "run_id, status, started_at, ended_at, requests, rows, quota_remaining, quota_reset, " \
                  "key_expires_at, warnings, error"
        status.runs = [run_row(r) for r in client.execute_sql(
            f"select {columns} from {runs} order by ended_at desc limit {RECENT_RUNS}") or ()]
        for kind, condition in (("last_success", "status = 'ok'"), ("last_failure", "status <> 'ok'")):
            rows = client.execute_sql(f"select {columns} from {runs} where {condition} order by ended_at desc limit 1")
            setattr(status, kind, run_row(rows[0]) if rows else None)
        if COVERAGE_TABLE in present:
            status.coverage = select_dicts(client, (
                f"select * from {client.make_qualified_table_name(COVERAGE_TABLE)} where load_id = "
                f"(select max(load_id) from {client.make_qualified_table_name(COVERAGE_TABLE)}) "
                "order by resource, field"))
        if SCHEMA_CHANGES_TABLE in present:
            status.schema_changes = select_dicts(client, (
                f"select * from {client.make_qualified_table_name(SCHEMA_CHANGES_TABLE)} "
                "order by changed_at desc limit 50"))


def existing_tables(client: Any, dataset: str) -> set[str]:
    """Tables of `dataset` (DuckDB and Postgres both have information_schema)."""
    literal = dataset.replace("'", "''")
    rows = client.execute_sql(f"select table_name from information_schema.tables where table_schema = '{literal}'")
    return {str(r[0]) for r in rows or ()}


def select_dicts(client: Any, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts, dlt's own columns left out."""
    with client.execute_query(sql) as cursor:
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    return [{k: v for k, v in zip(names, row, strict=True) if not k.startswith("_dlt")} for row in rows]


def _json(value: Any, empty: Any) -> Any:
    if value is None:
        return empty
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return empty
    return value


def run_row(row: Any) -> RunRow:
    """A ``_hr_elt_runs`` row (DuckDB hands JSON back as text, Postgres as values)."""
    (run_id, status, started, ended, requests, rows, quota, reset, expires, warnings, error) = row
    return RunRow(str(run_id), str(status), _aware(started), _aware(ended), int(requests or 0),
                  {str(k): int(v) for k, v in _json(rows, {}).items()}, None if quota is None else int(quota),
                  as_timestamp(reset), as_timestamp(expires), [str(w) for w in _json(warnings, [])], error)


def _aware(value: Any) -> datetime:
    parsed = as_timestamp(value)
    if parsed is None:
        raise ValueError(f"unreadable timestamp {value!r} in {RUNS_TABLE}")
    return parsed


def judge(status: TargetStatus, max_age: timedelta, now: datetime) -> None:
    """Fills ``problems``: stale, failing, key expired, open coverage warnings."""
    success = status.last_success
    if success is None:
        status.problems.append("never loaded successfully")
    elif now - success.ended_at > max_age:
        status.problems.append(f"stale: last successful load {age_text(now - success.ended_at)} ago "
                               f"(max age {age_text(max_age)})")
    latest = status.runs[0] if status.runs else None
    if latest is not None and latest.status != "ok":
        status.problems.append(f"latest run {latest.status}: {latest.error or 'no error recorded'}")
    if latest is not None and latest.key_expires_at is not None and latest.key_expires_at <= now:
        status.problems.append(f"API key expired at {_iso(latest.key_expires_at)}")
    open_rows = status.open_coverage
    if open_rows:
        fields = ", ".join(f"{c.get('resource')}.{c.get('field')} {c.get('status')}" for c in open_rows[:10])
        more = f" and {len(open_rows) - 10} more" if len(open_rows) > 10 else ""
        status.problems.append(f"{len(open_rows)} coverage warning(s): {fields}{more}")


# --- output -------------------------------------------------------------------------------


def format_status(statuses: list[TargetStatus], max_age: timedelta, now: datetime) -> str:
    """The human-readable report."""
    lines = []
    for s in statuses:
        lines.append(f"{s.label}: {'OK' if s.healthy else 'NOT OK'}  (pipeline {s.pipeline_name}, "
                     f"dataset {s.dataset or '?'})")
        ok = s.last_success
        if s.unreadable is not None:  # not "never": what the warehouse holds is unknown
            lines.append(f"  last success: unknown, the warehouse cannot be read ({s.unreadable})")
        elif ok is not None:
            total = sum(ok.rows.values())
            lines.append(f"  last success: {_iso(ok.ended_at)} ({age_text(now - ok.ended_at)} ago), "
                         f"{total} rows in {len(ok.rows)} table(s), {ok.requests} requests")
            lines += [f"    {table}: {n}" for table, n in ok.rows.items()]
        else:
            lines.append("  last success: never")
        if s.cursors:
            lines.append("  cursors: " + ", ".join(f"{k} = {v}" for k, v in s.cursors.items()))
        latest = s.runs[0] if s.runs else None
        if latest is not None and latest.quota_remaining is not None:
            reset = f" (resets {_iso(latest.quota_reset)})" if latest.quota_reset else ""
            lines.append(f"  quota left: {latest.quota_remaining}{reset}")
        if latest is not None and latest.key_expires_at is not None:
            lines.append(f"  key expires: {_iso(latest.key_expires_at)}")
        fail = s.last_failure
        if s.unreadable is None:
            lines.append(f"  last failure: {_iso(fail.ended_at)} ({fail.status}): {fail.error}" if fail
                         else "  last failure: none")
        open_rows = s.open_coverage
        lines.append(f"  coverage warnings: {len(open_rows)}" if s.coverage or open_rows else
                     "  coverage warnings: none measured")
        lines += [f"    {c.get('resource')}.{c.get('field')}: {c.get('status')}" for c in open_rows]
        lines += [f"  problem: {p}" for p in s.problems]
    healthy = sum(1 for s in statuses if s.healthy)
    lines.append(f"{healthy}/{len(statuses)} fresh and healthy (max age {age_text(max_age)})")
    return "\n".join(lines)


def status_json(statuses: list[TargetStatus], max_age: timedelta, now: datetime) -> str:
    """The machine-readable report."""
    return json.dumps({"healthy": bool(statuses) and all(s.healthy for s in statuses),
                       "checked_at": _iso(now), "max_age_seconds": max_age.total_seconds(),
                       "targets": [s.as_dict(now) for s in statuses]}, indent=2, default=str)
