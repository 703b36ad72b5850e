"""``hr-elt dbt``: ``dbt build`` of the project in ``dbt/`` over the loaded datasets, through dlt's dbt runner.

dlt's runner (``dlt.dbt.package``) takes the warehouse credentials from the same config the pipelines
use (``.dlt/secrets.toml``, env) and hands them to dbt as ``DLT__CREDENTIALS__*`` env vars, which
``dbt/profiles.yml`` reads. hr-elt adds what the project needs: which vendor datasets are loaded
(``hr_vendors``), their names per tenant (``<vendor>_schema``) and the dataset the unified model
lands in (``hr_unified``, or ``hr_unified_<tenant>``; staging views go to ``<that>_staging``).
"""

from __future__ import annotations

from pipelines.run.destinations import DESTINATIONS
from pipelines.run.destinations import destination_problem
from pipelines.run.tenants import configured_tenants

import importlib
import os
import sys
import time
import types
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dlt
from dlt.pipeline.pipeline import Pipeline

from pipelines.dbt.location import bundled_project_dir, dbt_missing, project_dir
from pipelines.dbt.timezone import build_timezone
from pipelines.run.destinations import make_destination
from pipelines.run.tenants import check_tenant, section_for
from sources import registry
from sources._shared import dlt_compat

if TYPE_CHECKING:  # dlt's dbt helpers are imported only when `hr-elt dbt` runs
    from dlt.common.runners import Venv
    from dlt.helpers.dbt.exceptions import DBTNodeResult

DBT_PROJECT_DIR = bundled_project_dir()  # the project shipped with hr-elt (dbt_location.py); None when missing
UNIFIED_DATASET = "hr_unified"  # not "hr": DuckDB would confuse the schema with the catalog of hr.duckdb
UNIFIED_MODELS = ("hr_employees", "hr_departments", "hr_time_off")


class DbtRunError(RuntimeError):
    """dbt could not run, or a model or error-severity test failed."""

    def __init__(self, message: str, nodes: list[DBTNodeResult] | None = None) -> None:
        super().__init__(message)
        self.nodes = nodes or []


@dataclass
class DbtResult:
    """What one ``dbt build`` did."""

    destination: str
    dataset: str
    vendors: list[str]
    tenant: str | None
    seconds: float = 0.0
    nodes: list[DBTNodeResult] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def statuses(self) -> dict[str, int]:
        """Nodes per dbt status (success, pass, warn, error, fail, skipped)."""
        return dict(Counter(node.status for node in self.nodes))


def current_venv() -> Venv:
    """The running interpreter's environment, for dlt's runner to start dbt in (dbt is an hr-elt extra).

    ``Venv.restore_current()`` finds the venv only through ``VIRTUAL_ENV``, i.e. when it was
    activated; ``.venv/bin/hr-elt`` runs without that, so point at this interpreter's bin dir.
    """
    from dlt.common.runners import Venv

    bin_path = os.path.dirname(sys.executable)
    if os.path.exists(os.path.join(bin_path, "python")):
        return Venv(types.SimpleNamespace(bin_path=bin_path, env_exe=sys.executable), current=True)
    return Venv.restore_current()


def project_vendors() -> list[str]:
    """The vendors the dbt project builds: the keys of ``vars.hr_conformed_models`` in its dbt_project.yml."""
    yaml = importlib.import_module("yaml")  # PyYAML, a dependency of dlt; typed or not depending on stubs

    config = yaml.safe_load((project_dir() / "dbt_project.yml").read_text()) or {}
    return list((config.get("vars") or {}).get("hr_conformed_models") or {})


def unified_dataset(tenant: str | None = None, dataset: str | None = None) -> str:
    """``hr_unified`` (or ``--dataset``), suffixed ``_<tenant>`` for a tenant."""
    base = dataset or UNIFIED_DATASET
    return f"{base}_{check_tenant(tenant)}" if tenant else base


