"""ByteHR source: employees (with custom fields), departments, positions, leave requests, custom field definitions.

ByteHR gives a company 1,000 requests a month and no filter by update time, so every resource
is a full snapshot walked page by page (100 records a page, stopping at ``totalpages``), within
the quota, and only new or changed records are loaded. See ``sources/bytehr/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import dlt
from dlt.common.schema.typing import TColumnSchema, TSchemaContractDict
from dlt.common.typing import TDataItems
from dlt.sources import DltResource

from sources._shared.bounds import with_bounds
from sources._shared.config import check_choice
from sources._shared.coverage import FieldMeter, meter_of
from sources._shared.errors import ProviderConfigError
from sources._shared.history import observed_now, versions_of
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.probe import CredentialsProbe, attach_probe, request_id
from sources._shared.prologue import ClientCache, begin_source
from sources._shared.state.deletes import DELETE_MODES, snapshot_hints
from sources._shared.state.digests import content_digest
from sources._shared.timezones import DEFAULT_TIMEZONE, check_timezone
from sources.bytehr import settings
from sources.bytehr.chunks import continue_run
from sources.bytehr.client import make_client
from sources.bytehr.coverage import count_custom_fields, record_definition
from sources.bytehr.custom_fields import STATE_KEY as COLUMNS_STATE_KEY
from sources.bytehr.custom_fields import (
    ColumnNames,
    FrozenCheck,
    child_table,
    column_path,
    pivot,
    raw_digest,
    sent_fields,
)
from sources.bytehr.pacing import PacePolicy, WalkPacer, cadence_caps
from sources.bytehr.quota import QuotaInfo, QuotaLedger, fingerprint
from sources.bytehr.turns import WalkTurns
from sources.bytehr.values import CustomFieldValues, mark_sent
from sources.bytehr.walk import Transform, WalkOptions, quota_walk

__all__ = ["bytehr_source"]


@dlt.source(name="bytehr")
@with_bounds(settings.PROVIDER, settings.BOUNDS)
@with_http_settings(settings.PROVIDER)
def bytehr_source(
    base_url: str = dlt.config.value,
    api_key: str = dlt.secrets.value,
    page_size: int = settings.PAGE_SIZE,
    quota_mode: str = "refuse",
    quota_reserve: int = settings.QUOTA_RESERVE,
    quota_pacing: str = "even",
    pace_burst_runs: float = settings.PACE_BURST_RUNS,
    pace_burst_share: float = settings.PACE_BURST_SHARE,
    walk_priority: list[str] | None = None,
    schedule_runs_per_day: float | None = None,
    delete_mode: str = "flag",
    min_interval_hours: dict[str, float] | None = None,
    expiry_warning_days: float = settings.EXPIRY_WARNING_DAYS,
    schema_contract: str = "evolve",
    skip_unchanged: bool = True,
    max_rereads: int = settings.MAX_REREADS,
    paths: dict[str, str] | None = None,
    header_names: dict[str, str] | None = None,
    first_page: int = settings.FIRST_PAGE,
    checkpoint_pages: int = settings.CHECKPOINT_PAGES,
    timezone: str = DEFAULT_TIMEZONE,
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
        quota_pacing: ``even``: a resource is walked when its walk fits the even pace of the cycle's
            budget plus a burst allowance (``sources/bytehr/pacing.py``); ``off``: every run walks
            everything the quota above the reserve pays for.
        pace_burst_runs: The burst allowance, in full runs (of all resources).
        pace_burst_share: The burst allowance as a share of the cycle's budget, when that is more.
        walk_priority: The order resources get the quota in when it cannot pay for all (every
            resource, once); default ``settings.WALK_PRIORITY``.
        schedule_runs_per_day: Runs a day of the schedule, for ``hr-elt quota bytehr``'s plan
            (None: learned from the last runs' start times).
        delete_mode: What a record missing from a complete walk becomes: ``flag`` (``_deleted_at``
            set), ``hard_delete`` (row removed) or ``scd2`` (history kept, the version retired).
        min_interval_hours: A cadence cap: hours at least between complete walks per resource
            (``"*"`` for all unlisted; none by default). A resource not due is skipped without a request.
        expiry_warning_days: Warn when the API key expires in fewer days than this.
        schema_contract: ``evolve`` (new custom fields become columns), ``freeze`` (a new field
            fails the run, naming it), ``discard_row`` or ``discard_value``.
        skip_unchanged: Leave out records whose content is unchanged since they were loaded.
        max_rereads: Page re-reads per walk to repair records shifted by concurrent deletes.
        paths: Endpoint path per resource, over ``settings.ENDPOINTS``.
        header_names: ByteHR header names, over ``settings.HEADER_NAMES`` (keys: api_key,
            request_id, quota_limit, quota_remaining, quota_reset, key_expires_at).
        first_page: Number of the first page.
        checkpoint_pages: In the run path's chunk loop, pages a walk reads at most between two commits
            (its rows and resume point): what a kill costs in quota again.
        timezone: The tenant's time zone (IANA name, default ``UTC``): its "today" and the day a load's
            observation falls on in the history models (``sources/_shared/timezones.py``).
        http: The HTTP settings (``timeout``, ``max_attempts``, ...; sources._shared.http.settings).

    Returns:
        The declared resources (``sources/bytehr/declaration.py``), in ``walk_priority`` order (by
        default the custom field definitions first: their single request tells the quota to the others),
        and ``employees_versions``: every version of an employee a walk loaded, custom fields included
        (an append log, ``sources/_shared/history.py``).
    """
    provider = settings.PROVIDER
    start = begin_source(provider, base_url, title=settings.TITLE, secrets={"api_key": api_key})
    key = start.secret("api_key")
    check_choice(provider, "quota_mode", quota_mode, settings.QUOTA_MODES)
    check_choice(provider, "delete_mode", delete_mode, DELETE_MODES)
    check_choice(provider, "schema_contract", schema_contract, settings.SCHEMA_CONTRACT_MODES)
    check_choice(provider, "quota_pacing", quota_pacing, settings.QUOTA_PACINGS)
    check_timezone(provider, timezone)  # read by the dbt history models; dates are never converted
    policy = PacePolicy(quota_pacing, quota_reserve, float(pace_burst_runs), float(pace_burst_share),
                        _priority(provider, walk_priority), cadence_caps(min_interval_hours))
    endpoints = _merged(provider, "paths", settings.ENDPOINTS, paths)
    headers = _merged(provider, "header_names", settings.HEADER_NAMES, header_names)
    context = start.context
    ledger = continue_run(QuotaLedger(quota_reserve, headers, expiry_warning_days, fingerprint(key), context=context))
    ledger.use_pacer(WalkPacer(ledger, policy, page_size))
    client_for = ClientCache(lambda resource: make_client(start.base_url, key, resource, http, ledger, headers,
                                                          context))

    meter = meter_of(context)  # field coverage counts custom fields as sent (sources/bytehr/coverage.py)
    transforms: dict[str, Callable[[], Transform]] = {
        "custom_field_definitions": lambda: _definitions_transform(meter),
        "employees": lambda: _employees_transform(schema_contract == "freeze", meter),
    }
    resources = []
    # the walks in walk_priority's order, one after another (sources/bytehr/turns.py): a quota too
    # short for all is spent on the resources that come first in it, whatever dlt's next_item_mode
    turns = WalkTurns(policy.priority)
    for name in policy.priority:
        path = endpoints[name]
        options = WalkOptions(
            resource=name, path=path, primary_key=settings.PRIMARY_KEYS[name],
            ordered=name in settings.ORDERED_BY_KEY, page_size=page_size, first_page=first_page,
            quota_mode=quota_mode, max_rereads=max_rereads, skip_unchanged=skip_unchanged,
            delete_mode=delete_mode, checkpoint_pages=checkpoint_pages,
            digest=raw_digest if name == "employees" else content_digest,
            timestamps=settings.TIMESTAMP_FIELDS.get(name, ()),
            # Arrow tables (extract writes parquet); scd2 keeps dicts: its `_dlt_id` is dlt's row hash
            arrow_columns=settings.ARROW_COLUMNS.get(name) if delete_mode != "scd2" else None,
        )
        resource = _snapshot_resource(options, client_for, ledger, transforms.get(name), turns)
        if name == "employees":
            resource.add_step(CustomFieldValues())  # custom_field_values (sources/bytehr/values.py)
        resource.apply_hints(**snapshot_hints(options.primary_key, delete_mode))
        resource.apply_hints(schema_contract=_contract(schema_contract))
        resources.append(resource)
        if name == "employees":  # right after its parent: dlt starts the parent where the transformer stands
            resources.append(versions_of(resource, settings.PRIMARY_KEYS["employees"], observed_now()))
    probe_path = endpoints["custom_field_definitions"]
    probe_params = {settings.LIMIT_PARAM: 1, settings.PAGE_PARAM: first_page}
    definitions = next(r for r in resources if r.name == "custom_field_definitions")
    attach_probe(definitions, CredentialsProbe(  # hr-elt check: one request of the monthly quota
        request=f"GET {probe_path}?{settings.LIMIT_PARAM}=1&{settings.PAGE_PARAM}={first_page}",
        send=lambda: request_id(client_for("custom_field_definitions").get(probe_path, params=probe_params),
                                headers["request_id"]),
        spends_quota=True,
        cost=_quota_cost,
    ))
    return resources


