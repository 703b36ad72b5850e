"""Destinations: which ones hr-elt supports, how each loads fastest, how a source's tables are shaped.

Everything destination-specific lives here:

- :data:`FILE_FORMATS` / :func:`loader_file_format`: the load file format per destination.
- :func:`make_destination`: the dlt destination, credentials from dlt's config providers.
- :func:`adapt_source`: per-destination table hints, applied by the run path (``pipelines.run.runner.build_source``).
- :func:`destination_problem`: one clear line for missing or wrong destination credentials.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration import ConfigurationValueError
from dlt.common.destination import Destination
from dlt.common.normalizers.naming.snake_case import NamingConvention
from dlt.sources import DltResource, DltSource

from pipelines.run.destination_causes import duckdb_locked, shorten, unreachable
from sources import registry
from sources._shared.errors import exception_chain
from sources._shared.http.redaction import redact
from sources._shared.spec import BigQueryLayout

DESTINATIONS = ("duckdb", "postgres", "bigquery")
DEFAULT_DUCKDB_PATH = "hr.duckdb"
# DuckDB's own default is 80% of RAM: merging 400k-1.3M rows then holds 550-650 MB in the
# pipeline's process (bench/README.md "Memory"). DuckDB spills to `<db>.tmp` above the limit.
# Measured on CuteHR 100k/1M (peak RSS of the load step, load seconds): 512MB
# 646 MB, 2.1 s; 256MB 572 MB, 2.3 s; 128MB 476 MB, 2.6 s (2 cores, 2 threads).
# DuckDB asks for ~125 MB per thread, so 128MB goes with one thread. Measured 2026-11-30, 256MB
# and 2 threads -> 128MB and 1 thread (peak RSS of the run, load seconds): ByteHR 100k 498 -> 395 MB,
# 1.8 -> 1.7 s; CuteHR 100k/1M 568 -> 481 MB, 3.3 -> 3.4 s. On a machine with many cores and
# big loads raise both (or set them empty: DuckDB's own defaults).
# With one load job at a time (below), the CuteHR 100k/1M load step alone (fresh process, peak RSS,
# seconds), 2026-11-30 afternoon: 128MB 295 MB, 3.5 s; 96MB 265 MB, 3.8 s; 80MB 252 MB, 4.0 s; 64MB
# 251 MB, 4.1 s: 96MB.
DEFAULT_DUCKDB_MEMORY_LIMIT = "96MB"
DEFAULT_DUCKDB_THREADS = "1"
# dlt runs up to 20 load jobs at once, each on its own DuckDB connection: each query holds its own
# working memory beside the others, above `memory_limit`. One job at a time, measured 2026-11-30 on
# ByteHR 100k (load step alone, fresh process: peak RSS, seconds): 20 jobs 337 MB, 1.7 s; 2 jobs
# 328 MB, 1.5 s; 1 job 252 MB, 2.2 s. Whole run: ByteHR 100k 391 -> 324 MB, CuteHR 100k/1M 427 -> 378 MB.
# dlt's own `load.workers` (env LOAD__WORKERS), when set, wins.
DEFAULT_DUCKDB_LOAD_WORKERS = 1

# The one place that picks the load file format (measured: README "Load file formats", knowhow.md).
# - DuckDB reads parquet about 15x faster than INSERT statements.
# - Postgres: parquet goes in through ADBC's COPY (adbc-driver-postgresql, in the `postgres`
#   extra); without the driver dlt's INSERT statements. Not csv: in dlt 1.31 csv turns empty
#   strings into NULL (COPY ... FORCE_NULL) and counts cells as rows (dlt-hub/dlt#4461).
# - BigQuery: jsonl, so a dict kept whole arrives as a JSON object that schema autodetection
#   turns into a RECORD column (parquet would carry it as a JSON string).
FILE_FORMATS: dict[str, str] = {
    "duckdb": "parquet",
    "postgres": "parquet",
    "bigquery": "jsonl",
}
FALLBACK_FILE_FORMATS: dict[str, str] = {"postgres": "insert_values"}


def has_postgres_adbc() -> bool:
    """True when the ADBC Postgres driver that dlt needs to load parquet into Postgres is installed."""
    return importlib.util.find_spec("adbc_driver_postgresql") is not None


def loader_file_format(destination: str) -> str:
    """The load file format for ``destination``: :data:`FILE_FORMATS`, or its fallback when unusable."""
    if destination not in FILE_FORMATS:
        raise ValueError(f"unknown destination {destination!r}: choose one of {', '.join(DESTINATIONS)}")
    fmt = FILE_FORMATS[destination]
    if destination == "postgres" and fmt == "parquet" and not has_postgres_adbc():
        return FALLBACK_FILE_FORMATS["postgres"]
    return fmt


def load_settings(destination: str) -> dict[str, Any]:
    """Dlt settings for the load step of a run into `destination` (for ``dlt.config.values``).

    DuckDB: one load job at a time (:data:`DEFAULT_DUCKDB_LOAD_WORKERS`) unless ``load.workers``
    is configured. Postgres and BigQuery keep dlt's parallel jobs: their memory is the server's.
    """
    if destination != "duckdb" or "load.workers" in dlt.config:
        return {}
    return {"load.workers": DEFAULT_DUCKDB_LOAD_WORKERS}


def make_destination(name: str, duckdb_path: str | None = None) -> Destination[Any, Any]:
    """Builds a dlt destination; credentials come from dlt's config providers.

    Args:
        name: One of ``duckdb``, ``postgres``, ``bigquery``.
        duckdb_path: DuckDB database file; defaults to ``hr_elt.duckdb_path`` in config, else ``hr.duckdb``.
    """
    if name == "duckdb":
        path = duckdb_path or dlt.config.get("hr_elt.duckdb_path", str) or DEFAULT_DUCKDB_PATH
        if not path.startswith(":"):  # not one of dlt's special locations (":pipeline:", ":memory:")
            # relative to where the command runs: dlt resolves a relative path against the directory
            # the pipeline first ran in (kept in its local state), which may be another checkout
            path = os.path.abspath(path)
        global_config = duckdb_global_config()
        if not global_config:
            return dlt.destinations.duckdb(credentials=path)
        from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

        return dlt.destinations.duckdb(credentials=DuckDbCredentials(path, global_config=global_config))
    if name == "postgres":
        return dlt.destinations.postgres()
    if name == "bigquery":
        return dlt.destinations.bigquery()
    raise ValueError(f"unknown destination {name!r}: choose one of {', '.join(DESTINATIONS)}")


def duckdb_memory_limit() -> str:
    """``hr_elt.duckdb_memory_limit`` (env ``HR_ELT__DUCKDB_MEMORY_LIMIT``), default ``96MB``; "" = DuckDB's own."""
    value = dlt.config.get("hr_elt.duckdb_memory_limit", str)
    return DEFAULT_DUCKDB_MEMORY_LIMIT if value is None else str(value).strip()


