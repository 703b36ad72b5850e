"""The days of attendance loaded so far, and the backfill a moved ``attendance_start_date`` asks for.

The incremental cursor says where the next run starts reading forward; it cannot say how far back
the warehouse goes. :class:`LoadedRange` keeps that in the resource's dlt state next to the cursor
(``loaded_range: {first, last}``), committed with the rows like the cursor. When the configured
start date lies before ``first``, the run reads the missing days in the same date windows as
always, newest window first, and moves ``first`` down after each finished window: the loaded range
stays one unbroken span of days, so a run that stops anywhere in the backfill (an API failure, a
kill) leaves a state from which the next run reads exactly the days still missing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sources.cutehr import settings
from sources.cutehr.windows import parse_day, windows

logger = logging.getLogger("sources.cutehr")

Window = tuple[date, date]


@dataclass
class LoadedRange:
    """The span of days whose attendance is in the warehouse, ``first``..``last`` (both inclusive).

    Attributes:
        first: The earliest day loaded; None before any window finished.
        last: The latest day loaded; None when not known (state written before the range was kept).
        recorded: False when the range was inferred from the cursor, not read from the state.
    """

    first: date | None
    last: date | None
    recorded: bool = True

    STATE_KEY = "loaded_range"

    @classmethod
    def from_state(cls, state: MutableMapping[str, Any], cursor_state: Mapping[str, Any]) -> LoadedRange:
        """The range in the resource's state or, for a state written before it was kept, what the cursor proves.

        Every day from the incremental's ``initial_value`` (the start date of the first run) up to the
        cursor was read: the cursor only moves past finished windows. Without an ``initial_value`` only
        the cursor is known, and the range claims no day before it (a backfill then reads those days
        again; merged on ``id``, they do not duplicate).

        Args:
            state: The attendance resource's dlt state.
            cursor_state: The incremental's state for the ``date`` cursor (empty on a first run).
        """
        kept = state.get(cls.STATE_KEY)
        if kept:
            return cls(parse_day("attendance_start_date", kept.get("first")),
                       parse_day("attendance_start_date", kept.get("last")))
        cursor = parse_day("attendance_start_date", cursor_state.get("last_value"))
        if cursor is None:
            return cls(None, None)
        initial = parse_day("attendance_start_date", cursor_state.get("initial_value"))
        first = initial if initial is not None and initial <= cursor else cursor
        return cls(first, cursor - timedelta(days=1) if first < cursor else None, recorded=False)

    def add(self, date_from: date, date_to: date) -> None:
        """Takes in a finished window that touches or extends the range."""
        self.first = date_from if self.first is None else min(self.first, date_from)
        self.last = date_to if self.last is None else max(self.last, date_to)

    def save(self, state: MutableMapping[str, Any]) -> None:
        """Writes the range to the resource's state (nothing before a window finished)."""
        if self.first is not None:
            state[self.STATE_KEY] = {"first": self.first.isoformat(),
                                     "last": self.last.isoformat() if self.last else None}

    def __str__(self) -> str:
        if self.first is None:
            return "(none)"
        if not self.recorded:
            return f"{self.first}..{self.last or self.first} (inferred from the cursor)"
        return f"{self.first}..{self.last or '?'}"


def backfill_windows(start: date | None, loaded: LoadedRange, window_days: int) -> list[Window]:
    """The windows over ``start``..the day before the loaded range, newest first; none when nothing is missing."""
    if start is None or loaded.first is None or start >= loaded.first:
        return []
    return list(reversed(windows(start, loaded.first - timedelta(days=1), window_days)))


def announce(start: date | None, loaded: LoadedRange, plan: list[Window]) -> str | None:
    """The line saying what a moved start date makes this run read (or not delete); None when it did not move.

    Also logged at INFO on ``sources.cutehr``.
    """
    if start is None or loaded.first is None or start == loaded.first:
        return None
    if plan:
        text = (f"attendance: attendance_start_date moved to {start}, before the loaded range {loaded}: "
                f"backfilling {plan[-1][0]}..{plan[0][1]} in {len(plan)} window(s), newest first")
    else:
        text = (f"attendance: attendance_start_date moved to {start}, after the first loaded day {loaded.first}: "
                f"rows before {start} stay loaded (nothing is deleted; "
                f"`hr-elt run {settings.PROVIDER} --full-refresh --resources attendance` reloads from {start})")
    logger.info("%s", text)
    return text
