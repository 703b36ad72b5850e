"""Attendance date windows, the look-back, and the digests that keep re-read days from loading twice.

CuteHR serves attendance only for a ``date_from``..``date_to`` window of at most 31 days. A run
reads the days from its start (the configured ``attendance_start_date`` on the first run, later the
``next_start`` the previous run saved) to today, window by window, oldest first. A start date moved
before the days already loaded makes the run read those days too (``backfill.py``).

Attendance for a day may be corrected for up to ``lookback`` days afterwards. So after a window
the next run must start at the first day not yet read or at ``today - lookback``, whichever is
earlier: a backfill window older than the look-back is final once read, and a recent one is read
again by every run until it has aged out of the look-back.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from datetime import date, datetime, timedelta
from typing import Any

from sources._shared.errors import ProviderConfigError, ProviderDataError
from sources._shared.state.codec import pack_digests
from sources._shared.state.digests import content_digest
from sources._shared.state.index import DigestIndex
from sources.cutehr import settings


def parse_day(key: str, value: str | date | None) -> date | None:
    """A ``YYYY-MM-DD`` setting as a date; a clear config error when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ProviderConfigError(settings.PROVIDER, f"{value!r} is not a date (YYYY-MM-DD)",
                                  hint=f"Set sources.cutehr.{key} (env SOURCES__CUTEHR__{key.upper()})") from None


def windows(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Consecutive windows of at most `days` days (both ends inclusive) covering `start`..`end`."""
    out = []
    current = start
    while current <= end:
        last = min(current + timedelta(days=days - 1), end)
        out.append((current, last))
        current = last + timedelta(days=1)
    return out


def next_start(window_end: date, today: date, lookback_days: int) -> date:
    """Where the next run starts once every day up to `window_end` has been read today."""
    return min(window_end + timedelta(days=1), today - timedelta(days=lookback_days))


class DayDigests:
    """Content digests of the attendance rows of the days the next run will read again.

    A re-read row whose content did not change since it was loaded is left out, so a run over an
    unchanged look-back loads nothing and a correction loads exactly the corrected row. Kept in
    the resource's dlt state (committed with the load), one packed map per day, and only for days
    from the next start on: about 8 bytes per employee and working day of the look-back in the state, ~15 in memory
    (:class:`~sources._shared.state.index.DigestIndex`).

    Args:
        state: The resource's dlt state.
        enabled: False keeps no digests and lets every re-read row through (merge dedups them).
        remember_from: The first day of this run's look-back; rows of earlier days without digests
            (a backfill) are passed on without one.
    """

    STATE_KEY = "digests"

    def __init__(self, state: MutableMapping[str, Any], enabled: bool, remember_from: date | None = None) -> None:
        self.state = state
        self.enabled = enabled
        # a day before this that has no digests yet is read by no later run (a backfill's old days):
        # its rows need none, which spares a digest per backfilled row
        self.remember_from = remember_from.isoformat() if remember_from else ""
        packed = state.get(self.STATE_KEY) or {}
        self.by_day: dict[str, DigestIndex] = {day: DigestIndex.unpack(p) for day, p in packed.items()}
        self.unchanged = 0

    def fresh(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows that are new or changed since they were loaded (all rows when disabled)."""
        rows = list(rows)
        if not self.enabled:
            return rows
        out = []
        for row in rows:
            key, day = row.get("id"), row.get(settings.ATTENDANCE_CURSOR)
            if key is None:  # the record guard quarantines it, or fails the run under bad_records = fail
                out.append(row)
                continue
            if day is None:
                raise ProviderDataError(settings.PROVIDER, f"an attendance record has no 'date': {sorted(row)}",
                                        resource="attendance")
            known = self.by_day.get(str(day))
            if known is None:
                if str(day) < self.remember_from:
                    out.append(row)
                    continue
                known = self.by_day[str(day)] = DigestIndex()
            digest = content_digest(row)
            if known.get(key) == digest:
                self.unchanged += 1
                continue
            known[key] = digest
            out.append(row)
        return out

    def prune(self, keep_from: date) -> None:
        """Forgets the digests of days before `keep_from`: no later run reads them again.

        Called after each finished window, so a backfill holds the digests of one window's old days
        at a time instead of the whole backfill's (``save`` would drop them at the end anyway).
        """
        if not self.enabled:
            return
        first = keep_from.isoformat()
        for day in [d for d in self.by_day if d < first]:
            del self.by_day[day]

    def save(self, keep_from: date | None) -> None:
        """Writes the digests of the days from `keep_from` on to the state; older days are final."""
        if not self.enabled:
            self.state.pop(self.STATE_KEY, None)
            return
        first = keep_from.isoformat() if keep_from else ""
        self.by_day = {day: known for day, known in self.by_day.items() if day >= first}
        self.state[self.STATE_KEY] = {day: pack_digests(known) for day, known in sorted(self.by_day.items())}
