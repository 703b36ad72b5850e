"""A failed run in one line: the root cause in words (the end of the exception chain, not dlt's first line)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import TypeVar

from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.common.schema.exceptions import DataValidationError

from pipelines.run.destinations import DEFAULT_DUCKDB_MEMORY_LIMIT, DestinationConfigError
from pipelines.run.naming import PIPELINE_NOTE
from sources._shared.errors import ProviderError, ProviderPartialFailure, exception_chain
from sources._shared.http.redaction import redact

E = TypeVar("E", bound=BaseException)

_STEP = re.compile(r"step=(\w+)")
_HOST_PORT = re.compile(r"host='([^']+)', port=(\d+)")


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception behind it: ``__cause__``, ``__context__`` and dlt's ``.exception``."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        inner = getattr(current, "exception", None)  # dlt's PipelineStepFailed keeps the step's error here
        todo += [e for e in (inner, current.__cause__, current.__context__) if isinstance(e, BaseException)]


def failed_step(exc: BaseException) -> str | None:
    """The dlt step (extract, normalize, load) a run failed at, if dlt said so."""
    for error in chain(exc):
        step = getattr(error, "step", None)
        if isinstance(step, str):
            return step
        found = _STEP.search(str(error).split("\n", 1)[0])
        if found:
            return found.group(1)
    return None


def root_cause(vendor: str, exc: BaseException) -> str | None:
    """``<vendor>: <step> failed: <cause and what to do>`` when the chain holds a cause we can name."""
    errors = list(chain(exc))
    cause = next((c for c in (_cause(error, errors, vendor) for error in reversed(errors)) if c), None)
    if cause is None:
        return None
    step = failed_step(exc)
    return f"{vendor}: {step + ' failed: ' if step else ''}{cause}"


def _where(errors: list[BaseException]) -> str:
    for error in errors:
        found = _HOST_PORT.search(str(error))
        if found:
            return f"{found.group(1)}:{found.group(2)}"
    return "the host"


def _setting(vendor: str, key: str) -> str:
    return f"sources.{vendor}.{key} (env SOURCES__{vendor.upper()}__{key.upper()})"


def _cause(error: BaseException, errors: list[BaseException], vendor: str) -> str | None:
    """Words for one exception of the chain, or None when it is not one we know."""
    kind = f"{type(error).__module__}.{type(error).__name__}"
    text = str(error)
    if isinstance(error, socket.gaierror) or kind.endswith("NameResolutionError"):
        return (f"cannot resolve the host of {_where(errors)} (DNS: {getattr(error, 'strerror', None) or text}): "
                f"check {_setting(vendor, 'base_url')}")
    if isinstance(error, ConnectionRefusedError):
        return (f"connection refused by {_where(errors)} (nothing listens there): "
                f"check {_setting(vendor, 'base_url')}")
    if isinstance(error, TimeoutError) or kind in ("requests.exceptions.ReadTimeout",
                                                   "requests.exceptions.ConnectTimeout",
                                                   "urllib3.exceptions.ReadTimeoutError",
                                                   "urllib3.exceptions.ConnectTimeoutError"):
        return (f"no answer from {_where(errors)} within the timeout: raise {_setting(vendor, 'timeout')} "
                f"or check {_setting(vendor, 'base_url')}")
    if kind == "_duckdb.OutOfMemoryException" or kind == "duckdb.OutOfMemoryException":
        return (f"DuckDB ran out of memory ({text.splitlines()[0]}): raise hr_elt.duckdb_memory_limit "
                f"(env HR_ELT__DUCKDB_MEMORY_LIMIT, default {DEFAULT_DUCKDB_MEMORY_LIMIT})")
    if isinstance(error, ValueError) and "max_workers must be greater than 0" in text:
        return "load.workers is 0: set it to 1 or more (env LOAD__WORKERS), or unset it"
    return None


def dsn_problem(destination: str) -> str | None:
    """The wrong part of the configured Postgres DSN (never its password), or None when it looks whole."""
    if destination != "postgres":
        return None
    from urllib.parse import urlsplit

    import dlt

    try:
        dsn: object = dlt.secrets.get("destination.postgres.credentials")
    except Exception:  # a TOML table or nothing at all: dlt's own message says more
        return None
    if not isinstance(dsn, str) or not dsn.strip():
        return None
    where = "DESTINATION__POSTGRES__CREDENTIALS (or [destination.postgres] credentials in .dlt/secrets.toml)"
    expected = "postgresql://username:password@host:port/database"
    parts = urlsplit(dsn.strip())
    if parts.scheme not in ("postgres", "postgresql"):
        wrong = f"scheme {parts.scheme + '://' if parts.scheme else '(none)'} is not postgresql://"
    elif not parts.hostname:
        wrong = "it names no host"
    elif not parts.username:
        wrong = "it names no user name"
    else:
        try:
            _ = parts.port
        except ValueError:
            wrong = "its port is not a number"
        else:
            if not parts.path.strip("/"):
                wrong = "it names no database (the /database at its end)"
            else:
                return None
    return f"destination postgres: the DSN is malformed: {wrong}; expected {expected}: set {where}"


def last_resort(vendor: str, exc: BaseException) -> str:
    """``<vendor>: <step> failed: <Type>: <first line>`` of the innermost error; secrets and URL user info cut."""
    innermost = list(chain(exc))[-1]
    lines = str(innermost).strip().splitlines()
    step = failed_step(exc)
    ours = type(innermost).__module__.split(".")[0] in ("pipelines", "sources")  # already a sentence for users
    text = (lines[0] if ours else f"{type(innermost).__name__}: {lines[0]}") if lines else type(innermost).__name__
    text = _USERINFO.sub(r"\1***@", redact(text))
    return f"{vendor}: {step + ' failed: ' if step else ''}{text}"


_USERINFO = re.compile(r"(\w+://)[^/@\s]+@")


_KIND = re.compile(r"^[^:]*\]: ([^:]+):")


def partial_line(vendor: str, failures: dict[str, str], loaded_tables: list[str]) -> str:
    """One line for resources that failed on their own: true counts, each distinct cause said once.

    Args:
        vendor: The vendor the line starts with.
        failures: ``provider/resource -> message`` of each failed resource.
        loaded_tables: Tables that received rows in this run.
    """
    causes: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for key in sorted(failures):
        found = _KIND.match(failures[key])
        kind = found.group(1) if found else failures[key]
        causes.setdefault(kind, []).append(key.split("/", 1)[-1])
        first.setdefault(kind, failures[key])
    names = ", ".join(key.split("/", 1)[-1] for key in sorted(failures))
    loaded = f"rows loaded into {len(loaded_tables)} table(s)" if loaded_tables else "nothing loaded"
    said = "; ".join(f"{len(who)} x {first[kind]}" if len(who) > 1 else first[kind] for kind, who in causes.items())
    return f"{vendor}: {len(failures)} resource(s) failed ({names}), {loaded}: {said}"


def find_provider_error(exc: BaseException) -> ProviderError | None:
    """The ProviderError behind an exception, following dlt's wrapping."""
    return _find(exc, ProviderError)


