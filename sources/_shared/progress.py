"""How far a run's resources got, across the chunks of one run: totals for progress, and what is done.

The run path runs a long extraction as several ``pipeline.run`` calls ("chunks") over fresh source
instances that share the run's :class:`~sources._shared.context.RunContext`
(``sources/_shared/checkpoint.py``). A resource that ended in an earlier chunk must not start
over in a later one (a ByteHR walk costs quota, a CuteHR list a full read): it marks itself
:meth:`RunProgress.finish` when its generator ends without stopping at a checkpoint, and a later
chunk of the same run asks :func:`finished_earlier`.

The same object carries what a person waiting on the run wants to see: per resource the vendor's
own total where it gives one (ByteHR ``pagination.total``, CuteHR ``count``) or the resource's own
unit (CuteHR attendance: date windows), and how much of it is done. Where the vendor gives no total
(HollyHR), a resource says what it knows: a total that counts only what is known so far
(``open_total``: the per-person requests queued for the people read so far) and the most units a
second the vendor's documented rate limit allows (``max_rate``), so an ETA is never faster than the
vendor lets the run go. The run path reads :meth:`RunProgress.snapshot` for its progress line and ETA
(``pipelines/run/progress_display.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sources._shared.checkpoint import checkpoints_of
from sources._shared.context import RunContext

_PART = "progress"


@dataclass(frozen=True)
class ResourceProgress:
    """One resource's progress in this run.

    Attributes:
        done: Units read so far (a walk's records seen, including those of earlier runs of a resumed walk).
        total: Units the vendor says there are (None: not known yet).
        unit: What is counted: ``records``, ``windows``.
        finished: The resource ended in this run (not at a checkpoint).
        max_rate: The most units a second the vendor's documented rate limit allows (None: not said).
        open_total: `total` counts only what is known so far; the vendor gives no total for the rest.
        extra: Run-scoped facts a resource keeps between its chunks (e.g. the first day of this run's plan).
    """

    done: int = 0
    total: int | None = None
    unit: str = "records"
    finished: bool = False
    max_rate: float | None = None
    open_total: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class RunProgress:
    """The progress of one run's resources, keyed ``provider/resource``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[str, ResourceProgress] = {}

    def report(self, provider: str, resource: str, *, done: int | None = None, total: int | None = None,
               unit: str | None = None, max_rate: float | None = None, open_total: bool | None = None) -> None:
        """Sets how far `resource` got (absolute values; None leaves a value as it was)."""
        key = f"{provider}/{resource}"
        with self._lock:
            now = self._by.get(key, ResourceProgress())
            self._by[key] = replace(now, done=now.done if done is None else done,
                                    total=now.total if total is None else total, unit=unit or now.unit,
                                    max_rate=now.max_rate if max_rate is None else max_rate,
                                    open_total=now.open_total if open_total is None else open_total)

    def add(self, provider: str, resource: str, *, done: int = 0, total: int = 0) -> None:
        """Adds to how far `resource` got (for resources read in several threads at once); a total starts at 0."""
        key = f"{provider}/{resource}"
        with self._lock:
            now = self._by.get(key, ResourceProgress())
            self._by[key] = replace(now, done=now.done + done,
                                    total=(now.total or 0) + total if total or now.total is not None else None)

    def finish(self, provider: str, resource: str) -> None:
        """The resource ended in this run: a later chunk of the run leaves it alone."""
        key = f"{provider}/{resource}"
        with self._lock:
            self._by[key] = replace(self._by.get(key, ResourceProgress()), finished=True)

    def finished(self, provider: str, resource: str) -> bool:
        """Whether the resource ended in an earlier chunk of this run."""
        with self._lock:
            entry = self._by.get(f"{provider}/{resource}")
            return entry is not None and entry.finished

    def extra(self, provider: str, resource: str) -> dict[str, Any]:
        """The resource's run-scoped facts (a live dict: what a chunk writes, the next chunk reads)."""
        key = f"{provider}/{resource}"
        with self._lock:
            entry = self._by.setdefault(key, ResourceProgress())
            return entry.extra

    def snapshot(self) -> dict[str, ResourceProgress]:
        """Every resource's progress, ``provider/resource -> ResourceProgress``."""
        with self._lock:
            return {key: replace(entry, extra=dict(entry.extra)) for key, entry in self._by.items()}


def progress_of(context: RunContext) -> RunProgress:
    """The run's progress (one per run context)."""
    return context.part(_PART, RunProgress)


def finished_earlier(context: RunContext, provider: str, resource: str) -> bool:
    """True in a later chunk of a checkpointed run for a resource that already ended in it.

    Outside the run path's chunk loop (checkpoints off) a run is one chunk: always False.
    """
    return checkpoints_of(context).enabled and progress_of(context).finished(provider, resource)
