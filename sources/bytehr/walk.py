"""One ByteHR resource as a snapshot walk: interval, quota plan, pages, unchanged rows, deletes.

The generator is the body of every ByteHR resource. Each run it:

0. waits for its turn: the walks before it in ``walk_priority`` in the same extraction end first
   (``sources/bytehr/turns.py``), so the quota goes to them first in every ``quota_mode``;
1. skips the resource without a request when the quota's pace, the cadence cap or the reserve
   says so (``pacing.WalkPacer``, which logs why; a walk in progress is always continued);
2. in ``quota_mode = "refuse"``, books the pages the walk needs (from the last complete walk,
   or from the first page's ``totalpages``) and refuses it when the quota cannot pay for them;
3. walks the pages with :class:`~sources.bytehr.client.SnapshotPaginator`, yielding only
   records that are new or changed since they were loaded (digested as received, so only those
   are reshaped by the resource's transform, e.g. the custom-field pivot);
4. at the end of a complete walk emits tombstones for remembered ids it did not see; an
   incomplete walk keeps its place in dlt state for the next run and deletes nothing.

Inside the run path's chunk loop (``sources/_shared/checkpoint.py``) a walk is also a checkpointed
one: once a commit is due (after ``checkpoint_pages`` = 5 pages of the walk by default, each of
them quota, or when the run's clock says so: its time limit, a stop) the walk stops after the page it just
yielded, exactly as a walk the quota stopped: its resume point and the ids seen so far go to dlt
state with the rows, the run path commits them, and the next chunk (or, after a kill, the next run)
resumes at the following page, with the page-shift checks carried in the resume point. A walk that
ended in an earlier chunk of the run is not walked again (``sources/_shared/progress.py``).

Steps 3 and 4 are the shared snapshot walk (``sources/_shared/resources.py``, also CuteHR's): this
module passes it the quota-bound pages. With ``WalkOptions.arrow_columns`` (leave requests), the
records go to dlt as Arrow tables of up to ``settings.ARROW_BATCH_ROWS`` rows, flushed before the
walk writes its resume point and digests to dlt state.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.schema.typing import TColumnSchema
from dlt.common.typing import TDataItems

from sources._shared import resources as shared
from sources._shared.checkpoint import Checkpoints, checkpoints_of
from sources._shared.errors import ProviderQuotaError
from sources._shared.http.client import ProviderRESTClient
from sources._shared.progress import finished_earlier, progress_of
from sources._shared.resources import WalkEnd, WalkReport
from sources._shared.state.digests import content_digest
from sources._shared.state.snapshot import SnapshotTracker
from sources.bytehr import settings
from sources.bytehr.client import SnapshotPaginator
from sources.bytehr.quota import CODE_RESERVE, QuotaLedger, iso, pages_for, utc_now
from sources.bytehr.turns import WalkTurns

logger = logging.getLogger("sources.bytehr")

Transform = Callable[[dict[str, Any]], dict[str, Any]]
Digest = Callable[[dict[str, Any]], bytes]


@dataclass(frozen=True)
class WalkOptions:
    """How one resource is walked; every field comes from a source setting."""

    resource: str
    path: str
    primary_key: str
    ordered: bool
    page_size: int
    first_page: int
    quota_mode: str
    max_rereads: int
    skip_unchanged: bool
    delete_mode: str = "flag"  # what a record missing from a complete walk becomes (the delete note says it)
    digest: Digest = content_digest  # of a record as received, before the transform
    timestamps: tuple[str, ...] = ()  # ISO timestamp fields parsed to datetime in the records yielded
    arrow_columns: Mapping[str, TColumnSchema] | None = None  # records as Arrow tables with these columns
    arrow_batch_rows: int = settings.ARROW_BATCH_ROWS
    limit_param: str = settings.LIMIT_PARAM
    page_param: str = settings.PAGE_PARAM
    checkpoint_pages: int = settings.CHECKPOINT_PAGES  # pages between commits inside the run path's chunk loop


def quota_walk(options: WalkOptions, client: ProviderRESTClient, ledger: QuotaLedger,
               make_transform: Callable[[], Transform] | None = None,
               turns: WalkTurns | None = None) -> Iterator[TDataItems]:
    """Walks one resource within the quota; yields its new and changed records, then its tombstones.

    The records, digests and tombstones are the shared snapshot walk's
    (:func:`sources._shared.resources.snapshot_walk`); this adds what the monthly quota needs around
    it: its turn in ``walk_priority`` (`turns`: the walks before it in the same extraction end first,
    ``sources/bytehr/turns.py``), admission by the pace (steps 1-2 of the module docstring), the
    quota-bound pages, the resume point of an incomplete walk, and the report of what the quota and
    page shifts cost.
    """
    name = options.resource
    if finished_earlier(ledger.context, settings.PROVIDER, name):
        return  # walked (or skipped by the pace) in an earlier chunk of this run
    if turns is None:
        yield from _admitted_walk(options, client, ledger, make_transform)
        return
    turns.enter(name)
    try:
        yield from turns.wait(name)
        yield from _admitted_walk(options, client, ledger, make_transform)
    finally:
        turns.leave(name)


def _admitted_walk(options: WalkOptions, client: ProviderRESTClient, ledger: QuotaLedger,
                   make_transform: Callable[[], Transform] | None) -> Iterator[TDataItems]:
    """The walk once it is its turn: the pace's admission, the pages, the report, the quota line."""
    name = options.resource
    source_state = dlt.current.source_state()
    ledger.attach(source_state)
    tracker = SnapshotTracker(dlt.current.resource_state(), settings.PROVIDER, options.primary_key,
                              options.skip_unchanged, options.digest)
    try:
        if not tracker.resuming and not ledger.pacer.admit(name, source_state):
            progress_of(ledger.context).finish(settings.PROVIDER, name)
            return  # the pace, the cadence cap or the reserve: said by the pacer (sources/bytehr/pacing.py)
        checkpoint = _Checkpoint(checkpoints_of(ledger.context), options.checkpoint_pages)
        yield from _walk(options, client, ledger, tracker, make_transform() if make_transform else None, checkpoint)
        if checkpoint.position is None:
            progress_of(ledger.context).finish(settings.PROVIDER, name)
        else:
            checkpoint.clock.stop_here(name, checkpoint.position)
    finally:
        ledger.publish(source_state.get("resources") or {}, options.page_size)