def duckdb_threads() -> int | None:
    """``hr_elt.duckdb_threads`` (env ``HR_ELT__DUCKDB_THREADS``), default 1; "" or 0 = DuckDB's own (one a core)."""
    value = dlt.config.get("hr_elt.duckdb_threads", str)
    text = DEFAULT_DUCKDB_THREADS if value is None else str(value).strip()
    if not text:
        return None
    try:
        threads = int(text)
    except ValueError:
        raise ValueError(f"hr_elt.duckdb_threads {value!r} is not a whole number (0 or empty: DuckDB's default)") \
            from None
    if threads < 0:
        raise ValueError(f"hr_elt.duckdb_threads {threads} is negative (0 or empty: DuckDB's default)")
    return threads or None


def duckdb_global_config() -> dict[str, Any]:
    """DuckDB settings applied to every connection dlt opens.

    The memory limit and the thread count, plus any ``destination.duckdb.credentials.global_config``
    the user set (theirs win).
    """
    config: dict[str, Any] = {}
    limit = duckdb_memory_limit()
    if limit:
        config["memory_limit"] = limit
    threads = duckdb_threads()
    if threads:
        config["threads"] = threads
    user = dlt.config.get("destination.duckdb.credentials.global_config", dict)
    if user:
        config.update(user)
    return config


# --- per-destination table shaping ---------------------------------------------------------


_MONTHLY = {"date": "DATE_TRUNC({column_name}, MONTH)", "timestamp": "TIMESTAMP_TRUNC({column_name}, MONTH)"}


def adapt_source(source: DltSource, destination: str,
                 layouts: Mapping[str, BigQueryLayout] | None = None, vendor: str | None = None) -> DltSource:
    """Applies the destination's table hints to ``source`` (in place) and returns it.

    DuckDB and Postgres take dlt's defaults: nested dicts become typed ``parent__child`` columns.
    BigQuery gets the layouts ``vendor`` declares in its spec (default: the source's name; a
    tenant's source is named ``<vendor>_<tenant>`` but laid out as ``<vendor>``), or ``layouts``.

    Raises:
        UnknownVendorError: no layouts given and ``vendor`` is not registered.
    """
    if destination != "bigquery":
        return source
    chosen = registry.get(vendor or source.name).bigquery if layouts is None else layouts
    for name, layout in chosen.items():
        if name in source.resources:
            adapt_bigquery_resource(source.resources[name], layout)
    return source


