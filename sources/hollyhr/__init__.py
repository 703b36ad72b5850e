"""HollyHR source: people, employments, employment history, time off and document metadata.

People, time off and documents load incrementally through HollyHR's inclusive
``updated_since`` filter over opaque cursor pages; employments and employment history are
read per person, only for people changed since the last run and for those whose read failed in
the last run (:mod:`sources._shared.state.retries`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

import dlt
from dlt.common.typing import TDataItems
from dlt.sources import DltResource, incremental

from sources._shared import declare
from sources._shared.bounds import with_bounds
from sources._shared.checkpoint import checkpoints_of
from sources._shared.config import check_choice, iso_utc
from sources._shared.context import RunContext
from sources._shared.errors import ProviderError
from sources._shared.fanout import fan_out
from sources._shared.history import observed_now, versions_of
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.pacing import RatePacer
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.probe import CredentialsProbe, attach_probe, request_id
from sources._shared.progress import RunProgress, progress_of
from sources._shared.prologue import ClientCache, begin_source
from sources._shared.resources import isolate_failure
from sources._shared.state.deletes import report_deletes
from sources._shared.state.incremental import BoundaryDedup
from sources._shared.state.retries import ChildRetries, retries_pending
from sources._shared.timezones import DEFAULT_TIMEZONE, check_timezone
from sources.hollyhr import settings
from sources.hollyhr.client import make_client, walk
from sources.hollyhr.declaration import RESOURCES

ClientFactory = Callable[[str], ProviderRESTClient]


@dlt.source(name="hollyhr")
@with_bounds(settings.PROVIDER, settings.BOUNDS)
@with_http_settings(settings.PROVIDER)
def hollyhr_source(
    base_url: str = dlt.config.value,
    api_token: str = dlt.secrets.value,
    start_date: str | None = None,
    page_size: int = settings.PAGE_SIZE,
    document_deletes: str = "flag",
    rate_limit_reserve: int = settings.RATE_LIMIT_RESERVE,
    max_cursor_restarts: int = settings.MAX_CURSOR_RESTARTS,
    child_concurrency: int = settings.CHILD_CONCURRENCY,
    timezone: str = DEFAULT_TIMEZONE,
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
        child_concurrency: Employment and history requests in flight at once, per route (1: one at a
            time); never more than the route's ``RateLimit-Limit`` allows.
        timezone: The tenant's time zone (IANA name, default ``UTC``): its "today" and the day a load's
            observation falls on in the history models (``sources/_shared/timezones.py``).
        http: The HTTP settings (``timeout``, ``max_attempts``, ...; sources._shared.http.settings).

    Returns:
        The declared resources (``sources/hollyhr/declaration.py``), in its order, then the versions
        (append logs, ``sources/_shared/history.py``) of the first three: ``people_versions``,
        ``employments_versions``, ``employment_history_versions``.
    """
    provider = settings.PROVIDER
    start = begin_source(provider, base_url, title=settings.TITLE, secrets={"api_token": api_token})
    check_choice(provider, "document_deletes", document_deletes, settings.DOCUMENT_DELETE_MODES)
    initial = iso_utc(provider, "start_date", start_date)
    check_timezone(provider, timezone)  # read by the dbt history models; dates are never converted
    context = start.context

    def make_route_client(resource: str) -> ProviderRESTClient:
        # each route has its own window; per-person routes also bound their requests in flight
        bound = child_concurrency if resource in settings.CHILD_RESOURCES else None
        pacer = RatePacer(reserve=rate_limit_reserve, max_in_flight=bound)
        return make_client(start.base_url, start.secret("api_token"), resource, http, pacer, context)

    client_for = ClientCache(make_route_client)

    def updated_since(name: str, columns: dict[str, Any] | None = None, deletes: str | None = None,
                      children: Sequence[str] = ()) -> DltResource:
        return _updated_since_resource(name, settings.UPDATED_SINCE_ENDPOINTS[name], client_for, context, initial,
                                       page_size, max_cursor_restarts, columns, deletes, children)

    people = updated_since("people", children=settings.CHILD_RESOURCES)
    people_path = settings.UPDATED_SINCE_ENDPOINTS["people"]
    attach_probe(people, CredentialsProbe(  # hr-elt check: one page of one person
        request=f"GET {people_path}?{settings.LIMIT_PARAM}=1",
        send=lambda: request_id(client_for("people").get(people_path, params={settings.LIMIT_PARAM: 1}),
                                settings.REQUEST_ID_HEADER),
    ))
    document_columns = {settings.DELETED_FIELD: {"hard_delete": True}} if document_deletes == "hard_delete" else None
    built = {
        "people": people,
        "employments": people | _employments(client_for, context, child_concurrency),
        "employment_history": people | _employment_history(client_for, context, page_size, child_concurrency),
        "documents": updated_since("documents", document_columns, deletes=document_deletes),
    }
    for name in settings.UPDATED_SINCE_ENDPOINTS:  # a plain updated-since list needs nothing but its declaration
        if name not in built:
            built[name] = updated_since(name)
    observed_at = observed_now()  # this run's: the one time every version it loads was seen at
    versions = {"people": versions_of(built["people"], "id", observed_at),
                "employments": versions_of(built["employments"], "person_id", observed_at),
                "employment_history": versions_of(built["employment_history"], "id", observed_at)}
    # each versions resource right after the one it keeps the versions of (as the spec lists them)
    return [resource for name in declare.named(RESOURCES)
            for resource in (built[name], *([versions[name]] if name in versions else []))]


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
    children: Sequence[str] = (),
) -> DltResource:
    """A list read by inclusive ``updated_since``, merged on ``id``.

    With `deletes` (the delete mode) its records carry ``deleted_at``: the run counts and notes the
    deleted ones it loads (:func:`~sources._shared.state.deletes.report_deletes`). With `children`
    (its transformers) it ends with an empty page when one of them has parents to read again, so
    that they run even when no record changed (:mod:`sources._shared.state.retries`).
    """
    hints: dict[str, Any] = {settings.CURSOR_FIELD: {"dedup_sort": "desc"}}
    hints.update(columns or {})

    @dlt.resource(name=name, primary_key="id", write_disposition="merge", columns=hints)
    def list_resource(
        cursor: incremental[str] = incremental(settings.CURSOR_FIELD, initial_value=initial, primary_key=()),
    ) -> Iterator[TDataItems]:
        params: dict[str, Any] = {settings.LIMIT_PARAM: page_size}
        checkpoints = checkpoints_of(context)
        if cursor.start_value:
            params[settings.UPDATED_SINCE_PARAM] = cursor.start_value
        elif checkpoints.enabled:  # the (updated_at, id) order a checkpoint relies on comes with the filter
            params[settings.UPDATED_SINCE_PARAM] = settings.EPOCH
        dedup = BoundaryDedup(dlt.current.resource_state(), settings.CURSOR_FIELD)
        deleted, stopped, moved = 0, False, False
        progress = _report_children(context, children)
        with _isolate(context, name):
            for page in walk(client_for(name), path, params, max_restarts):
                fresh = dedup.filter(page)
                dedup.save()
                # HollyHR gives no total: the records read so far, and the per-person requests they queue
                progress.add(settings.PROVIDER, name, done=len(fresh))
                for child in children:
                    progress.add(settings.PROVIDER, child, total=len(fresh))
                # the page, and the per-person requests its records will cost the children (dlt runs them
                # behind the walk): a checkpoint comes after about max_requests requests of work
                checkpoints.count(1 + len(fresh) * len(children))
                if fresh:
                    deleted += sum(1 for row in fresh if row.get(settings.DELETED_FIELD) is not None)
                    moved = True
                    yield fresh
                # a safe point: pages come in (updated_at, id) order, so the cursor, the boundary and the
                # children of every person yielded so far commit together; the next chunk asks from there.
                # Not before this chunk yielded a record: a walk that resumes inside a long run of equal
                # `updated_at` re-reads those pages (all skipped), and must get past them every time
                if moved and _has_more(page) and checkpoints.due():
                    checkpoints.stop_here(name, str(page[-1].get(settings.CURSOR_FIELD)) if page else "")
                    stopped = True
                    break
        if deletes is not None:
            report_deletes(context, settings.PROVIDER, name, deleted, deletes)
        if not stopped:  # every person is read: the children's totals are complete
            progress.finish(settings.PROVIDER, name)
            for child in children:
                progress.report(settings.PROVIDER, child, open_total=False)
        if children and not stopped and retries_pending(children):
            yield []

    return list_resource