def make_dbt_pipeline(
    destination: str = "duckdb",
    duckdb_path: str | None = None,
    pipelines_dir: str | None = None,
    tenant: str | None = None,
    dataset: str | None = None,
) -> Pipeline:
    """A dlt pipeline that loads nothing: it carries the destination, credentials and target dataset for dbt."""
    kwargs: dict[str, Any] = {"pipelines_dir": pipelines_dir} if pipelines_dir else {}
    pipeline: Pipeline = dlt.pipeline(
        pipeline_name=f"hr_dbt_{destination}" + (f"_{tenant}" if tenant else ""),
        destination=make_destination(destination, duckdb_path),
        dataset_name=unified_dataset(tenant, dataset),
        **kwargs,
    )
    return pipeline


def loaded_vendors(pipeline: Pipeline, tenant: str | None = None) -> tuple[list[str], list[str]]:
    """Vendors whose dataset holds every table their staging models read (``VendorSpec.dbt_tables``).

    Returns:
        The vendors found, and notes on the others.
    """
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    found: list[str] = []
    notes: list[str] = []
    with pipeline.sql_client() as client:
        # a vendor declaring no dbt tables has no staging models: it is not part of the unified model
        for vendor, tables in ((s.name, s.dbt_tables) for s in registry.specs() if s.dbt_tables):
            dataset = section_for(vendor, tenant)
            with client.with_alternative_dataset_name(dataset):
                if not client.has_dataset():
                    continue
                missing = []
                for table in tables:
                    try:
                        client.execute_sql(f"SELECT 1 FROM {client.make_qualified_table_name(table)} WHERE 1 = 0")
                    except DatabaseUndefinedRelation:
                        missing.append(table)
            if missing:
                notes.append(f"{vendor}: dataset {dataset} lacks {', '.join(missing)}; left out of the unified model")
            else:
                found.append(vendor)
    return found, notes


