"""Checks on page walks over CuteHR's live lists, whose pages are offsets into data that may move.

CuteHR pages by ``page`` number over the live list. When a record the walk already passed moves
away (a leave changed during the walk jumps to the end of the ``modified_at`` order, or a record is
deleted), every later record shifts one place towards the start and the record at the next page
boundary slides into a page already read: this walk never serves it. The guards here see the
signs of that (a record served twice, the ``count`` falling) and say what the run must not trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sources._shared.state.snapshot import SnapshotTracker

Row = dict[str, Any]
# CuteHR pages are followed by their `next` links, never built, so a page is not read again: a record
# that moved back onto a page already read loads on the next run (every run reads these lists whole)
MAY_MISS = ": records that moved back across a page boundary may be missing until the next run"


def page_count(page: Any) -> int | None:
    """The ``count`` of the answer a page came from (None when it has none)."""
    response = getattr(page, "response", None)
    if response is None:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("count") if isinstance(body, dict) else None
    return value if isinstance(value, int) else None


class LeavesWalkGuard:
    """Finds the earliest cursor value a ``modified_since`` walk may have skipped a record at.

    * A leave served twice moved from its old place (already read) to the end: the record that
      slid into the gap sorts after the moved leave's old place, so re-reading from the old
      ``modified_at`` (inclusive) serves it.
    * A ``count`` lower than the page before's means a record was deleted: the skipped record
      sorts after the last record of the page before the drop.

    Args:
        cursor_field: The ordering field, ``modified_at``.
        key: The record's id field.
    """

    def __init__(self, cursor_field: str, key: str = "id") -> None:
        self.cursor_field = cursor_field
        self.key = key
        self.first_seen: dict[Any, Any] = {}
        self.max_seen: Any = None
        self.rewind_to: Any = None
        self.reasons: list[str] = []
        self._count: int | None = None
        self._last: Any = None

    def observe(self, rows: Sequence[Row], count: int | None) -> None:
        """Looks at one page, in walk order."""
        if count is not None and self._count is not None and count < self._count and self._last is not None:
            self._rewind(self._last, f"count fell from {self._count} to {count}")
        for row in rows:
            key, value = row.get(self.key), row.get(self.cursor_field)
            if key in self.first_seen:
                self._rewind(self.first_seen[key], f"{self.key} {key} was served twice")
            else:
                self.first_seen[key] = value
            if value is not None and (self.max_seen is None or value > self.max_seen):
                self.max_seen = value
        if rows:
            self._last = rows[-1].get(self.cursor_field)
        if count is not None:
            self._count = count

    def next_cursor(self, start: Any) -> Any:
        """The next run's ``modified_since``: the highest value served, or the rewind point when lower.

        The highest value counts even when its records were left out as already loaded (boundary
        dedup), so the cursor never sticks below a boundary it has passed.
        """
        value = self.max_seen if self.max_seen is not None else start
        if self.rewind_to is not None and (value is None or self.rewind_to < value):
            value = self.rewind_to
        return value

    def _rewind(self, value: Any, reason: str) -> None:
        if value is None:
            return
        self.reasons.append(reason)
        if self.rewind_to is None or value < self.rewind_to:
            self.rewind_to = value


class SnapshotCheck:
    """Decides whether a whole-list walk saw the list as it was, so that unseen ids may be deleted.

    The walk is trusted when every page gave the same ``count``, no id came twice and the ids
    seen are as many as ``count``. One race passes those tests: a record deleted and another
    added between two pages. Then a remembered id sits unseen between two pages while a new id
    was seen, and the walk is not trusted either (deletes wait for the next run).

    Args:
        tracker: The resource's snapshot bookkeeping (digests of the ids loaded so far).
        key: The record's id field; the list is served in id order.
    """

    def __init__(self, tracker: SnapshotTracker, key: str = "id") -> None:
        self.tracker = tracker
        self.key = key
        self.counts: set[int] = set()
        self.pages = 0
        self.new_ids = False
        self.gap_suspect = False
        self._last: Any = None

    def observe(self, rows: Sequence[Row], count: int | None) -> None:
        """Looks at one page before the tracker accepts it."""
        self.pages += 1
        if count is not None:
            self.counts.add(count)
        if not rows:
            return
        first = rows[0].get(self.key)
        if self._last is not None and first is not None:
            try:
                if self.tracker.unseen_known_between(self._last, first):
                    self.gap_suspect = True
            except TypeError:  # ids of mixed types: no order to reason about
                self.gap_suspect = True
        if any(row.get(self.key) not in self.tracker.digests for row in rows):
            self.new_ids = True
        self._last = rows[-1].get(self.key)

    def verdict(self, seen: int) -> tuple[bool, str | None]:
        """(trusted, why not) after the last page; `seen` is the number of distinct ids seen.

        Any move of ``count`` makes the walk untrusted, a rise too: records added at the end hide
        records deleted before a page boundary, which shift a record onto a page already read.
        """
        if len(self.counts) > 1:
            return False, f"the list changed during the walk (count went {sorted(self.counts)}){MAY_MISS}"
        if self.tracker.duplicates:
            return False, f"{self.tracker.duplicates} record(s) came twice"
        if self.counts and seen != next(iter(self.counts)):
            return False, f"{seen} distinct records seen, count says {next(iter(self.counts))}{MAY_MISS}"
        if self.gap_suspect and self.new_ids:
            return False, f"a known record is missing between two pages while new records appeared{MAY_MISS}"
        return True, None
