"""``hr-elt check [vendor|all]``: is everything a run needs in place? One line per check, exit 1 on any error.

What it checks, in order, sending at most one request per vendor:

1. the configuration: unknown keys (each one an error here, a warning in a run) and dlt's own
   settings' ranges (``LOAD__WORKERS=0``);
2. per vendor (and tenant): its settings, as building its source checks them (missing credentials,
   out-of-range numbers, :mod:`sources._shared.bounds`), its PII keys (fail closed), and the PII
   columns against the loaded schema (:mod:`pipelines.run.pii_columns`);
3. per vendor: its credentials, with the one cheap request the vendor declares
   (:mod:`sources._shared.probe`). A request that spends a paid quota is sent only with ``--spend``;
   without it the line says what it would cost;
4. the destination: DuckDB's file can be opened for writing (none is created), Postgres and
   BigQuery accept a connection with the configured credentials (never printed).

Central code: it names no vendor; each vendor's probe is built by its own source.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt

from pipelines.run.config_check import unknown_keys
from pipelines.run.destinations import DESTINATIONS, destination_problem, resolve_destination
from pipelines.run.dlt_settings import check_dlt_settings
from pipelines.run.failures import error_line
from pipelines.run.naming import latest_pipeline_name
from pipelines.run.pii_columns import check_pii_columns
from pipelines.run.runner import build_source
from pipelines.run.tenants import Target, TenantError, run_targets, tenant_error_line
from sources import registry
from sources._shared.context import RunContext
from sources._shared.probe import probe_of


@dataclass(frozen=True)
class CheckLine:
    """One check's outcome.

    Attributes:
        subject: What was checked: ``config``, ``hollyhr``, ``destination duckdb``.
        ok: False for an error (the command exits 1).
        text: What was found, one line without secrets.
    """

    subject: str
    ok: bool
    text: str

    def __str__(self) -> str:
        status = "ok   " if self.ok else "error"
        if self.text.startswith((f"{self.subject}:", f"{self.subject} [")):  # an error line naming it already
            return f"{status} {self.text}"
        return f"{status} {self.subject}: {self.text}"


def check(vendor: str, destination: str = "duckdb", *, tenant: str | None = None, spend: bool = False,
          duckdb_path: str | None = None, pipelines_dir: str | None = None) -> Iterator[CheckLine]:
    """The checks of ``hr-elt check``, one :class:`CheckLine` each, as they finish.

    Args:
        vendor: A registered vendor, or ``all`` (every configured vendor and listed tenant).
        destination: ``duckdb``, ``postgres`` or ``bigquery``.
        tenant: Check this tenant's section (``[sources.<vendor>_<tenant>]``).
        spend: Send the credentials request even where it spends a paid quota.
        duckdb_path: DuckDB file, as ``hr-elt run --duckdb-path``.
        pipelines_dir: Where earlier runs kept their state (for what a request would cost).
    """
    targets, skipped = run_targets(vendor, tenant)
    yield from _config_lines({t.name for t in targets})
    for note in skipped:
        yield CheckLine(note.split(":", 1)[0], True, note.split(": ", 1)[1])
    for target in targets:
        yield from _target_lines(target, destination, spend, pipelines_dir)
    yield _destination_line(destination, duckdb_path)


def _config_lines(sections: set[str]) -> Iterator[CheckLine]:
    unknown = unknown_keys(sections)
    for key in unknown:
        yield CheckLine("config", False, key.line())
    try:
        check_dlt_settings("dlt")
    except Exception as exc:  # noqa: BLE001 - reported as the check's line
        yield CheckLine("config", False, str(exc))
        return
    if not unknown:
        yield CheckLine("config", True, "no unknown settings; dlt's worker and buffer settings in range")


def _target_lines(target: Target, destination: str, spend: bool, pipelines_dir: str | None) -> Iterator[CheckLine]:
    name = target.name

    def failed(exc: BaseException) -> CheckLine:
        return CheckLine(name, False, tenant_error_line(error_line(target.vendor, exc), target.vendor, target.tenant))

    try:
        policy = registry.pii_policy(target.vendor)
        pipeline = _saved_pipeline(name, pipelines_dir)
        loaded = pipeline is not None and bool(pipeline.default_schema_name)
        checked = check_pii_columns(policy, pipeline.default_schema if loaded else None)
    except Exception as exc:  # noqa: BLE001 - reported as the check's line
        yield failed(exc)
        return
    yield CheckLine(name, True, f"PII settings: {checked}")
    context = RunContext()
    try:
        source = build_source(target, destination, context=context)
    except Exception as exc:  # noqa: BLE001 - reported as the check's line
        yield failed(exc)
        return
    yield CheckLine(name, True, "settings valid")
    probe = probe_of(source)
    if probe is None:
        yield CheckLine(name, True, "credentials not checked: the vendor declares no cheap request to prove them")
        return
    if probe.spends_quota and not spend:
        state = _source_state(pipeline, source.name)
        cost = probe.cost(state) if state is not None else None
        price = cost or "1 request of the vendor's paid quota"
        yield CheckLine(name, True, f"credentials not checked: {probe.request} costs {price}; --spend sends it")
        return
    try:
        request_id = probe.send()
    except Exception as exc:  # noqa: BLE001 - reported as the check's line
        yield failed(exc)
        return
    rid = f", request_id {request_id}" if request_id else ""
    yield CheckLine(name, True, f"credentials accepted ({probe.request}{rid})")


def _saved_pipeline(name: str, pipelines_dir: str | None) -> Any:
    """The target's most recently run local pipeline, or None when it never ran here (nothing is created)."""
    from dlt.pipeline.exceptions import CannotRestorePipelineException

    latest = latest_pipeline_name(name, pipelines_dir)
    root = Path(pipelines_dir) if pipelines_dir else None
    if root is not None and not (root / latest).is_dir():
        return None
    try:
        return dlt.attach(pipeline_name=latest, pipelines_dir=pipelines_dir)  # type: ignore[arg-type]
    except CannotRestorePipelineException:
        return None