def vendors_to_build(pipeline: Pipeline, destination: str, tenant: str | None,
                     vendors: list[str] | None) -> tuple[list[str], list[str]]:
    """``vendors``, or every loaded one (with notes on those left out); DbtRunError when there is none."""
    notes: list[str] = []
    known = project_vendors()
    unknown = [v for v in vendors or [] if v not in known]
    if unknown:
        raise DbtRunError(f"dbt: --vendors names no vendor of the dbt project: {', '.join(unknown)} "
                          f"(known: {', '.join(known)}; hr_conformed_models in {project_dir() / 'dbt_project.yml'})")
    if vendors is None:
        vendors, notes = loaded_vendors(pipeline, tenant)
    if not vendors:
        where = f"tenant {tenant}'s datasets" if tenant else "the default datasets"
        raise DbtRunError(
            f"dbt: no loaded vendor dataset found in {where} on {destination}: run `hr-elt run all` first"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return list(vendors), notes


def dbt_vars(vendors: list[str], tenant: str | None, dataset: str) -> dict[str, Any]:
    """The vars ``dbt/dbt_project.yml`` declares."""
    values: dict[str, Any] = {"hr_vendors": vendors, "tenant": tenant or "", "destination_dataset_name": dataset,
                              "hr_timezone": build_timezone(vendors, tenant)}  # the history marts' "today"
    for vendor in registry.names():
        values[f"{vendor}_schema"] = section_for(vendor, tenant)
    return values


def run_dbt(
    destination: str = "duckdb",
    duckdb_path: str | None = None,
    pipelines_dir: str | None = None,
    tenant: str | None = None,
    dataset: str | None = None,
    vendors: list[str] | None = None,
    command: str = "build",
    select: str | None = None,
    full_refresh: bool = False,
    quiet: bool = False,
    variables: dict[str, Any] | None = None,
) -> DbtResult:
    """Runs ``dbt build`` (or ``run``/``test``) of ``dbt/`` on the warehouse the pipelines load.

    Args:
        destination: ``duckdb``, ``postgres`` or ``bigquery``; credentials from dlt's config providers.
        duckdb_path: DuckDB file (default ``hr_elt.duckdb_path`` or ``hr.duckdb``).
        pipelines_dir: Where dlt keeps the helper pipeline ``hr_dbt_<destination>[_<tenant>]`` (dbt's
            target/ and logs/ go there).
        tenant: Build over the tenant's datasets (``<vendor>_<tenant>``) into ``hr_unified_<tenant>``.
        dataset: Dataset of the unified model (default ``hr_unified``).
        vendors: Vendors to include (default: every vendor whose dataset is loaded).
        command: dbt command: ``build`` (models and tests), ``run`` or ``test``.
        select: dbt node selection (``--select``).
        full_refresh: Pass ``--full-refresh``.
        quiet: Only warnings and errors from dbt.
        variables: dbt vars over the ones hr-elt passes (e.g. ``hr_today``, docs/dbt-history.md).

    Raises:
        DbtRunError: nothing to build, or dbt failed (the failing nodes are in ``nodes``).
    """
    if command not in ("build", "run", "test"):
        raise ValueError(f"unknown dbt command {command!r}: build, run or test")
    from dlt.helpers.dbt.exceptions import DBTProcessingError

    started = time.perf_counter()
    pipeline = make_dbt_pipeline(destination, duckdb_path, pipelines_dir, tenant, dataset)
    vendors, notes = vendors_to_build(pipeline, destination, tenant, vendors)
    result = DbtResult(destination, pipeline.dataset_name, vendors, tenant, notes=notes)
    runner = dlt.dbt.package(pipeline, str(project_dir()), venv=current_venv())
    # hr-elt's own profiles: dlt's bundled DuckDB profile loads extensions dbt-duckdb would download
    runner.config.package_profiles_dir = str(project_dir())
    runner.config.runtime.log_level = "WARNING" if quiet else "INFO"
    work = Path(pipeline.working_dir)
    args = ["--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs")]
    if select:
        args += ["--select", select]
    if full_refresh and command != "test":
        args.append("--full-refresh")
    values = {**dbt_vars(result.vendors, tenant, result.dataset), **(variables or {})}
    previous = os.environ.get("DBT_SEND_ANONYMOUS_USAGE_STATS")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    try:
        nodes = dlt_compat.dbt_command(runner, command, args, values, result.dataset)
    except DBTProcessingError as error:
        failed = [n for n in (error.run_results or []) if n.status in ("error", "fail", "runtime error")]
        detail = "; ".join(f"{n.model_name}: {n.status}: {first_line(n.message)}" for n in failed[:5])
        raise DbtRunError(f"dbt {command} failed" + (f": {detail}" if detail else ""),
                          list(error.run_results or [])) from error
    finally:
        if previous is None:
            os.environ.pop("DBT_SEND_ANONYMOUS_USAGE_STATS", None)
        else:
            os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = previous
    result.nodes = list(nodes) if isinstance(nodes, (list, tuple)) else []
    if select and not result.nodes:  # dbt itself only warns and exits 0
        raise DbtRunError(f"dbt {command}: --select {select} matches no model or test of the project "
                          "(list them with `dbt ls` in dbt/)")
    result.seconds = time.perf_counter() - started
    if command != "test":
        result.rows = unified_row_counts(pipeline)
    return result


@dataclass
class FreshnessResult:
    """What ``dbt source freshness`` said."""

    returncode: int
    output: str
    sources: list[dict[str, Any]] = field(default_factory=list)


