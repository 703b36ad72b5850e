"""CuteHR source: employees, departments, leaves and attendance.

A login gives a bearer token (one login per run, a silent re-login on a 401); pages follow the
API's ``next`` links; every request is paced to the per-token rate limit. Employees and
departments are read whole every run and deletes are detected from complete walks; leaves load
incrementally by ``modified_since``; attendance backfills in date windows of at most 31 days, then
re-reads a look-back each run so corrections land. See ``sources/cutehr/README.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

import dlt
from dlt.common.schema.typing import TColumnSchema
from dlt.common.typing import TDataItems
from dlt.sources import DltResource, incremental

from sources._shared.bounds import with_bounds
from sources._shared.checkpoint import checkpoints_of
from sources._shared.config import check_choice
from sources._shared.context import RunContext
from sources._shared.dlt_compat import INCREMENTAL_PLACEMENT, LIMIT_PLACEMENT, ItemTransform
from sources._shared.errors import ProviderAuthError, ProviderConfigError
from sources._shared.history import observed_now, versions_of
from sources._shared.http.client import ProviderRESTClient
from sources._shared.http.pacing import RatePacer
from sources._shared.http.settings import HttpSettings, with_http_settings
from sources._shared.probe import CredentialsProbe, attach_probe
from sources._shared.progress import finished_earlier, progress_of
from sources._shared.prologue import begin_source
from sources._shared.resources import WalkEnd, WalkReport, isolate_failure, snapshot_walk
from sources._shared.rows.timestamps import parse_iso_columns
from sources._shared.state.deletes import DELETE_MODES, snapshot_hints
from sources._shared.state.incremental import BoundaryDedup
from sources._shared.state.snapshot import SnapshotTracker
from sources._shared.timezones import DEFAULT_TIMEZONE, check_timezone, today_in
from sources.cutehr import settings
from sources.cutehr.backfill import LoadedRange, announce, backfill_windows
from sources.cutehr.client import CuteHRClients, merged_paths
from sources.cutehr.walks import LeavesWalkGuard, SnapshotCheck, page_count
from sources.cutehr.window_run import WindowRun
from sources.cutehr.windows import DayDigests, next_start, parse_day, windows

__all__ = ["cutehr_source"]

logger = logging.getLogger("sources.cutehr")

ClientFor = Callable[[str], ProviderRESTClient]


@dlt.source(name="cutehr")
@with_bounds(settings.PROVIDER, settings.BOUNDS)
@with_http_settings(settings.PROVIDER, max_attempts=settings.MAX_ATTEMPTS)
def cutehr_source(
    base_url: str = dlt.config.value,
    email: str = dlt.config.value,
    password: str = dlt.secrets.value,
    attendance_start_date: str | None = None,
    page_size: int = settings.PAGE_SIZE,
    attendance_window_days: int = settings.ATTENDANCE_WINDOW_DAYS,
    attendance_lookback_days: int = settings.ATTENDANCE_LOOKBACK_DAYS,
    requests_per_minute: int = settings.REQUESTS_PER_MINUTE,
    rate_window_seconds: float = settings.RATE_WINDOW_SECONDS,
    delete_mode: str = "flag",
    skip_unchanged: bool = True,
    login_path: str = settings.LOGIN_PATH,
    paths: dict[str, str] | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    *,
    http: HttpSettings,
) -> Sequence[DltResource]:
    """The CuteHR source. Creating it validates settings and sends no request.

    Args:
        base_url: API host root, e.g. ``https://api.cutehr.io``; must be https unless the host is loopback.
        email: Login e-mail of the API account.
        password: Login password (secret).
        attendance_start_date: First day of attendance to backfill (``YYYY-MM-DD``); None starts at
            today minus the look-back. Moved before the loaded range later, the missing days are
            backfilled (``sources/cutehr/backfill.py``); moved later, nothing is deleted.
        page_size: Records per page, 1..200.
        attendance_window_days: Days per attendance request (``date_from``..``date_to`` inclusive).
        attendance_lookback_days: Days before today that every run reads again (corrections).
        requests_per_minute: Requests sent per ``rate_window_seconds`` at most (0: no pacing).
        rate_window_seconds: Length of the rate-limit window, seconds.
        delete_mode: What an employee or department missing from a complete walk becomes: ``flag``
            (``_deleted_at`` set), ``hard_delete`` (row removed) or ``scd2`` (history kept).
        skip_unchanged: Leave out employees, departments and re-read attendance rows whose content
            is unchanged since they were loaded.
        login_path: Path of the login endpoint.
        paths: Endpoint path per resource, over the contract's (keys: employees, departments,
            leaves, attendance).
        timezone: The tenant's time zone (IANA name, default ``UTC``): attendance is read up to the
            tenant's today, and the look-back counts the tenant's days; the history models date a
            load's observation in it (``sources/_shared/timezones.py``).
        http: The HTTP settings (``timeout``, ``max_attempts``, ...; sources._shared.http.settings).

    Returns:
        The resources ``employees``, ``departments``, ``leaves``, ``attendance``, and
        ``employees_versions``: every version of an employee a walk loaded (an append log,
        ``sources/_shared/history.py``).
    """
    provider = settings.PROVIDER
    start = begin_source(provider, base_url, title=settings.TITLE, required={"email": email},
                         secrets={"password": password}, https_only=True)
    check_choice(provider, "delete_mode", delete_mode, DELETE_MODES)
    start_day = parse_day("attendance_start_date", attendance_start_date)
    zone = check_timezone(provider, timezone)
    unknown = set(paths or {}) - set(settings.ENDPOINTS)
    if unknown:
        raise ProviderConfigError(provider, f"paths has unknown keys {sorted(unknown)}; "
                                  f"known: {sorted(settings.ENDPOINTS)}", hint="Fix sources.cutehr.paths")
    endpoints = merged_paths(paths)
    pacer = None
    if requests_per_minute:
        pacer = RatePacer(max_requests=requests_per_minute,
                          per_seconds=float(rate_window_seconds) + settings.PACING_MARGIN_SECONDS,
                          honour_headers=False)
    context = start.context
    clients = CuteHRClients(start.base_url, start.secret("email"), start.secret("password"), login_path, http, pacer,
                            attendance_window_days, context)

    resources = []
    for name in ("employees", "departments"):
        # Arrow tables (extract writes parquet); scd2 keeps dicts: its `_dlt_id` is dlt's row hash
        arrow_columns = settings.ARROW_COLUMNS[name] if delete_mode != "scd2" else None
        resource = _snapshot_resource(name, endpoints[name], clients.client, context, page_size, skip_unchanged,
                                      arrow_columns, delete_mode)
        hints = snapshot_hints("id", delete_mode)
        hints["columns"] = {**settings.COLUMNS[name], **hints["columns"]}
        resource.apply_hints(**hints)
        resources.append(resource)

    def login() -> str | None:
        clients.login.token()
        return clients.login.request_id

    attach_probe(resources[0], CredentialsProbe(request=f"POST {login_path}", send=login))  # hr-elt check
    resources.append(_leaves(endpoints["leaves"], clients.client, context, page_size))
    resources.append(_attendance(endpoints["attendance"], clients.client, context, page_size, start_day,
                                 attendance_window_days, attendance_lookback_days, skip_unchanged, zone))
    resources.insert(1, versions_of(resources[0], "id", observed_now()))  # right after employees, its parent
    return resources


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _snapshot_resource(name: str, path: str, client_for: ClientFor, context: RunContext, page_size: int,
                       skip_unchanged: bool, arrow_columns: Mapping[str, TColumnSchema] | None,
                       delete_mode: str) -> DltResource:
    """A list read whole every run: only new or changed records load; a trusted walk finds deletes.

    The shared snapshot walk (``sources/_shared/resources.py``) with CuteHR's pages: with
    `arrow_columns`, new and changed records go to dlt as Arrow tables of up to 5,000 rows, flushed
    before the walk writes its digests to the state; rows that do not fit the declared types, and
    tombstones, go as dicts.
    """

    @dlt.resource(name=name)
    def snapshot() -> Iterator[TDataItems]:
        if finished_earlier(context, settings.PROVIDER, name):
            return  # read whole in an earlier chunk of this run
        state = dlt.current.resource_state()
        state.pop("walk", None)  # CuteHR lists are read whole every run: there is never a walk to resume
        tracker = SnapshotTracker(state, settings.PROVIDER, "id", skip_unchanged)
        tracker.begin(_now_iso())
        check = SnapshotCheck(tracker)
        verdict: list[str | None] = []  # why the walk is not trusted (None: trusted), once the pages ended

        progress = progress_of(context)

        def pages() -> Iterator[list[dict[str, Any]]]:
            for page in client_for(name).paginate(path, params={settings.PAGE_SIZE_PARAM: page_size}):
                rows = [dict(row) for row in page]
                count = page_count(page)
                check.observe(rows, count)
                yield rows
                progress.report(settings.PROVIDER, name, done=len(tracker.seen), total=count)

        def end() -> WalkEnd:
            trusted, why = check.verdict(len(tracker.seen))
            verdict.append(None if trusted else why)
            return WalkEnd(True, trusted, None, {"pages": check.pages})

        dates, timestamps = settings.PARSED_COLUMNS.get(name, ((), ()))
        yield from snapshot_walk(tracker, pages(), end, _now_iso, dates=dates, timestamps=timestamps,
                                 arrow_columns=arrow_columns,
                                 report=WalkReport(context, settings.PROVIDER, name, delete_mode))
        why = verdict[0] if verdict else None
        if why is not None:
            context.note(settings.PROVIDER, f"walk/{name}", f"{name}: {why}; deletes wait for the next run")
            logger.warning("%s [%s]: %s; deletes wait for the next complete walk", settings.PROVIDER, name, why)
        progress.finish(settings.PROVIDER, name)

    return snapshot()


def _leaves(path: str, client_for: ClientFor, context: RunContext, page_size: int) -> DltResource:
    """Leaves by inclusive ``modified_since``; ties at the boundary load once; a moving list rewinds the cursor."""

    @dlt.resource(name="leaves", primary_key="id", write_disposition="merge", columns=settings.COLUMNS["leaves"])
    def leaves(
        cursor: incremental[str] = incremental(settings.LEAVES_CURSOR, initial_value=None, primary_key=()),
    ) -> Iterator[TDataItems]:
        if finished_earlier(context, settings.PROVIDER, "leaves"):
            return  # read in an earlier chunk of this run
        params: dict[str, Any] = {settings.PAGE_SIZE_PARAM: page_size}
        if cursor.start_value:
            params[settings.MODIFIED_SINCE_PARAM] = cursor.start_value
        dedup = BoundaryDedup(dlt.current.resource_state(), settings.LEAVES_CURSOR)
        guard = LeavesWalkGuard(settings.LEAVES_CURSOR)
        held: list[dict[str, Any]] = []  # pages gathered into one item: dlt's cost is per item
        for page in client_for("leaves").paginate(path, params=params):
            rows = [dict(row) for row in page]
            guard.observe(rows, page_count(page))
            fresh = dedup.filter(rows)
            if fresh:
                parse_iso_columns(fresh, *settings.PARSED_COLUMNS["leaves"])
                held.extend(fresh)
            if len(held) >= settings.LEAVES_BATCH_ROWS:
                dedup.save()  # the boundary in the state goes with the rows that carry it
                yield held
                held = []
        dedup.save()
        if held:
            yield held
        target = guard.next_cursor(cursor.start_value)
        if target is not None and target != cursor.last_value:
            cursor.advance(target)
        if guard.rewind_to is not None:
            why = "; ".join(guard.reasons[:3]) + ("; ..." if len(guard.reasons) > 3 else "")
            context.note(settings.PROVIDER, "walk/leaves",
                       f"leaves: the list moved during the walk ({why}); the next run re-reads from {target}")
            logger.warning("%s [leaves]: the list moved during the walk (%s); the next run re-reads from "
                           "modified_since=%s", settings.PROVIDER, why, target)
        progress_of(context).finish(settings.PROVIDER, "leaves")

    leaves.add_step(_LeavesAsArrow())
    return leaves


class _LeavesAsArrow(ItemTransform[Any, dict[str, Any]]):
    """After the incremental step: each item of leaves goes on as one Arrow table (extract writes parquet).

    The incremental step and the boundary dedup work on the dict records with ``modified_at`` as
    the string CuteHR sent; this step, placed after them, parses ``modified_at`` and builds the table
    with ``settings.LEAVES_ARROW_COLUMNS`` (``sources/_shared/rows/arrow.py``). An item that does not
    fit goes on as dicts, as before. One table per item (the resource gathers pages up to
    ``settings.LEAVES_BATCH_ROWS`` rows): state and rows never part (this step holds nothing).
    """

    # after the incremental, before dlt's limit step
    placement_affinity: ClassVar[float] = (INCREMENTAL_PLACEMENT + LIMIT_PLACEMENT) / 2

    def __init__(self) -> None:
        super().__init__(lambda item: item)
        self._pages: Any = None
        self._load_id: str | None = None

    def __call__(self, item: TDataItems, meta: Any = None) -> TDataItems | None:
        if not isinstance(item, list) or not item or not all(type(row) is dict for row in item):
            return item
        load_id = str(dlt.current.load_package_state()["load_id"])
        if self._pages is None or load_id != self._load_id:
            from sources._shared.rows.arrow import ArrowPages  # pyarrow only once leaves load

            self._pages, self._load_id = ArrowPages(settings.LEAVES_ARROW_COLUMNS), load_id
        rows = [dict(row) for row in item]
        parse_iso_columns(rows, timestamps=(settings.LEAVES_CURSOR,))
        table = self._pages.table(rows)
        return item if table is None else table


def _attendance(path: str, client_for: ClientFor, context: RunContext, page_size: int, start_day: date | None,
                window_days: int, lookback_days: int, skip_unchanged: bool, zone: str) -> DltResource:
    """Attendance in date windows; each finished window moves the cursor, committed with the load.

    Rows go to dlt as Arrow tables of up to 5,000 rows (``sources/_shared/rows/arrow.py``), with the
    table's columns and types; rows that do not fit the declared types go as dicts, as before.
    """
    initial = start_day.isoformat() if start_day else None

    @dlt.resource(name="attendance", primary_key="id", write_disposition="merge",
                  columns=settings.COLUMNS["attendance"])
    def attendance(
        day: incremental[str] = incremental(settings.ATTENDANCE_CURSOR, initial_value=initial, primary_key=()),
    ) -> Iterator[TDataItems]:
        if finished_earlier(context, settings.PROVIDER, "attendance"):
            return  # every window of this run was read in an earlier chunk
        today = today_in(zone)  # the tenant's: a day is read once it has begun there, never before
        state = dlt.current.resource_state()
        loaded = LoadedRange.from_state(state, day.get_state())
        first = parse_day("attendance_start_date", day.start_value) or next_start(today, today, lookback_days)
        # the API applies the range; the cursor moves with finished windows, not with row values
        day.advance(first.isoformat())
        digests = DayDigests(state, skip_unchanged, remember_from=next_start(today, today, lookback_days))
        plan = windows(first, today, window_days)
        backfill = backfill_windows(start_day, loaded, window_days)
        run = WindowRun(progress_of(context), checkpoints_of(context), first, len(plan), len(backfill))
        if run.forward_done:
            plan = []  # read in an earlier chunk of this run: this chunk goes on with the backfill
        elif run.first == first:  # the run's first chunk: say what a moved start date makes it read
            moved = announce(start_day, loaded, backfill)
            if moved:
                context.note(settings.PROVIDER, "backfill/attendance", moved)
        from sources._shared.rows.arrow import ArrowPages  # pyarrow only once attendance runs

        batches = ArrowPages(settings.COLUMNS["attendance"])  # Arrow tables: extract writes parquet
        resume = first
        client = client_for("attendance")

        def read(date_from: date, date_to: date) -> Iterator[TDataItems]:
            params = {settings.DATE_FROM_PARAM: date_from.isoformat(), settings.DATE_TO_PARAM: date_to.isoformat(),
                      settings.PAGE_SIZE_PARAM: page_size}
            for page in client.paginate(path, params=params):
                fresh = digests.fresh(dict(row) for row in page)  # digested as received
                if fresh:
                    parse_iso_columns(fresh, *settings.PARSED_COLUMNS["attendance"])
                    yield from batches.add(fresh)
            yield from batches.flush()  # a window's rows leave before its cursor (or loaded range) moves

        try:
            with _isolate(context, "attendance"):
                for i, (date_from, date_to) in enumerate(plan):
                    yield from read(date_from, date_to)
                    resume = next_start(date_to, today, lookback_days)
                    day.advance(resume.isoformat())
                    digests.prune(resume)
                    loaded.add(date_from, date_to)
                    run.read()
                    final = resume == date_to + timedelta(days=1)
                    if run.stop_after(date_from, date_to, final, more=i + 1 < len(plan) or bool(backfill)):
                        break
                else:
                    run.forward_ended()
                for date_from, date_to in backfill if run.position is None else []:  # newest first: one span
                    yield from read(date_from, date_to)
                    loaded.add(date_from, date_to)
                    run.read(backfill=True)
                    if run.stop_after(date_from, date_to, True, more=(date_from, date_to) != backfill[-1]):
                        break
            yield from batches.flush()  # rows of a window that failed part-way load, as its digests say
        finally:
            digests.save(resume)
            loaded.save(state)
            done, planned, backfilled, backfill_planned = run.counts()
            if planned:
                context.note(settings.PROVIDER, "windows/attendance",
                           f"attendance: {done} of {planned} window(s) from {run.first} to {today}; "
                           f"the next run starts at {resume}")
            if backfill_planned:
                rest = "" if backfilled == backfill_planned else f"; the next run reads the days before {loaded.first}"
                context.note(settings.PROVIDER, "backfilled/attendance",
                             f"attendance: backfilled {backfilled} of {backfill_planned} window(s), "
                             f"loaded range now {loaded}{rest}")
        run.finish()

    return attendance


def _isolate(context: RunContext, resource: str) -> AbstractContextManager[None]:
    """An API failure in a window ends the resource: finished windows load and are kept, the run reports it.

    Refused credentials and bad settings are not isolated: they fail the whole run.
    """
    return isolate_failure(context, settings.PROVIDER, resource,
                           lambda e: not isinstance(e, (ProviderConfigError, ProviderAuthError)))
