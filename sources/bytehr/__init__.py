"""ByteHR source: employees (with custom fields), departments, positions, leave requests, custom field definitions.

ByteHR gives a company 1,000 requests a month and no filter by update time, so every resource
is a full snapshot walked page by page (100 records a page, stopping at ``totalpages``), within
the quota, and only new or changed records are loaded. See ``sources/bytehr/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.common.schema.typing import TColumnSchema, TSchemaContractDict
from dlt.common.typing import TDataItems
from dlt.extract.resource import DltResource

from sources._shared.config import check_base_url, check_choice, check_page_size, check_secret
from sources._shared.context import context_for_new_source
from sources._shared.errors import ProviderConfigError
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.redaction import register_secret
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.state.deletes import DELETE_MODES, snapshot_hints
from sources._shared.state.digests import content_digest
from sources.bytehr import settings
from sources.bytehr.client import make_client
from sources.bytehr.custom_fields import STATE_KEY as COLUMNS_STATE_KEY
from sources.bytehr.custom_fields import ColumnNames, FrozenCheck, child_table, column_path, pivot, raw_digest
from sources.bytehr.quota import QuotaLedger, fingerprint
from sources.bytehr.walk import Transform, WalkOptions, snapshot_walk

__all__ = ["bytehr_source"]


@dlt.source(name="bytehr")
@with_http_settings(settings.PROVIDER)
def bytehr_source(
    base_url: str = dlt.config.value,
    api_key: str = dlt.secrets.value,
    page_size: int = settings.PAGE_SIZE,
    quota_mode: str = "refuse",
    quota_reserve: int = settings.QUOTA_RESERVE,
    delete_mode: str = "flag",
    min_interval_hours: dict[str, float] | None = None,
    expiry_warning_days: float = settings.EXPIRY_WARNING_DAYS,
    schema_contract: str = "evolve",
    skip_unchanged: bool = True,
    max_rereads: int = settings.MAX_REREADS,
    paths: dict[str, str] | None = None,
    header_names: dict[str, str] | None = None,
    first_page: int = settings.FIRST_PAGE,
    *,
    http: HttpSettings,
) -> Sequence[DltResource]:
    """The ByteHR source. Creating it validates settings and sends no request.

    Args:
        base_url: API root, e.g. ``https://developer.byte-hr.com/api``.
        api_key: The company's API key (secret), sent in the ``X-API-Key`` header.
        page_size: Records per page, 1..100; a full walk of n records takes ceil(n / page_size) requests.
        quota_mode: ``refuse``: a walk the remaining quota cannot pay for is not started (the run
            fails for that resource). ``partial``: walk what fits, continue next run from the saved page.
        quota_reserve: Requests of the monthly quota this source never spends.
        delete_mode: What a record missing from a complete walk becomes: ``flag`` (``_deleted_at``
            set), ``hard_delete`` (row removed) or ``scd2`` (history kept, the version retired).
        min_interval_hours: Hours between complete walks per resource (``"*"`` for all unlisted);
            merged over ``settings.MIN_INTERVAL_HOURS``. A resource not due is skipped without a request.
        expiry_warning_days: Warn when the API key expires in fewer days than this.
        schema_contract: ``evolve`` (new custom fields become columns), ``freeze`` (a new field
            fails the run, naming it), ``discard_row`` or ``discard_value``.
        skip_unchanged: Leave out records whose content is unchanged since they were loaded.
        max_rereads: Page re-reads per walk to repair records shifted by concurrent deletes.
        paths: Endpoint path per resource, over ``settings.ENDPOINTS``.
        header_names: ByteHR header names, over ``settings.HEADER_NAMES`` (keys: api_key,
            request_id, quota_limit, quota_remaining, quota_reset, key_expires_at).
        first_page: Number of the first page.
        http: The HTTP settings (``timeout``, ``max_attempts``, ...; sources._shared.http.settings).

    Returns:
        The resources ``custom_field_definitions``, ``departments``, ``positions``, ``employees``,
        ``leave_requests`` (the first one first: its single request tells the quota to the others).
    """
    provider = settings.PROVIDER
    base_url = check_base_url(provider, base_url)
    key = check_secret(provider, "api_key", api_key)
    register_secret(key)
    check_page_size(provider, page_size, settings.MAX_PAGE_SIZE)
    check_choice(provider, "quota_mode", quota_mode, settings.QUOTA_MODES)
    check_choice(provider, "delete_mode", delete_mode, DELETE_MODES)
    check_choice(provider, "schema_contract", schema_contract, settings.SCHEMA_CONTRACT_MODES)
    if not isinstance(quota_reserve, int) or quota_reserve < 0:
        raise ProviderConfigError(provider, f"quota_reserve {quota_reserve!r} is not a whole number >= 0",
                                  hint="Set sources.bytehr.quota_reserve")
    endpoints = _merged(provider, "paths", settings.ENDPOINTS, paths)
    headers = _merged(provider, "header_names", settings.HEADER_NAMES, header_names)
    intervals = _intervals(provider, min_interval_hours)
    context = context_for_new_source()
    ledger = QuotaLedger(quota_reserve, headers, expiry_warning_days, fingerprint(key), context=context)
    clients: dict[str, ProviderRESTClient] = {}

    def client_for(resource: str) -> ProviderRESTClient:
        if resource not in clients:
            clients[resource] = make_client(base_url, key, resource, http, ledger, headers, context)
        return clients[resource]

    transforms: dict[str, Callable[[], Transform]] = {
        "custom_field_definitions": _definitions_transform,
        "employees": lambda: _employees_transform(schema_contract == "freeze"),
    }
    resources = []
    for name, path in endpoints.items():
        options = WalkOptions(
            resource=name, path=path, primary_key=settings.PRIMARY_KEYS[name],
            ordered=name in settings.ORDERED_BY_KEY, page_size=page_size, first_page=first_page,
            quota_mode=quota_mode, min_interval_hours=intervals[name], max_rereads=max_rereads,
            skip_unchanged=skip_unchanged, delete_mode=delete_mode, intervals=intervals,
            digest=raw_digest if name == "employees" else content_digest,
            timestamps=settings.TIMESTAMP_FIELDS.get(name, ()),
            # Arrow tables (extract writes parquet); scd2 keeps dicts: its `_dlt_id` is dlt's row hash
            arrow_columns=settings.ARROW_COLUMNS.get(name) if delete_mode != "scd2" else None,
        )
        resource = _snapshot_resource(options, client_for, ledger, transforms.get(name))
        resource.apply_hints(**snapshot_hints(options.primary_key, delete_mode))
        resource.apply_hints(schema_contract=_contract(schema_contract))
        resources.append(resource)
    return resources


def _snapshot_resource(options: WalkOptions, client_for: Callable[[str], ProviderRESTClient], ledger: QuotaLedger,
                       make_transform: Callable[[], Transform] | None) -> DltResource:
    columns: dict[str, TColumnSchema] = {}
    if options.resource == "custom_field_definitions":
        columns = {"column_name": {"data_type": "text"}, "table_name": {"data_type": "text"}}

    @dlt.resource(name=options.resource, columns=columns)
    def snapshot() -> Iterator[TDataItems]:
        yield from snapshot_walk(options, client_for(options.resource), ledger, make_transform)

    return snapshot()


def _employees_transform(frozen: bool) -> Transform:
    names = ColumnNames(dlt.current.source_state().setdefault(COLUMNS_STATE_KEY, {}))
    check = FrozenCheck(dlt.current.source_schema(), "employees") if frozen else None

    def transform(row: dict[str, Any]) -> dict[str, Any]:
        row = pivot(row, names)
        if check is not None:
            check.check(row, names)
        return row

    return transform


def _definitions_transform() -> Transform:
    names = ColumnNames(dlt.current.source_state().setdefault(COLUMNS_STATE_KEY, {}))
    schema = dlt.current.source_schema()

    def transform(row: dict[str, Any]) -> dict[str, Any]:
        row["column_name"] = row["table_name"] = None
        if row.get("options") is None:
            row.pop("options", None)  # null options of non-choice fields: no empty column
        if row.get("entity", "employee") == "employee" and row.get("key") is not None:
            name = names.name(str(row["key"]))
            row["column_name"] = column_path(schema, name)
            multi = row.get("type") == settings.MULTI_SELECT
            row["table_name"] = child_table(schema, "employees", name) if multi else "employees"
        return row

    return transform


def _contract(mode: str) -> TSchemaContractDict:
    """The dlt contract of a setting; always explicit, so that going back to evolve undoes a freeze."""
    if mode == "freeze":  # tables stay open: the first load creates them; a new field's column is refused
        return {"tables": "evolve", "columns": "freeze", "data_type": "freeze"}
    return {"tables": "evolve", "columns": mode, "data_type": mode}  # type: ignore[typeddict-item]


def _merged(provider: str, key: str, defaults: dict[str, str], overrides: dict[str, str] | None) -> dict[str, str]:
    unknown = set(overrides or {}) - set(defaults)
    if unknown:
        raise ProviderConfigError(provider, f"{key} has unknown keys {sorted(unknown)}; known: {sorted(defaults)}",
                                  hint=f"Fix sources.{provider}.{key}")
    return {**defaults, **(overrides or {})}


def _intervals(provider: str, overrides: dict[str, float] | None) -> dict[str, float]:
    overrides = dict(overrides or {})
    default = overrides.pop("*", None)
    unknown = set(overrides) - set(settings.ENDPOINTS)
    if unknown:
        raise ProviderConfigError(provider, f"min_interval_hours names unknown resources {sorted(unknown)}",
                                  hint=f"Use resource names {sorted(settings.ENDPOINTS)} or \"*\"")
    base = {name: (float(default) if default is not None else settings.MIN_INTERVAL_HOURS.get(name, 0.0))
            for name in settings.ENDPOINTS}
    return {**base, **{k: float(v) for k, v in overrides.items()}}