def run_freshness(
    destination: str = "duckdb",
    duckdb_path: str | None = None,
    pipelines_dir: str | None = None,
    tenant: str | None = None,
    dataset: str | None = None,
    vendors: list[str] | None = None,
    quiet: bool = False,
) -> FreshnessResult:
    """Runs ``dbt source freshness`` with the credentials dlt's runner would pass.

    dlt's runner puts its own options between dbt's command and subcommand, which ``dbt source
    freshness`` does not accept, so this starts dbt itself with the env vars the runner would set.
    """
    import json
    import shutil
    import subprocess

    from dlt.common.configuration.utils import add_config_to_env

    pipeline = make_dbt_pipeline(destination, duckdb_path, pipelines_dir, tenant, dataset)
    vendors, _ = vendors_to_build(pipeline, destination, tenant, vendors)
    runner = dlt.dbt.package(pipeline, str(project_dir()), venv=current_venv())
    saved = dict(os.environ)
    try:
        add_config_to_env(runner.credentials, ("dlt",))
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    work = Path(pipeline.working_dir)
    output = work / "dbt_target" / "sources.json"
    output.unlink(missing_ok=True)
    dbt = shutil.which("dbt", path=os.path.dirname(sys.executable)) or "dbt"
    command = [
        dbt, *(["--quiet"] if quiet else []), "source", "freshness",
        "--project-dir", str(project_dir()), "--profiles-dir", str(project_dir()),
        "--profile", str(runner.config.package_profile_name),
        "--target-path", str(work / "dbt_target"), "--log-path", str(work / "dbt_logs"),
        "--vars", json.dumps(dbt_vars(vendors, tenant, pipeline.dataset_name)),
        "--output", str(output),
    ]
    done = subprocess.run(command, env=env, cwd=str(project_dir()), capture_output=True, text=True, check=False)
    sources: list[dict[str, Any]] = []
    if output.exists():
        for item in json.loads(output.read_text()).get("results", []):
            name = ".".join(str(item.get("unique_id", "")).split(".")[-2:])
            sources.append({"name": name, "status": item.get("status"), "max_loaded_at": item.get("max_loaded_at")})
    return FreshnessResult(done.returncode, done.stdout + done.stderr, sources)


def unified_row_counts(pipeline: Pipeline) -> dict[str, dict[str, int]]:
    """Rows per provider in each unified model."""
    counts: dict[str, dict[str, int]] = {}
    with pipeline.sql_client() as client:
        for model in UNIFIED_MODELS:
            table = client.make_qualified_table_name(model)
            try:
                rows = client.execute_sql(f"SELECT provider, COUNT(*) FROM {table} GROUP BY provider ORDER BY provider")
            except Exception:  # a model left out by --select
                continue
            counts[model] = {str(provider): int(n) for provider, n in rows or []}
    return counts


def first_line(text: str | None) -> str:
    """The first non-empty line of a dbt message."""
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def format_dbt_summary(result: DbtResult) -> str:
    """A few lines: what ran, node statuses, rows per unified model and provider."""
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(result.statuses().items()))
    lines = [
        f"dbt: built {result.destination} dataset {result.dataset} from "
        f"{', '.join(section_for(v, result.tenant) for v in result.vendors)} "
        f"in {result.seconds:.1f}s ({statuses or 'nothing selected'})",
    ]
    for model, per_provider in result.rows.items():
        total = sum(per_provider.values())
        parts = ", ".join(f"{provider} {n}" for provider, n in per_provider.items())
        lines.append(f"  {model:<15} {total:>8} rows  ({parts})")
    lines += [f"  note: {note}" for note in result.notes]
    return "\n".join(lines)


