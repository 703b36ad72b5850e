"""Attendance windows across the chunks of one run: a commit after every finished window, one run's counts.

Inside the run path's chunk loop (``sources/_shared/checkpoint.py``) the attendance resource stops
after every *final* window (one older than the look-back, so the cursor moved past it for good, in
the first sync and in a backfill) while more windows are left, and the run path commits the rows
with the cursor and loaded range: a kill costs at most the window being read. Windows of the
look-back are read again by every run anyway and are no safe point, unless a stop was asked from
outside (SIGTERM, a time budget): then the resource stops after the window in hand, and the next run
starts at the cursor.

:class:`WindowRun` keeps what the chunks of one run share: the plan's first day and size (for the
run's note and progress), the windows read so far, and whether the forward plan is done (a later
chunk that only backfills does not read the look-back again). Outside the chunk loop it changes
nothing: the resource reads every window in one load.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sources._shared.checkpoint import Checkpoints
from sources._shared.progress import RunProgress
from sources.cutehr import settings

RESOURCE = "attendance"


class WindowRun:
    """One run's attendance windows, over the run's progress (shared by its chunks).

    Args:
        progress: The run's progress (``sources/_shared/progress.py``).
        clock: The run's checkpoint clock.
        first: The first day of this chunk's forward plan.
        planned: Windows in this chunk's forward plan.
        backfill: Windows in this chunk's backfill plan.
    """

    def __init__(self, progress: RunProgress, clock: Checkpoints, first: date, planned: int, backfill: int) -> None:
        self.progress = progress
        self.clock = clock
        self.facts: dict[str, Any] = progress.extra(settings.PROVIDER, RESOURCE)
        self.facts.setdefault("first", first)
        self.facts.setdefault("planned", planned)
        self.facts.setdefault("read", 0)
        self.facts.setdefault("backfill_planned", backfill)
        self.facts.setdefault("backfilled", 0)
        self.facts.setdefault("forward_done", False)
        self.position: str | None = None

    @property
    def forward_done(self) -> bool:
        """The forward plan ended in an earlier chunk of this run."""
        return bool(self.facts["forward_done"])

    @property
    def first(self) -> date:
        """The first day of this run's forward plan."""
        day: date = self.facts["first"]
        return day

    def read(self, backfill: bool = False) -> None:
        """One window finished."""
        self.facts["backfilled" if backfill else "read"] += 1
        done = self.facts["read"] + self.facts["backfilled"]
        self.progress.report(settings.PROVIDER, RESOURCE, done=done,
                             total=self.facts["planned"] + self.facts["backfill_planned"], unit="windows")

    def forward_ended(self) -> None:
        """The forward plan is read: later chunks of this run only backfill."""
        self.facts["forward_done"] = True

    def stop_after(self, date_from: date, date_to: date, final: bool, more: bool) -> bool:
        """After a finished window: True when the resource stops here for a commit (the next chunk goes on).

        Args:
            date_from: The window's first day.
            date_to: The window's last day.
            final: No later run reads the window again (the cursor moved past it, or a backfill window).
            more: Windows are left in this chunk's plans.
        """
        if not self.clock.enabled or not more or (not final and self.clock.stop_reason is None):
            return False
        self.position = f"after window {date_from}..{date_to}"
        return True

    def counts(self) -> tuple[int, int, int, int]:
        """(windows read, planned, backfilled, backfill planned) in this run so far."""
        f = self.facts
        return f["read"], f["planned"], f["backfilled"], f["backfill_planned"]

    def finish(self) -> None:
        """The resource ended this run (no checkpoint stop): later chunks leave it alone; else says where it stopped."""
        if self.position is None:
            self.progress.finish(settings.PROVIDER, RESOURCE)
        else:
            self.clock.stop_here(RESOURCE, self.position)
