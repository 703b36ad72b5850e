"""PII settings against what is already loaded: misspelt column keys, and policies tightened after a load.

Two checks the run path (and ``hr-elt check``) makes against the vendor's loaded dlt schema:

**Column keys** (``hr_elt.pii.columns``; vendor and table names are checked in
:mod:`sources._shared.guard.privacy`). A key naming a column that the loaded table lacks, while a
loaded column of that table is spelt almost the same (``work_emial`` / ``work_email``), is a
misspelling that would load the real column raw: the run fails, naming the nearest column. A key
naming an absent column with no near match is only warned about: a field the vendor has only ever
sent as null has no column yet, and a column dropped since the first load never gets one. Before
the first load of a table there are no columns to compare with: ``hr-elt check`` says so, and the
first run loads nothing under a misspelt key that it would not also load under a correct one
(the guard applies the rules by name either way).

**Policy tightened after a load.** Changing a column from ``keep`` to ``drop`` or ``pseudonymise``
protects the rows loaded from then on; the rows loaded before keep their raw values. The run warns
(``context.warn``: a WARNING on ``sources.<vendor>`` and a summary line) and names the command that
reloads the table under the new policy, e.g. ``hr-elt run hollyhr --full-refresh --resources people``.
Which columns hold raw values is remembered in the source's dlt state (``hr_elt_pii_raw``,
``table -> [column paths]``), written by a side resource of the run (``_hr_elt_pii``, no table), so
it commits with the data; a table that is reloaded or dropped clears its entry.
"""

from __future__ import annotations

import difflib
import fnmatch
import shlex
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dlt
from dlt.common.schema import Schema
from dlt.sources import DltSource

from sources import registry
from sources._shared.context import RunContext
from sources._shared.errors import ProviderConfigError
from sources._shared.guard.privacy import COLUMNS_SETTING, KEEP, PiiPolicy

STATE_KEY = "hr_elt_pii_raw"
RECORD_RESOURCE = "_hr_elt_pii"
_TYPO_CUTOFF = 0.8  # "work_emial" ~ "work_email" 0.9; "first_name" ~ "last_name" 0.74 is two real columns


def _literal(text: str) -> bool:
    return not any(c in text for c in "*?[")


def _column(schema: Schema, path: str) -> str:
    """The column a record path loads into: ``custom_fields.badge`` -> ``custom_fields__badge``."""
    return "__".join(schema.naming.normalize_identifier(part) for part in path.split("."))


def _loaded(schema: Schema, table: str, column: str) -> bool:
    """True when `column` (or a nested column or child table under it) is in the loaded table."""
    columns = schema.tables.get(table, {}).get("columns", {})
    if column in columns or any(name.startswith(column + "__") for name in columns):
        return True
    return any(name.startswith(f"{table}__{column}") for name in schema.tables)


def _loaded_tables(schema: Schema | None) -> set[str]:
    return set(schema.data_table_names(seen_data_only=True)) if schema is not None else set()


def check_pii_columns(policy: PiiPolicy, schema: Schema | None) -> str:
    """Refuses a PII column key that is a likely misspelling of a loaded column (module docstring).

    Args:
        policy: The vendor's PII policy, as configured.
        schema: The vendor's loaded dlt schema, or None before the first load.

    Returns:
        What was checked, for ``hr-elt check`` (``2 column keys match loaded columns``, ...).

    Raises:
        ProviderConfigError: A key names a column the loaded table lacks, and one of its columns is
            spelt almost the same.
    """
    keys = [(t, f) for _, t, f, _ in policy.overrides if _literal(t) and _literal(f)]
    if not keys:
        return "no column keys for this vendor"
    loaded = _loaded_tables(schema)
    if schema is None or not loaded:
        return (f"{len(keys)} column key(s) name known tables; their columns cannot be checked before the "
                "first load (no loaded schema yet)")
    found, unchecked, absent = 0, 0, []
    for table, path in keys:
        if table not in loaded:
            unchecked += 1
            continue
        column = _column(schema, path)
        if _loaded(schema, table, column):
            found += 1
            continue
        configured = {_column(schema, f) for t, f in keys if t == table}
        candidates = [c for c in schema.tables[table].get("columns", {}) if c not in configured]
        near = difflib.get_close_matches(column, candidates, n=1, cutoff=_TYPO_CUTOFF)
        if near:
            raise ProviderConfigError(
                policy.vendor, f"PII column '{policy.vendor}.{table}.{path}' names no column of the loaded table "
                          f"{policy.vendor}.{table} (nearest: {near[0]!r}, loaded as is)",
                hint=f"Fix {COLUMNS_SETTING}")
        absent.append(f"{table}.{path}")
    parts = [f"{found} column key(s) match loaded columns"]
    if unchecked:
        parts.append(f"{unchecked} name(s) tables not loaded yet")
    if absent:
        parts.append(f"not in the loaded tables (only-null so far, or dropped since the first load): "
                     f"{', '.join(absent)}")
    return "; ".join(parts)


def absent_column_keys(policy: PiiPolicy, schema: Schema | None) -> list[str]:
    """Literal column keys naming a column absent from a loaded table (no near match: see the docstring)."""
    loaded = _loaded_tables(schema)
    if schema is None:
        return []
    return [f"{policy.vendor}.{t}.{f}" for _, t, f, _ in policy.overrides
            if _literal(t) and _literal(f) and t in loaded and not _loaded(schema, t, _column(schema, f))]


# --- policy tightened after a load ----------------------------------------------------------


