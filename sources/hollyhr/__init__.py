"""HollyHR source: people, employments, employment history, time off and document metadata.

People, time off and documents load incrementally through HollyHR's inclusive
``updated_since`` filter over opaque cursor pages; employments and employment history are
read per person, only for people changed since the last run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import dlt
from dlt.common.typing import TDataItems
from dlt.extract.resource import DltResource
from dlt.sources import incremental

from sources._shared.config import check_base_url, check_choice, check_page_size, check_secret, iso_utc
from sources._shared.context import RunContext, context_for_new_source
from sources._shared.errors import ProviderError
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.pacing import RatePacer
from sources._shared.http.redaction import register_secret
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.resources import isolate_failure
from sources._shared.state.deletes import report_deletes
from sources._shared.state.incremental import BoundaryDedup
from sources.hollyhr import settings
from sources.hollyhr.client import make_client, walk

ClientFactory = Callable[[str], ProviderRESTClient]


@dlt.source(name="hollyhr")
@with_http_settings(settings.PROVIDER)
def hollyhr_source(
    base_url: str = dlt.config.value,
    api_token: str = dlt.secrets.value,
    start_date: str | None = None,
    page_size: int = settings.PAGE_SIZE,
    document_deletes: str = "flag",
    rate_limit_reserve: int = 0,
    max_cursor_restarts: int = 3,
    *,
    http: HttpSettings,
) -> Sequence[DltResource]:
    """The HollyHR source. Creating it validates settings and sends no request.

    Args:
        base_url: API root, e.g. ``https://api.hollyhr.com/api/v1``.
        api_token: API key (secret), sent as a bearer token.
        start_date: Initial ``updated_since`` for the first run (ISO-8601); None loads everything.
        page_size: Records per page, 1..200.
        document_deletes: ``flag`` keeps soft-deleted documents with ``deleted_at`` set;
            ``hard_delete`` removes them from the warehouse.
        rate_limit_reserve: Requests left unused in each rate-limit window before pacing waits.
        max_cursor_restarts: Walk restarts allowed per resource when a page cursor expires.
        http: The HTTP settings (``timeout``, ``max_attempts``, ...; sources._shared.http.settings).

    Returns:
        The resources ``people``, ``employments``, ``employment_history``, ``time_off``, ``documents``.
    """
    provider = settings.PROVIDER
    base_url = check_base_url(provider, base_url)
    token = check_secret(provider, "api_token", api_token)
    register_secret(token)
    check_page_size(provider, page_size, settings.MAX_PAGE_SIZE)
    check_choice(provider, "document_deletes", document_deletes, settings.DOCUMENT_DELETE_MODES)
    initial = iso_utc(provider, "start_date", start_date)
    context = context_for_new_source()

    clients: dict[str, ProviderRESTClient] = {}

    def client_for(resource: str) -> ProviderRESTClient:
        if resource not in clients:
            pacer = RatePacer(reserve=rate_limit_reserve)
            clients[resource] = make_client(base_url, token, resource, http, pacer, context)
        return clients[resource]

    def updated_since(name: str, columns: dict[str, Any] | None = None, deletes: str | None = None) -> DltResource:
        return _updated_since_resource(name, settings.UPDATED_SINCE_ENDPOINTS[name], client_for, context, initial,
                                       page_size, max_cursor_restarts, columns, deletes)

    people = updated_since("people")
    document_columns = {settings.DELETED_FIELD: {"hard_delete": True}} if document_deletes == "hard_delete" else None
    return [
        people,
        people | _employments(client_for, context),
        people | _employment_history(client_for, context, page_size),
        updated_since("time_off"),
        updated_since("documents", document_columns, deletes=document_deletes),
    ]


def _updated_since_resource(
    name: str,
    path: str,
    client_for: ClientFactory,
    context: RunContext,
    initial: str | None,
    page_size: int,
    max_restarts: int,
    columns: dict[str, Any] | None,
    deletes: str | None = None,
) -> DltResource:
    """A list read by inclusive ``updated_since``, merged on ``id``.

    With `deletes` (the delete mode) its records carry ``deleted_at``: the run counts and notes the
    deleted ones it loads (:func:`~sources._shared.state.deletes.report_deletes`).
    """
    hints: dict[str, Any] = {settings.CURSOR_FIELD: {"dedup_sort": "desc"}}
    hints.update(columns or {})

    @dlt.resource(name=name, primary_key="id", write_disposition="merge", columns=hints)
    def list_resource(
        cursor: incremental[str] = incremental(settings.CURSOR_FIELD, initial_value=initial, primary_key=()),
    ) -> Iterator[TDataItems]:
        params: dict[str, Any] = {settings.LIMIT_PARAM: page_size}
        if cursor.start_value:
            params[settings.UPDATED_SINCE_PARAM] = cursor.start_value
        dedup = BoundaryDedup(dlt.current.resource_state(), settings.CURSOR_FIELD)
        deleted = 0
        with _isolate(context, name):
            for page in walk(client_for(name), path, params, max_restarts):
                fresh = dedup.filter(page)
                dedup.save()
                if fresh:
                    deleted += sum(1 for row in fresh if row.get(settings.DELETED_FIELD) is not None)
                    yield fresh
        if deletes is not None:
            report_deletes(context, settings.PROVIDER, name, deleted, deletes)

    return list_resource


def _employments(client_for: ClientFactory, context: RunContext) -> DltResource:
    @dlt.transformer(name="employments", primary_key="person_id", write_disposition="merge")
    def employments(people: list[dict[str, Any]]) -> Iterator[TDataItems]:
        client = client_for("employments")
        rows = []
        with _isolate(context, "employments"):
            for person in people:
                try:
                    response = client.get(settings.EMPLOYMENT_PATH.format(person_id=person["id"]))
                except ProviderError as error:
                    if error.status == 404:  # a person without a current employment
                        continue
                    raise
                record = response.json()
                record = record.get("data", record) if isinstance(record, dict) else record
                record.setdefault("person_id", person["id"])
                rows.append(record)
        if rows:
            yield rows

    return employments


def _employment_history(client_for: ClientFactory, context: RunContext, page_size: int) -> DltResource:
    @dlt.transformer(name="employment_history", primary_key="id", write_disposition="merge")
    def employment_history(people: list[dict[str, Any]]) -> Iterator[TDataItems]:
        client = client_for("employment_history")
        rows: list[Any] = []  # one item per page of people: dlt's cost per yielded item is per person otherwise
        with _isolate(context, "employment_history"):
            for person in people:
                path = settings.EMPLOYMENT_HISTORY_PATH.format(person_id=person["id"])
                for page in client.paginate(path, params={settings.LIMIT_PARAM: page_size}):
                    rows.extend(page)
        if rows:
            yield rows

    return employment_history


def _isolate(context: RunContext, resource: str) -> AbstractContextManager[None]:
    """A missing scope fails only the resource that needs it."""
    return isolate_failure(context, settings.PROVIDER, resource,
                           lambda e: e.status == 403 and e.code == "permission_denied")
