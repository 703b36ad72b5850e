"""dlt's progress collector, made safe to feed from the progress display's thread.

dlt drives its collector from the thread that runs the pipeline: ``with collector(step)`` around each
step (extract, normalize, load; once per checkpoint chunk) and ``update(name, inc, total=...)`` as it
counts. tqdm's collector keeps its bars in a dict it clears and iterates at the step's end, so a
second thread calling ``update`` could race it. :class:`FedCollector` wraps dlt's collector
(``dlt.progress.tqdm()``), serializes every call with one lock, and adds :meth:`FedCollector.feed`:
a resource's absolute progress turned into dlt's increments (``update(name, inc, total=...)``, then
``inc_total`` when the total grows), so tqdm shows its own bar, rate and ETA per resource, beside
dlt's own, in each extract step (normalize and load show dlt's counters alone). A step's bars are
new, so each step is fed from what that step has shown so far.
"""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import Any

from dlt.common.runtime.collector_base import Collector


class FedCollector(Collector):
    """A dlt collector that a display thread may feed; dlt uses it as its own (``dlt.pipeline(progress=...)``).

    Args:
        inner: The collector that shows it, e.g. ``dlt.progress.tqdm()``.
    """

    def __init__(self, inner: Collector) -> None:
        self.inner = inner
        self.step = ""
        self._lock = threading.Lock()
        self._active = False
        self._shown: dict[str, tuple[int, int | None]] = {}

    def update(self, name: str, inc: int = 1, total: int | None = None, inc_total: int | None = None,
               message: str | None = None, label: str = "") -> None:
        """Dlt's counters, passed on."""
        with self._lock:
            self.inner.update(name, inc, total, inc_total, message, label)  # type: ignore[arg-type]

    def feed(self, name: str, done: int, total: int | None) -> None:
        """Shows that `name` has `done` of `total` units (absolute), during dlt's extract steps only."""
        with self._lock:
            if not self._active or not self.inner.step.startswith("Extract"):
                return
            before = self._shown.get(name)
            if before is None:
                self.inner.update(name, inc=done, total=total)  # type: ignore[arg-type]
                self._shown[name] = (done, total)
                return
            shown_done, shown_total = before
            grew = total - shown_total if total is not None and shown_total is not None else 0
            if done == shown_done and not grew:
                return
            self.inner.update(name, inc=done - shown_done, inc_total=grew or None)  # type: ignore[arg-type]
            self._shown[name] = (done, shown_total + grew if shown_total is not None else None)

    def _start(self, step: str) -> None:
        with self._lock:
            self.inner.step = step
            self.inner._start(step)
            self._shown = {}
            self._active = True

    def _stop(self) -> None:
        with self._lock:
            self._active = False
            self.inner._stop()

    def __deepcopy__(self, memo: dict[int, Any]) -> FedCollector:
        # dlt copies a pipeline's collector when it renames the pipeline; a lock cannot be copied
        return FedCollector(deepcopy(self.inner, memo))