class _Checkpoint:
    """Where one walk asks for a checkpoint, and where it stopped for one (None: it did not).

    The interval is the walk's own: ``checkpoint_pages`` pages read in this chunk (each is quota), so
    a list of fewer pages is one load however many lists a run walks. The run's clock adds its time
    limit and a stop asked from outside (SIGTERM, a time budget).
    """

    def __init__(self, clock: Checkpoints, pages: int) -> None:
        self.clock = clock
        self.pages = pages
        self.read = 0
        self.position: str | None = None

    def answered(self) -> None:
        """One page answered in this chunk."""
        self.read += 1
        self.clock.count(1)

    def stop_if_due(self, paginator: SnapshotPaginator) -> bool:
        """At a safe point (a page yielded, the next not asked): stops the walk here when a commit is due."""
        if not self.clock.enabled or paginator.complete or paginator.stopped:
            return False
        if self.read < self.pages and not self.clock.due(max_requests=sys.maxsize):  # time or a stop only
            return False
        paginator.stop()
        self.position = f"page {paginator.current_value}" + (
            f" of {paginator.totalpages}" if paginator.totalpages else "")
        return True


def _walk(options: WalkOptions, client: ProviderRESTClient, ledger: QuotaLedger, tracker: SnapshotTracker,
          transform: Transform | None, checkpoint: _Checkpoint) -> Iterator[TDataItems]:
    name = options.resource
    resume = tracker.resume if isinstance(tracker.resume, dict) else None
    if resume is not None and resume.get("limit") != options.page_size:
        tracker.resume = resume = None  # the page size changed: page numbers mean other records now
    started = utc_now()
    tracker.begin(iso(started))
    paginator = SnapshotPaginator(
        options.primary_key, tracker, lambda: ledger.may_send(name), ordered=options.ordered,
        first_page=options.first_page, page_param=options.page_param, max_rereads=options.max_rereads, resume=resume,
    )
    needed = _pages_needed(tracker, resume, paginator, options.page_size)
    failures: list[ProviderQuotaError] = []

    def resume_point() -> dict[str, Any]:
        return {**paginator.resume_point(), "limit": options.page_size}

    def end() -> WalkEnd | None:
        if not paginator.requests and not tracker.resuming:
            return None  # no request this run: the state stays as it was
        return WalkEnd(paginator.complete, paginator.verified, resume_point(),
                       {"limit": options.page_size, "total": paginator.total})

    def reshape(fresh: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [transform(dict(row)) for row in fresh] if transform else [dict(row) for row in fresh]

    yield from shared.snapshot_walk(
        tracker, _pages(options, client, ledger, paginator, needed, failures, tracker, checkpoint), end,
        lambda: iso(utc_now()),
        reshape=reshape, timestamps=options.timestamps, arrow_columns=options.arrow_columns,
        batch_rows=options.arrow_batch_rows, on_close=resume_point,
        report=WalkReport(ledger.context, settings.PROVIDER, name, options.delete_mode))
    _report(options, paginator, tracker, failures[0] if failures else None, ledger, checkpoint)


def _pages(options: WalkOptions, client: ProviderRESTClient, ledger: QuotaLedger, paginator: SnapshotPaginator,
           needed: int | None, failures: list[ProviderQuotaError], tracker: SnapshotTracker,
           checkpoint: _Checkpoint) -> Iterator[list[dict[str, Any]]]:
    """The walk's pages within the quota: booked first in refuse mode, or stopped when it is spent.

    After each page is yielded (its records taken in by the tracker) and before the next is asked,
    the walk reports its progress and stops there when a checkpoint is due.

    A quota error ends the pages; it is kept in `failures` (refuse mode, or a spent quota rather than
    the reserve) for the report. The quota hold is released however the pages end.
    """
    name = options.resource
    refuse = options.quota_mode == "refuse"
    booked = False
    try:
        if refuse:
            booked = _book_or_refuse(ledger, name, needed)
        if not ledger.may_send(name):
            paginator.stop()
            raise ledger.refusal(name, "no request fits above the quota reserve") if refuse else _Stop()
        params = {options.limit_param: options.page_size}
        progress = progress_of(ledger.context)
        for page in client.paginate(options.path, params=params, paginator=paginator):
            checkpoint.answered()
            yield page
            progress.report(settings.PROVIDER, name, done=len(tracker.seen), total=paginator.total)
            if refuse and not booked and not paginator.complete and not paginator.stopped:
                # the quota or the page count was unknown before: the first page tells both
                booked = _book_or_refuse(ledger, name, paginator.pages_left(), stopped=paginator)
            checkpoint.stop_if_due(paginator)
    except _Stop:
        pass
    except ProviderQuotaError as error:
        if refuse or error.code != CODE_RESERVE:
            failures.append(error)
    finally:
        ledger.release(name)


class _Stop(Exception):
    """The quota allows no first request of a walk in partial mode: nothing to do this run."""


def _pages_needed(tracker: SnapshotTracker, resume: dict[str, Any] | None, paginator: SnapshotPaginator,
                  page_size: int) -> int | None:
    """Requests the walk (or the rest of a resumed one) takes, from what earlier runs saw; None: unknown."""
    if resume is not None and paginator.totalpages is not None:
        return paginator.pages_left()
    return pages_for(tracker.last_walk.get("records"), page_size)


def _book_or_refuse(ledger: QuotaLedger, name: str, needed: int | None,
                    stopped: SnapshotPaginator | None = None) -> bool:
    """Refuse mode: books the walk's pages, or raises when the quota above the reserve cannot pay for them.

    Returns False (nothing booked) while the page count or the quota is still unknown.
    """
    available = ledger.available(name)
    if needed is None or available is None:
        return False
    if available < needed:
        if stopped is not None:
            stopped.stop()
        raise ledger.refusal(name, "the walk does not fit in the quota", needed=needed)
    ledger.book(name, needed)
    return True


def _report(options: WalkOptions, paginator: SnapshotPaginator, tracker: SnapshotTracker,
            failure: ProviderQuotaError | None, ledger: QuotaLedger, checkpoint: _Checkpoint) -> None:
    name = options.resource
    if failure is not None:
        key = f"{settings.PROVIDER}/{name}"
        if ledger.failed_first is None or failure.code == CODE_RESERVE:
            ledger.failed_first = ledger.failed_first or name
            ledger.context.record_failure(key, str(failure))
            logger.error("%s", failure)
        else:
            ledger.context.note(settings.PROVIDER, f"walk/{name}",
                       f"{name}: stopped, the quota is spent (see {ledger.failed_first})")
    if not paginator.complete and not paginator.requests and not tracker.resuming:
        if failure is None:
            ledger.context.note(settings.PROVIDER, f"walk/{name}",
                                f"{name}: not walked, no request fits above the quota reserve; "
                                "it starts on the next run")
    elif checkpoint.position is not None and checkpoint.clock.stop_reason is None:
        pass  # stopped at a checkpoint: the next chunk of this run goes on from there
    elif not paginator.complete:
        where = f"page {paginator.current_value}" + (f" of {paginator.totalpages}" if paginator.totalpages else "")
        ledger.context.note(settings.PROVIDER, f"walk/{name}",
                   f"{name}: walk incomplete, {len(tracker.seen)} records seen so far; it continues at {where} "
                   f"on the next run and deletes nothing until it ends")
    _report_shifts(options, paginator, ledger, checkpoint)


def _report_shifts(options: WalkOptions, paginator: SnapshotPaginator, ledger: QuotaLedger,
                   checkpoint: _Checkpoint) -> None:
    """Says what the list moving during the walk cost in re-reads, and what they could not check."""
    name = options.resource
    moved = (f"{name}: the list changed during the walk (now {paginator.total} records)" if paginator.moves
             else f"{name}: a record remembered from the last walk was missing between two pages")
    if paginator.complete and not paginator.verified:
        why = (f"max_rereads ({options.max_rereads}) re-reads could not check every page boundary" if options.ordered
               else "on a list not served in key order a re-read cannot prove that nothing moved")
        text = (f"{moved}; {why}: records that moved back across a page boundary may be missing until the "
                f"next walk, and deletes wait for the next complete walk")
        ledger.context.note(settings.PROVIDER, f"walk/{name}", text)
        logger.info("%s", text)
    elif not paginator.complete and paginator.forward is not None:
        if checkpoint.position is not None and checkpoint.clock.stop_reason is None:
            return  # a checkpoint: the next chunk of this run reads that page first
        who = "the quota" if checkpoint.position is None else f"the run's stop ({checkpoint.clock.stop_reason})"
        text = (f"{moved}; {who} stopped the walk before page {paginator.current_value} was read again "
                f"to find records that moved back across a page boundary: the next run reads it first")
        ledger.context.note(settings.PROVIDER, f"shift/{name}", text)
        logger.info("%s", text)
    elif paginator.complete and paginator.rereads:
        text = (f"{moved}; {paginator.rereads} page(s) read again so that no record that moved back across a "
                f"page boundary is missed or taken for deleted")
        ledger.context.note(settings.PROVIDER, f"shift/{name}", text)
        logger.info("%s", text)