def adapt_bigquery_resource(resource: DltResource, layout: BigQueryLayout) -> DltResource:
    """Partitioning, clustering and RECORD columns for one resource, through dlt's bigquery_adapter."""
    from dlt.destinations.adapters import bigquery_adapter
    from dlt.destinations.impl.bigquery.bigquery_adapter import AUTODETECT_SCHEMA_HINT, PartitionTransformation

    autodetect = bool(layout.record_columns)
    options: dict[str, Any] = {}
    if layout.cluster:
        options["cluster"] = list(layout.cluster)
    if layout.partition:
        column, data_type = layout.partition
        if data_type not in _MONTHLY:
            raise ValueError(f"partition column {column!r}: data type must be date or timestamp, not {data_type!r}")
        # autodetect tables get no DDL: their partitioning is set on the load job (daily)
        options["partition"] = column if autodetect else PartitionTransformation(_MONTHLY[data_type], column)
    if options:
        bigquery_adapter(resource, **options)
    columns: dict[str, Any] = {}
    if layout.partition:
        columns[layout.partition[0]] = {"data_type": layout.partition[1]}
    if autodetect:
        # set directly, not through bigquery_adapter(autodetect_schema=True), which would wipe the
        # column hints when given nothing else (knowhow.md)
        resource.apply_hints(additional_table_hints={AUTODETECT_SCHEMA_HINT: True})
        for column in layout.record_columns:
            columns[column] = {"data_type": "json"}  # kept whole: not flattened into parent__child
            resource.add_map(RecordColumnGuard(resource.name, column))
    if columns:
        resource.apply_hints(columns=columns)
    return resource


def json_kind(value: Any) -> str | None:
    """The BigQuery-relevant type of a JSON value, named like dlt's data types; None for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        if _DATE.fullmatch(value):
            return "date"
        if _TIMESTAMP.fullmatch(value):
            return "timestamp"
        return "text"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "record"
    return "text"


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
# a later value of the second kind loads into a field autodetected as the first
_ACCEPTS = {("double", "bigint"), ("text", "date"), ("text", "timestamp"), ("timestamp", "date")}


class RecordColumnGuard:
    """Keeps a RECORD column loadable on BigQuery as its keys come and go and change type.

    A map step on the resource. Keys are normalized like dlt's column names (snake_case), so
    admin-chosen keys with spaces or capitals become valid field names and match the
    ``custom_fields__<key>`` columns on DuckDB/Postgres. BigQuery cannot change a nested field's
    type, so the first type seen per key is remembered in the resource state (committed with the
    load); a value of another type goes to ``<key>__v_<type>``, as dlt does with variant columns.
    """

    STATE_KEY = "bigquery_record_types"

    def __init__(self, resource_name: str, column: str) -> None:
        self.resource_name = resource_name
        self.column = column
        self.naming = NamingConvention()

    def __call__(self, item: Any) -> Any:
        """Returns the record with its RECORD column's keys normalized and type changes moved aside."""
        if not isinstance(item, dict) or not isinstance(item.get(self.column), dict):
            return item
        state = dlt.current.resource_state(self.resource_name)
        kinds: dict[str, str] = state.setdefault(self.STATE_KEY, {}).setdefault(self.column, {})
        fixed: dict[str, Any] = {}
        for raw_key, value in item[self.column].items():
            key = self.naming.normalize_identifier(str(raw_key))
            kind = json_kind(value)
            if kind is None:
                fixed.setdefault(key, None)
                continue
            seen = kinds.setdefault(key, kind)
            if seen != kind and (seen, kind) not in _ACCEPTS:
                key = f"{key}__v_{kind}"
                kinds.setdefault(key, kind)
            fixed[key] = value
        return {**item, self.column: fixed}


# --- credentials ---------------------------------------------------------------------------

CREDENTIAL_KEYS: dict[str, str] = {
    "postgres": "DESTINATION__POSTGRES__CREDENTIALS",
    "bigquery": "DESTINATION__BIGQUERY__CREDENTIALS__PROJECT_ID, __PRIVATE_KEY and __CLIENT_EMAIL",
    "duckdb": "hr_elt.duckdb_path (env HR_ELT__DUCKDB_PATH) or --duckdb-path",
}
SECRETS_TOML: dict[str, str] = {
    "postgres": "[destination.postgres] credentials",
    "bigquery": "[destination.bigquery.credentials] project_id, private_key, client_email",
}


