"""Wiring: :func:`protect_source` puts a :class:`~sources._shared.guard.step.RecordGuard` on every selected resource."""

from __future__ import annotations

from dlt.sources import DltResource, DltSource

from sources._shared.context import RunContext
from sources._shared.dlt_compat import declared_incremental
from sources._shared.errors import ProviderConfigError
from sources._shared.guard.privacy import PiiPolicy
from sources._shared.guard.rejected import collector
from sources._shared.guard.settings import QUARANTINE, GuardSettings, load_guard_settings
from sources._shared.guard.step import RecordGuard


def _primary_key(resource: DltResource) -> tuple[str, ...]:
    try:
        schema = resource.compute_table_schema()
    except Exception:  # dynamic hints that need an item: no static primary key to check
        return ()
    return tuple(name for name, column in schema.get("columns", {}).items() if column.get("primary_key"))


def _static_cursor(resource: DltResource) -> tuple[str, ...]:
    """The incremental cursor column declared by the resource function's default argument, if any."""
    path = getattr(declared_incremental(resource), "cursor_path", None)
    return (path,) if isinstance(path, str) and path.isidentifier() else ()


def _static_table(resource: DltResource) -> str:
    name = resource.table_name
    return name if isinstance(name, str) else resource.name


def protect_source(source: DltSource, vendor: str, guard_settings: GuardSettings | None = None,
                   pii: PiiPolicy | None = None, *, context: RunContext) -> DltSource:
    """Adds the bad-record and PII step to every selected resource of `source`, in place.

    Args:
        source: The vendor's source, after resource selection.
        vendor: Provider name; picks the PII defaults.
        guard_settings: Bad-record settings; read from config when None.
        pii: The vendor's PII policy (``sources.registry.pii_policy``); required: never "no PII" by omission.
        context: The run's context the source reports into.

    Returns:
        The same source, with a ``_rejected_<resource>`` transformer per resource when bad records
        are quarantined.

    Raises:
        ProviderConfigError: a setting is invalid, or a PII rule targets a primary key or cursor.
    """
    settings = guard_settings or load_guard_settings()
    if pii is None:
        raise ProviderConfigError(vendor, "no PII policy was handed to the bad-record/PII step",
                                  hint="build it with sources.registry.pii_policy(vendor)")
    policy = pii
    collectors = []
    for name, resource in list(source.selected_resources.items()):
        table = _static_table(resource)
        primary_key = _primary_key(resource)
        rules = policy.rules_for(table)
        if rules is not None:
            policy.check_protected(table, (*primary_key, *_static_cursor(resource)))
        guard = RecordGuard(vendor, name, table, primary_key, settings, rules, policy.rules_for, context=context)
        resource.add_step(guard)
        if settings.bad_records == QUARANTINE:
            collectors.append(resource | collector(guard.resource, guard.drain))
    if collectors:
        source.resources.add(*collectors)
    return source