def _report_children(context: RunContext, children: Sequence[str]) -> RunProgress:
    """The run's progress, with each child declared: people to read, at most the route's documented rate.

    A child's total is the people read so far (open: the vendor says nothing of the rest), so its
    ETA covers the requests already queued, at no more than the documented rate of its route.
    """
    progress = progress_of(context)
    for child in children:
        progress.report(settings.PROVIDER, child, unit="people", open_total=True,
                        max_rate=settings.ROUTE_REQUESTS_PER_MINUTE / 60)
    return progress


def _counted(context: RunContext, resource: str,
             call: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """`call`, counting each person it answered for in the run's progress (it runs in several threads)."""
    progress = progress_of(context)

    def counted(person: dict[str, Any]) -> Any:
        result = call(person)
        progress.add(settings.PROVIDER, resource, done=1)
        return result

    return counted


def _has_more(page: Any) -> bool:
    """Whether the walk has a page after `page` (dlt's PageData carries its paginator)."""
    paginator = getattr(page, "paginator", None)
    return bool(getattr(paginator, "has_next_page", True))


def _employments(client_for: ClientFactory, context: RunContext, concurrency: int) -> DltResource:
    retries = ChildRetries(context, settings.PROVIDER, "employments", ("people", "employment"),
                           limit=settings.CHILD_RETRY_LIMIT)

    @dlt.transformer(name="employments", primary_key="person_id", write_disposition="merge", parallelized=True)
    def employments(people: list[dict[str, Any]]) -> Iterator[TDataItems]:
        client = client_for("employments")

        def employment_of(person: dict[str, Any]) -> dict[str, Any] | None:
            try:
                response = client.get(settings.EMPLOYMENT_PATH.format(person_id=person["id"]))
            except ProviderError as error:
                if error.status == 404:  # a person without a current employment
                    return None
                raise
            record = response.json()
            record = record.get("data", record) if isinstance(record, dict) else record
            record.setdefault("person_id", person["id"])
            return cast(dict[str, Any], record)

        rows = []
        with _isolate(context, "employments"), _until_stopped():
            read = _stoppable(context, _counted(context, "employments", employment_of))
            for record in retries.read(read, people, _pool(concurrency, "hollyhr-employments")):
                if record is not None:
                    rows.append(record)
        if rows:
            yield rows

    return employments


def _employment_history(client_for: ClientFactory, context: RunContext, page_size: int,
                        concurrency: int) -> DltResource:
    retries = ChildRetries(context, settings.PROVIDER, "employment_history", ("people", "employment history"),
                           limit=settings.CHILD_RETRY_LIMIT)

    @dlt.transformer(name="employment_history", primary_key="id", write_disposition="merge", parallelized=True)
    def employment_history(people: list[dict[str, Any]]) -> Iterator[TDataItems]:
        client = client_for("employment_history")

        def history_of(person: dict[str, Any]) -> list[Any]:
            path = settings.EMPLOYMENT_HISTORY_PATH.format(person_id=person["id"])
            entries: list[Any] = []
            try:
                for page in client.paginate(path, params={settings.LIMIT_PARAM: page_size}):
                    entries.extend(page)
            except ProviderError as error:
                if error.status == 404:  # a person gone since an earlier run asked to read them again
                    return []
                raise
            return entries

        rows: list[Any] = []  # one item per page of people: dlt's cost per yielded item is per person otherwise
        with _isolate(context, "employment_history"), _until_stopped():
            read = _stoppable(context, _counted(context, "employment_history", history_of))
            for entries in retries.read(read, people, _pool(concurrency, "hollyhr-history")):
                rows.extend(entries)
        if rows:
            yield rows

    return employment_history


class _StopAsked(Exception):
    """A stop in a hurry was asked from outside the run (SIGTERM): no more per-person requests."""


def _stoppable(context: RunContext, call: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """`call`, refused once a stop in a hurry is asked (SIGTERM): the people not read stay in the retry set.

    The retry set (committed with the chunk) sends them first next run, so a SIGTERM does not wait
    for the per-person requests of every page the walk has already yielded.
    """
    checkpoints = checkpoints_of(context)

    def guarded(person: dict[str, Any]) -> Any:
        if checkpoints.hurry:
            raise _StopAsked
        return call(person)

    return guarded


@contextmanager
def _until_stopped() -> Iterator[None]:
    """Ends a child's page quietly when a stop was asked; what it read is yielded, the rest retried next run."""
    try:
        yield
    except _StopAsked:
        pass


def _pool(concurrency: int, name: str) -> Callable[[Callable[[Any], Any], Sequence[Any]], Iterator[Any]]:
    return lambda call, items: fan_out(call, items, concurrency, name)


def _isolate(context: RunContext, resource: str) -> AbstractContextManager[None]:
    """A missing scope fails only the resource that needs it."""
    return isolate_failure(context, settings.PROVIDER, resource,
                           lambda e: e.status == 403 and e.code == "permission_denied")