def _find(exc: BaseException, kind: type[E]) -> E | None:
    return next((error for error in exception_chain(exc) if isinstance(error, kind)), None)


def error_line(vendor: str, exc: BaseException, pipeline: str | None = None) -> str:
    """One line that says what failed and what to do.

    Args:
        vendor: The vendor (or tenant section) the line starts with.
        exc: What went wrong.
        pipeline: ``[--pipelines-dir DIR] NAME`` of the pipeline, for the ``dlt pipeline`` advice;
            default: `vendor`.
    """
    pipeline = pipeline or next((n[len(PIPELINE_NOTE):] for n in getattr(exc, "__notes__", ())
                                 if n.startswith(PIPELINE_NOTE)), None)
    partial = _find(exc, ProviderPartialFailure)
    if partial is not None:
        tables = [t for t, n in getattr(partial.result, "rows", {}).items() if n]
        return partial_line(partial.provider, partial.failures, tables)
    provider_error = find_provider_error(exc)
    if provider_error is not None:
        return str(provider_error)
    destination_error = _find(exc, DestinationConfigError)
    if destination_error is not None:
        return f"{vendor}: {dsn_problem(destination_error.destination) or destination_error}"
    violation = _find(exc, DataValidationError)
    if violation is not None:
        where = f"table {violation.table_name}" + (f" column {violation.column_name}" if violation.column_name else "")
        return (f"{vendor}: schema contract violated in {where}: {violation.schema_entity} are frozen "
                f"({violation.contract_mode}); nothing of this run was loaded: allow evolution in the "
                f"resource's schema_contract or fix the data, then drop the pending package "
                f"(dlt pipeline {pipeline or vendor} drop-pending-packages)")

    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ConfigFieldMissingException):
            keys = ", ".join(
                f"sources.{vendor}.{f} (env SOURCES__{vendor.upper()}__{f.upper()})" for f in current.fields
            )
            return f"{vendor}: missing setting {keys}: put it in .dlt/secrets.toml or .dlt/config.toml, or the env"
        current = current.__cause__ or current.__context__
    if "PostgresCredentials" in str(exc) and (problem := dsn_problem("postgres")):
        return f"{vendor}: {problem}"
    return root_cause(vendor, exc) or last_resort(vendor, exc)