def _source_state(pipeline: Any, source_name: str) -> dict[str, Any] | None:
    if pipeline is None:
        return None
    state = (pipeline.state.get("sources") or {}).get(source_name)
    return dict(state) if isinstance(state, dict) else None


def _destination_line(destination: str, duckdb_path: str | None) -> CheckLine:
    subject = f"destination {destination}"
    try:
        ref = resolve_destination(destination, duckdb_path)
        if destination == "duckdb":
            return CheckLine(subject, True, f"{ref.location}: {_duckdb_writable(ref.location)}")
        with tempfile.TemporaryDirectory() as scratch:  # a throwaway pipeline: the user's state is untouched
            pipeline = dlt.pipeline(pipeline_name="hr_elt_check", destination=ref.destination,
                                    dataset_name="hr_elt_check", pipelines_dir=scratch)
            with pipeline.sql_client() as client:
                client.execute_sql("SELECT 1")
        return CheckLine(subject, True, f"{ref.location}: connected")
    except Exception as exc:  # noqa: BLE001 - reported as the check's line
        problem = destination_problem(destination, exc)
        return CheckLine(subject, False, str(problem or error_line(subject, exc)))


def _duckdb_writable(location: str) -> str:
    """Opens an existing DuckDB file for writing, or checks that its folder takes a new one.

    Raises:
        PermissionError: the file or its folder cannot be written.
        duckdb.Error: the file is not a DuckDB database, or another process holds it.
    """
    path = Path(location)
    if path.exists():
        if not os.access(path, os.W_OK):
            raise PermissionError(f"{path} is not writable")
        import duckdb

        duckdb.connect(str(path)).close()
        return "file opens for writing"
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise PermissionError(f"folder {folder} does not exist or is not writable")
    return "no file yet; its folder is writable (the first run creates it)"


def add_check_parser(sub: Any) -> None:
    """``hr-elt check [vendor|all] [--spend] ...`` (a sub-parser of ``hr-elt``)."""
    parser = sub.add_parser("check", help="validate the configuration, the destination and each vendor's "
                                          "credentials (at most one request per vendor)")
    parser.add_argument("vendor", nargs="?", default="all", choices=[*registry.names(), "all"])
    parser.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    parser.add_argument("--tenant", help="check this tenant's section [sources.<vendor>_<tenant>]")
    parser.add_argument("--spend", action="store_true",
                        help="also send the credentials request where it spends a paid quota")
    parser.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    parser.add_argument("--pipelines-dir", help="where dlt keeps pipeline state (default: dlt's)")


def check_command(args: Any) -> int:
    """Runs ``hr-elt check``: prints one line per check; 1 when any failed, else 0."""
    failed = 0
    try:
        for line in check(args.vendor, args.destination, tenant=args.tenant, spend=args.spend,
                          duckdb_path=args.duckdb_path, pipelines_dir=args.pipelines_dir):
            print(line, flush=True)
            failed += not line.ok
    except TenantError as exc:
        print(f"error config: {exc}")
        return 1
    return 1 if failed else 0
