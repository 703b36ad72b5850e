"""ByteHR's walks take turns in ``walk_priority`` order: one walk sends requests at a time.

dlt extracts a source's resources round-robin by default (one page of each in turn), so a quota too
short for every walk of a run would be spent page by page on all of them, whatever ``walk_priority``
says. Here a walk that comes later in ``walk_priority`` starts only once every earlier walk of the
same extraction has ended (complete, stopped by the quota or at a checkpoint, or skipped): the
quota is spent on the first walks first in every ``quota_mode``, and a first walk learns its page
count from its first page before any later walk sends a request.

dlt visits every resource once, in the source's order (which is ``walk_priority``'s), before it
visits any of them a second time (round-robin and fifo alike), so each walk has announced itself
(:meth:`WalkTurns.enter`) before a later one asks whether it may go. A walk waiting for its turn
yields :data:`~sources._shared.dlt_compat.NOT_READY`: dlt takes an item from the next resource
instead and comes back. In dlt's ``fifo`` mode the walks already run one after another and never
wait. A walk only ever waits for walks that have entered and not yet left, so a walk that is not
selected, or ends at once, holds up nobody.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from sources._shared.dlt_compat import NOT_READY


class WalkTurns:
    """Which walks of one extraction are under way, and whose turn it is.

    Args:
        priority: The walks in ``walk_priority`` order.
    """

    def __init__(self, priority: Sequence[str]) -> None:
        self.rank = {name: index for index, name in enumerate(priority)}
        self.under_way: set[str] = set()
        self._lock = threading.Lock()

    def enter(self, walk: str) -> None:
        """`walk` is under way (waiting or walking) until it :meth:`leave`s."""
        with self._lock:
            self.under_way.add(walk)

    def leave(self, walk: str) -> None:
        """`walk` ended: the walks after it may go."""
        with self._lock:
            self.under_way.discard(walk)

    def ahead_of(self, walk: str) -> list[str]:
        """The walks under way that come before `walk` in ``walk_priority``."""
        mine = self.rank.get(walk, len(self.rank))
        with self._lock:
            return sorted((w for w in self.under_way if self.rank.get(w, len(self.rank)) < mine),
                          key=lambda w: self.rank.get(w, len(self.rank)))

    def wait(self, walk: str) -> Iterator[None]:
        """Yields :data:`NOT_READY` until no walk before `walk` is under way (yields nothing when none is)."""
        while self.ahead_of(walk):
            yield NOT_READY