class DestinationConfigError(RuntimeError):
    """The destination is not configured, refused the credentials or cannot be reached."""

    def __init__(self, destination: str, problem: str, reason: str = "", hint: str | None = None) -> None:
        self.destination = destination
        self.key = CREDENTIAL_KEYS.get(destination, f"DESTINATION__{destination.upper()}__CREDENTIALS")
        where = f"set {self.key}"
        if destination in SECRETS_TOML:
            where += f" (or {SECRETS_TOML[destination]} in .dlt/secrets.toml)"
        detail = f" ({reason})" if reason else ""
        super().__init__(f"destination {destination}: {problem}{detail}: {hint or where}")


_URL_USERINFO = re.compile(r"(\w+://)[^/@\s]+@")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = _URL_USERINFO.sub(r"\1***@", text)
    return shorten(redact(re.sub(r"\s+", " ", text)))


_AUTH_WORDS = ("authentication", "password", "permission", "denied", "unauthorized", "forbidden",
               "invalid_grant", "pem", "private key", "credentials")


def destination_problem(destination: str, exc: BaseException) -> DestinationConfigError | None:
    """A :class:`DestinationConfigError` when ``exc`` comes from missing or refused destination credentials."""
    from dlt.common.configuration.exceptions import ConfigFieldMissingException
    from dlt.destinations.exceptions import DestinationConnectionError

    chain = exception_chain(exc)
    locked = duckdb_locked(chain)
    if locked is not None:
        return DestinationConfigError(destination, *locked)
    for error in chain:
        if isinstance(error, ConfigFieldMissingException) and error.spec_name.endswith("ClientConfiguration"):
            return DestinationConfigError(destination, "credentials missing")
    for position, error in enumerate(chain):
        kind = f"{type(error).__module__}.{type(error).__name__}"
        if (
            isinstance(error, DestinationConnectionError)
            or (kind.startswith("psycopg2.") and kind.endswith("OperationalError"))
            or kind.startswith("google.auth.exceptions.")
            or kind in ("google.api_core.exceptions.Unauthorized", "google.api_core.exceptions.Forbidden")
        ):
            root = chain[-1] if position < len(chain) - 1 else error  # the driver's own words
            named = unreachable(destination, chain)
            if named is not None:
                return DestinationConfigError(destination, *named)
            text = f"{type(root).__name__} {root}".lower()
            problem = "credentials refused" if any(w in text for w in _AUTH_WORDS) else "cannot connect"
            return DestinationConfigError(destination, problem, _reason(root))
    return None


@dataclass(frozen=True)
class DestinationRef:
    """A destination resolved far enough to know where its data lives.

    Attributes:
        kind: ``duckdb``, ``postgres`` or ``bigquery``.
        location: Where the data lives, without credentials.
        destination: The dlt destination to run the pipeline with.
    """

    kind: str
    location: str
    destination: Destination[Any, Any]

    @property
    def fingerprint(self) -> str:
        """Eight hex digits of a hash over kind and location: stable across runs and machines."""
        return hashlib.sha256(f"{self.kind}|{self.location}".encode()).hexdigest()[:8]

    def record(self) -> dict[str, str]:
        """What a pipeline's local state keeps about the destination it belongs to."""
        return {"kind": self.kind, "location": self.location, "fingerprint": self.fingerprint}


def resolve_destination(destination: str, duckdb_path: str | None = None) -> DestinationRef:
    """The destination and its location, credentials from dlt's config providers.

    Raises:
        DestinationConfigError: the destination's credentials are missing.
    """
    dest = make_destination(destination, duckdb_path)
    config: Any = dest.configuration(dest.spec(), accept_partial=True)  # no dataset yet: partial is fine
    credentials = config.credentials
    if destination == "bigquery":
        if not credentials or not credentials.project_id:
            raise DestinationConfigError(destination, "credentials missing")
        location = f"{credentials.project_id}/{config.location}"
    else:
        if not credentials or not credentials.is_resolved():
            raise DestinationConfigError(destination, "credentials missing")
        try:
            location = str(config.data_location())
        except ConfigurationValueError:  # DuckDB's ":pipeline:"/":memory:": a place only its own pipeline has
            location = str(credentials.database)
    return DestinationRef(destination, location, dest)