def add_dbt_parser(sub: Any) -> None:
    """``hr-elt dbt``'s arguments (called by :func:`pipelines.cli.main.build_parser`)."""

    dbt = sub.add_parser("dbt", help="dbt build of dbt/ (staging + unified hr_* models) over the loaded datasets")
    dbt.add_argument("--destination", choices=DESTINATIONS, default="duckdb")
    dbt.add_argument("--duckdb-path", help="DuckDB file (default: hr_elt.duckdb_path or hr.duckdb)")
    dbt.add_argument("--pipelines-dir", help="where dlt keeps the hr_dbt_* helper pipeline (default: dlt's)")
    dbt.add_argument("--tenant", help="build over the tenant's datasets (<vendor>_<tenant>) into hr_unified_<tenant>")
    dbt.add_argument("--dataset", help=f"dataset of the unified model (default: {UNIFIED_DATASET})")
    dbt.add_argument("--vendors", help="comma-separated vendors to include (default: every loaded one)")
    dbt.add_argument("--dbt-command", choices=["build", "run", "test", "freshness"], default="build",
                     help="dbt command (default build: models and their tests; freshness: dbt source freshness)")
    dbt.add_argument("--select", help="dbt node selection, e.g. hr_employees+")
    dbt.add_argument("--full-refresh", action="store_true")
    dbt.add_argument("--all-tenants", action="store_true",
                     help="the default datasets (when loaded) and then every tenant in hr_elt.tenants, one build each")
    dbt.add_argument("--quiet", action="store_true", help="only dbt's warnings and errors")


def dbt_command(args: Any) -> int:
    """Runs ``hr-elt dbt``; prints a summary, or one line per failure; returns the exit code."""
    missing = dbt_missing()
    if missing:
        print(f"hr-elt: {missing}", file=sys.stderr)
        return 1
    if args.dbt_command == "freshness":
        return freshness_command(args)
    tenants: list[str | None] = [args.tenant]
    if args.all_tenants:
        tenants = [None, *all_configured_tenants()]
    failed = 0
    for tenant in tenants:
        try:
            result = run_dbt(
                destination=args.destination,
                duckdb_path=args.duckdb_path,
                pipelines_dir=args.pipelines_dir,
                tenant=tenant,
                dataset=args.dataset,
                vendors=[v.strip() for v in args.vendors.split(",") if v.strip()] if args.vendors else None,
                command=args.dbt_command,
                select=args.select,
                full_refresh=args.full_refresh,
                quiet=args.quiet,
            )
        except DbtRunError as exc:
            if args.all_tenants and tenant is None and not exc.nodes and "no loaded vendor" in str(exc):
                continue  # only tenants are loaded
            failed += 1
            print(f"hr-elt: {exc}", file=sys.stderr)
            continue
        except Exception as exc:  # noqa: BLE001 - one clear line per build, exit 1

            failed += 1
            problem = destination_problem(args.destination, exc)
            message = str(problem) if problem is not None else f"dbt: {first_line(str(exc)) or type(exc).__name__}"
            print(f"hr-elt: {message}", file=sys.stderr)
            continue
        print(format_dbt_summary(result))
    return 1 if failed else 0


def all_configured_tenants() -> list[str]:
    """Every tenant listed under ``hr_elt.tenants`` for any vendor, in order of first mention."""

    names: list[str] = []
    for vendor in registry.names():
        names += [t for t in configured_tenants(vendor) if t not in names]
    return names


def freshness_command(args: Any) -> int:
    """``hr-elt dbt --dbt-command freshness``: one line per source table; exit 1 when dbt says error."""
    try:
        result = run_freshness(
            destination=args.destination, duckdb_path=args.duckdb_path, pipelines_dir=args.pipelines_dir,
            tenant=args.tenant, dataset=args.dataset,
            vendors=[v.strip() for v in args.vendors.split(",") if v.strip()] if args.vendors else None,
            quiet=args.quiet,
        )
    except Exception as exc:  # noqa: BLE001 - one clear line, exit 1

        problem = destination_problem(args.destination, exc)
        print(f"hr-elt: {problem if problem is not None else first_line(str(exc))}", file=sys.stderr)
        return 1
    if not result.sources:
        print(result.output, file=sys.stderr)
    for source in result.sources:
        print(f"  {source['name']:<45} {source['status']:<6} last {source['max_loaded_at']}")
    return 0 if result.returncode == 0 else 1