def _quota_cost(state: Mapping[str, Any]) -> str | None:
    """``1 of your 912 requests left this cycle (as of ...)``, from the quota the last run saved."""
    info = QuotaInfo.from_state(state.get("quota"))
    if info.remaining is None:
        return None
    of = f"of {info.limit}; " if info.limit is not None else ""
    return (f"1 of your {info.remaining} requests left this cycle ({of}as of the last run, {info.observed_at}; "
            f"the quota resets at {info.reset or 'an unknown time'})")


def _snapshot_resource(options: WalkOptions, client_for: Callable[[str], ProviderRESTClient], ledger: QuotaLedger,
                       make_transform: Callable[[], Transform] | None, turns: WalkTurns) -> DltResource:
    columns: dict[str, TColumnSchema] = {}
    if options.resource == "custom_field_definitions":
        columns = {"column_name": {"data_type": "text"}, "table_name": {"data_type": "text"}}

    @dlt.resource(name=options.resource, columns=columns)
    def snapshot() -> Iterator[TDataItems]:
        yield from quota_walk(options, client_for(options.resource), ledger, make_transform, turns)

    return snapshot()


def _employees_transform(frozen: bool, meter: FieldMeter) -> Transform:
    names = ColumnNames(dlt.current.source_state().setdefault(COLUMNS_STATE_KEY, {}))
    check = FrozenCheck(dlt.current.source_schema(), "employees") if frozen else None

    schema = dlt.current.source_schema()

    def transform(row: dict[str, Any]) -> dict[str, Any]:
        count_custom_fields(meter, row)
        sent = sent_fields(row, names, schema)
        row = mark_sent(pivot(row, names), sent)
        if check is not None:
            check.check(row, names)
        return row

    return transform


def _definitions_transform(meter: FieldMeter) -> Transform:
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
        record_definition(meter, row)
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


def _priority(provider: str, order: list[str] | None) -> tuple[str, ...]:
    if order is None:
        return settings.WALK_PRIORITY
    if sorted(order) != sorted(settings.ENDPOINTS):
        raise ProviderConfigError(provider, f"walk_priority {order!r} must name every resource once: "
                                  f"{sorted(settings.ENDPOINTS)}", hint=f"Set sources.{provider}.walk_priority")
    return tuple(order)
