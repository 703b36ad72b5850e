"""The resource shapes vendors share: the snapshot walk, and one resource failing on its own.

:func:`snapshot_walk` is the one sequence every list read whole goes through (ByteHR's resources,
CuteHR's employees and departments); the vendor passes its pages in:

1. every page's records go through the :class:`~sources._shared.state.snapshot.SnapshotTracker`
   (digested as received): only records not seen earlier in the walk, and new or changed, go on;
2. those are reshaped (the vendor's ``reshape``, e.g. ByteHR's custom-field pivot) and their ISO
   dates and timestamps parsed (``sources/_shared/rows/timestamps.py``);
3. with ``arrow_columns`` they are held and go to dlt as Arrow tables of up to ``batch_rows`` rows
   (``sources/_shared/rows/arrow.py``), else as the page's list of dicts;
4. when the pages end, the held rows are flushed *before* the tracker writes its digests and resume
   point to dlt state: a state that says a record was loaded always goes with the package that
   holds it;
5. the tracker ends this run's part of the walk (:class:`WalkEnd`, asked of the vendor once the pages
   ended, as only then is it known whether the walk was complete and its boundaries verified) and
   the tombstones of a complete, verified walk are yielded last;
6. with a :class:`WalkReport`, the run's context gets the walk's counts: records inserted (ids not
   remembered), updated (remembered, content changed), unchanged, and deleted (the tombstones, with
   the one delete note of :func:`~sources._shared.state.deletes.report_deletes`).

A walk closed early by dlt (e.g. ``add_limit``) writes its resume point only when no rows are held
(``on_close``): held rows cannot leave a closed generator, so the state stays as the last run left
it and the next run reads those pages again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from dlt.common.schema.typing import TColumnSchema
from dlt.common.typing import TDataItems

from sources._shared.context import RunContext
from sources._shared.errors import ProviderError
from sources._shared.rows.timestamps import parse_iso_columns
from sources._shared.state.deletes import report_deletes
from sources._shared.state.snapshot import SnapshotTracker

Records = list[dict[str, Any]]
DEFAULT_BATCH_ROWS = 5_000  # as sources/_shared/rows/arrow.py (not imported here: pyarrow only where used)

logger = logging.getLogger("sources")


@contextmanager
def isolate_failure(context: RunContext, provider: str, resource: str,
                    when: Callable[[ProviderError], bool]) -> Iterator[None]:
    """Records a matching error as this resource's failure and lets extraction go on.

    What the resource yielded before the error is loaded; its incremental cursor then
    stands at the last record yielded (results are ordered by the cursor), so nothing is
    skipped on the next run. The runner raises :class:`ProviderPartialFailure` after the load.
    """
    try:
        yield
    except ProviderError as error:
        if not when(error):
            raise
        context.record_failure(f"{provider}/{resource}", str(error))
        logger.error("%s", error)


@dataclass(frozen=True)
class WalkEnd:
    """How this run's part of a snapshot walk ended (see :meth:`SnapshotTracker.finish`).

    Attributes:
        complete: The walk reached its last page.
        verified: Every page boundary was checked; only then are unseen ids deleted.
        resume: Where the next run continues an incomplete walk.
        facts: Extra facts kept in ``last_walk`` of a complete walk.
    """

    complete: bool
    verified: bool
    resume: Any = None
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WalkReport:
    """Where a snapshot walk reports its counts: the run's context, the resource and its ``delete_mode``."""

    context: RunContext
    provider: str
    resource: str
    delete_mode: str

    def walked(self, tracker: SnapshotTracker, tombstones: Records | None) -> None:
        """Counts this run's part of the walk; `tombstones` None: the walk sent no request (no delete verdict)."""
        self.context.count_changes(self.provider, self.resource, inserted=tracker.inserted,
                                   updated=tracker.updated, unchanged=tracker.unchanged)
        if tombstones is not None:
            report_deletes(self.context, self.provider, self.resource, len(tombstones), self.delete_mode)


def snapshot_walk(tracker: SnapshotTracker, pages: Iterable[Records], end: Callable[[], WalkEnd | None],
                  now_iso: Callable[[], str], *, reshape: Callable[[Records], Records] | None = None,
                  dates: tuple[str, ...] = (), timestamps: tuple[str, ...] = (),
                  arrow_columns: Mapping[str, TColumnSchema] | None = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                  on_close: Callable[[], Any] | None = None,
                  report: WalkReport | None = None) -> Generator[TDataItems, None, Records]:
    """Walks a list read whole: yields its new and changed records (dicts or Arrow tables), then its tombstones.

    Args:
        tracker: The resource's tracker, begun (:meth:`SnapshotTracker.begin`) for this run.
        pages: The vendor's pages, each a list of records as received (a generator is closed
            when the walk ends, so its ``finally`` runs before the walk's state is written).
        end: Asked once the pages ended: how the walk ended, or None to leave the state as it is
            (e.g. no request was sent this run).
        now_iso: The current time as the vendor's ISO string (``started_at``, ``_deleted_at``).
        reshape: Turns the fresh records of a page into the rows to load (e.g. a pivot); rows are
            copies, the records themselves are the tracker's.
        dates: Fields parsed from ``YYYY-MM-DD`` to ``date``.
        timestamps: Fields parsed from ISO strings to aware ``datetime``.
        arrow_columns: The rows go to dlt as Arrow tables with these columns (None: as dicts).
        batch_rows: Rows per Arrow table.
        on_close: Called when dlt closes the walk while no rows are held; returns the resume point
            written to the state (None: nothing is written).
        report: Where the walk's counts and delete note go (None: nowhere).

    Returns:
        The tombstones yielded (the generator's return value, for ``yield from``).
    """
    batches = None
    if arrow_columns:
        from sources._shared.rows.arrow import ArrowPages  # pyarrow only where a walk yields Arrow tables

        batches = ArrowPages(arrow_columns, batch_rows)
    try:
        for page in pages:
            fresh = tracker.accept(page)  # digests the records as received: unchanged ones are never reshaped
            if not fresh:
                continue
            rows = reshape(fresh) if reshape is not None else fresh
            parse_iso_columns(rows, dates, timestamps)
            if batches is None:
                yield rows
            else:
                yield from batches.add(rows)
    except GeneratorExit:
        if on_close is not None and (batches is None or not batches.rows):
            resume = on_close()
            if resume is not None:
                tracker.finish(False, False, resume, {}, now_iso())
        raise
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
    if batches is not None:
        yield from batches.flush()  # before the state says these records were loaded
    outcome = end()
    if outcome is None:
        if report is not None:
            report.walked(tracker, None)
        return []
    tombstones = tracker.finish(outcome.complete, outcome.verified, outcome.resume, outcome.facts, now_iso())
    if tombstones:
        yield tombstones
    if report is not None:
        report.walked(tracker, tombstones)
    return tombstones