def _action(policy: PiiPolicy, table: str, path: str) -> str:
    rules = policy.rules_for(table)
    action = rules.decide(tuple(path.split("."))) if rules is not None else None
    return action or KEEP


def _candidate_paths(policy: PiiPolicy, schema: Schema | None, table: str) -> set[str]:
    """Record paths of a table the policy may touch: PII defaults and column keys (literal ones)."""
    paths = {p for p in policy.defaults.get(table, ()) if _literal(p)}
    paths.update(f for _, t, f, _ in policy.overrides if _literal(f) and fnmatch.fnmatchcase(table, t))
    if schema is not None:  # loaded columns a wildcard may reach (custom fields): by their record path
        columns = schema.tables.get(table, {}).get("columns", {})
        paths.update(name.replace("__", ".") for name in columns if not name.startswith("_dlt"))
    return paths


def raw_columns(policy: PiiPolicy, schema: Schema | None, tables: Iterable[str]) -> dict[str, list[str]]:
    """``table -> paths`` this run loads as they come (action keep), among the PII candidates."""
    return {table: sorted(p for p in _candidate_paths(policy, schema, table) if _action(policy, table, p) == KEEP)
            for table in tables}


def tightened(policy: PiiPolicy, schema: Schema | None, remembered: Mapping[str, Any]) -> dict[str, list[str]]:
    """``table -> paths`` loaded raw before (remembered, column still loaded) that the policy now protects."""
    found: dict[str, list[str]] = {}
    loaded = _loaded_tables(schema)
    for table, paths in remembered.items():
        if table not in loaded or schema is None or not isinstance(paths, list):
            continue
        now = sorted(p for p in paths
                     if _action(policy, table, p) != KEEP and _loaded(schema, table, _column(schema, p)))
        if now:
            found[table] = now
    return found


def rewrite_command(vendor: str, tables: Iterable[str], *, tenant: str | None, destination: str,
                    pipelines_dir: str | None, duckdb_path: str | None) -> str:
    """The ``hr-elt run`` that reloads `tables` under the current policy, as the user would type it."""
    words = ["hr-elt", "run", vendor]
    if tenant:
        words += ["--tenant", tenant]
    if destination != "duckdb":
        words += ["--destination", destination]
    elif duckdb_path:
        words += ["--duckdb-path", duckdb_path]
    if pipelines_dir:
        words += ["--pipelines-dir", pipelines_dir]
    words += ["--full-refresh", "--resources", ",".join(sorted(tables))]
    return shlex.join(words)


def review(pipeline: Any, source: DltSource, vendor: str, context: RunContext, *, tenant: str | None,
           destination: str, full_refresh: bool, pipelines_dir: str | None, duckdb_path: str | None) -> None:
    """The run path's PII review: column keys against the loaded schema, and policies tightened after a load.

    Fails on a misspelt column key; warns about tightened policies (naming the rewrite command) and
    about column keys naming absent columns; adds the side resource that remembers which columns
    this run loads raw.

    Raises:
        ProviderConfigError: a column key is a likely misspelling of a loaded column.
    """
    policy = registry.pii_policy(vendor)
    schema: Schema | None = pipeline.default_schema if pipeline.default_schema_name else None
    check_pii_columns(policy, schema)
    for key in absent_column_keys(policy, schema):
        context.warn(vendor, f"pii_absent/{key}", f"PII column {key} is not in the loaded table (only-null "
                     "so far, or dropped since the first load): check the name if neither")
    state = pipeline.state.get("sources", {}).get(source.name, {})
    remembered: dict[str, Any] = dict(state.get(STATE_KEY) or {})
    tables = {name: r.table_name for name, r in source.selected_resources.items()
              if isinstance(r.table_name, str) and not name.startswith("_")}
    refreshed = set(tables.values()) if full_refresh else set()
    changed = {t: p for t, p in tightened(policy, schema, remembered).items() if t not in refreshed}
    if changed:
        resources = sorted({name for name, table in tables.items() if table in changed} or changed)
        command = rewrite_command(vendor, resources, tenant=tenant, destination=destination,
                                  pipelines_dir=pipelines_dir, duckdb_path=duckdb_path)
        columns = ", ".join(f"{t}.{p} ({_action(policy, t, p)})" for t, paths in sorted(changed.items())
                            for p in paths)
        history = sorted(v for v, kept in registry.get(vendor).history.items() if kept in resources)
        kept = (f"; their history ({', '.join(history)}) keeps the raw values through a full refresh unless "
                "that run has HR_ELT__HISTORY__ON_FULL_REFRESH=drop (docs/dbt-history.md)") if history else ""
        context.warn(vendor, "pii_tightened", f"PII columns loaded raw before are protected from this run on: "
                     f"{columns}; the rows loaded before keep their raw values: reload them with `{command}`{kept}")
    for table in list(remembered):  # a table dropped or reloaded in full holds no earlier values
        if table not in _loaded_tables(schema) or table in refreshed:
            remembered.pop(table)
    for table, paths in raw_columns(policy, schema, tables.values()).items():
        remembered[table] = sorted(set(remembered.get(table, [])) | set(paths)) if table not in refreshed else paths
    source.resources.add(_record(remembered))


def _record(remembered: dict[str, list[str]]) -> Any:
    @dlt.resource(name=RECORD_RESOURCE, selected=True)
    def record() -> Iterator[Any]:
        dlt.current.source_state()[STATE_KEY] = remembered
        yield from ()

    return record
