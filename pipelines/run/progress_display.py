"""Progress a person can wait on: per resource, counts, rate and ETA while a run extracts.

The sources report how far each resource got into the run's
:class:`~sources._shared.progress.RunProgress` (ByteHR walks against the vendor's ``total``, CuteHR
lists against its ``count`` and attendance in date windows, HollyHR the records read and the
per-person requests they queue, at most at the route's documented rate). The run path
(:mod:`pipelines.run.runner`) shows it with :func:`progress_shown` around its checkpoint chunk loop:
one daemon thread per run reads snapshots until the run ends, so the counts carry across the chunks
of one run.

- ``log``: every ``hr_elt.progress.every_seconds`` (default 10), one INFO line per resource still
  reading on the vendor's logger ``sources.<vendor>``, e.g.
  ``bytehr: employees 4,200/10,000 records (42%), 35 rec/s, ETA 2m46s``; a resource that finished
  gets one ``done`` line, and a run that showed any line shows one more look when it ends (a run
  shorter than one interval shows none). dlt's own log collector keeps its lines.
- ``tqdm``: the counts and totals fed to dlt's tqdm collector (:mod:`pipelines.run.progress_collector`),
  so tqdm draws a bar per resource with its own rate and ETA.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from dlt.common.runtime.collector import TqdmCollector
from dlt.common.runtime.collector_base import Collector

from pipelines.run.number_settings import number_setting
from pipelines.run.progress_collector import FedCollector
from pipelines.run.progress_eta import estimate, progress_line
from sources._shared.context import RunContext
from sources._shared.progress import ResourceProgress, progress_of

SETTINGS = ("progress.every_seconds",)
"""The ``hr_elt.*`` keys of this module (:mod:`pipelines.run.config_check` knows them)."""

DEFAULT_EVERY_SECONDS = 10.0
TQDM_EVERY_SECONDS = 1.0  # tqdm redraws its bars itself; it only needs fresh counts


def every_seconds() -> float:
    """``hr_elt.progress.every_seconds``: seconds between progress lines, checked before any request.

    Raises:
        ProviderConfigError: a value that is not a number above 0 (or is infinite).
    """
    return number_setting("progress.every_seconds", DEFAULT_EVERY_SECONDS, float, finite=True)


def collector_for(progress: str | None) -> str | Collector | None:
    """What ``dlt.pipeline(progress=...)`` gets for the ``--progress`` choice: tqdm's collector made feedable."""
    if progress == "tqdm":
        return FedCollector(TqdmCollector())
    return progress


class ProgressDisplay:
    """Reads a run's progress and shows it; :meth:`tick` is one look (the thread calls it every interval).

    Args:
        context: The run's context (its :class:`~sources._shared.progress.RunProgress`).
        resources: The resources the run selected (others are not shown).
        collector: The pipeline's collector: fed when it is a :class:`FedCollector`, else lines are logged.
        clock: Seconds, monotonic (a test may pass its own).
    """

    def __init__(self, context: RunContext, resources: Iterable[str], collector: Collector | None = None,
                 clock: Any = time.monotonic) -> None:
        self._progress = progress_of(context)
        self._resources = set(resources)
        self._collector = collector if isinstance(collector, FedCollector) else None
        self._clock = clock
        self._first: dict[str, tuple[float, int]] = {}
        self._said_done: set[str] = set()
        self.ticks = 0

    def tick(self) -> None:
        """Shows every selected resource's progress once."""
        now = self._clock()
        self.ticks += 1
        for key, entry in sorted(self._progress.snapshot().items()):
            provider, _, resource = key.partition("/")
            if resource not in self._resources or key in self._said_done:
                continue
            first_at, first_done = self._first.setdefault(key, (now, entry.done))
            guess = estimate(entry.done, entry.total, first_done, now - first_at, entry.max_rate)
            if _is_done(entry, guess.remaining):
                self._said_done.add(key)  # shown once more, then left alone (later chunks, later steps)
            if self._collector is not None:
                self._collector.feed(key, entry.done, entry.total)
            else:
                logging.getLogger(f"sources.{provider}").info("%s", progress_line(provider, resource, entry, guess))


def _is_done(entry: ResourceProgress, remaining: int | None) -> bool:
    return entry.finished or (remaining == 0 and not entry.open_total)


@contextmanager
def progress_shown(mode: str | None, context: RunContext, resources: Iterable[str], collector: Collector,
                   interval: float) -> Iterator[None]:
    """Shows the run's progress from a daemon thread for as long as the block runs (``log`` or ``tqdm``; else nothing).

    Args:
        mode: The ``--progress`` choice.
        context: The run's context.
        resources: The resources the run selected.
        collector: The pipeline's collector.
        interval: Seconds between looks in ``log`` mode (:func:`every_seconds`).
    """
    if mode not in ("log", "tqdm"):
        yield
        return
    display = ProgressDisplay(context, resources, collector if mode == "tqdm" else None)
    every = min(interval, TQDM_EVERY_SECONDS) if mode == "tqdm" else interval
    stop = threading.Event()

    def show() -> None:
        while not stop.wait(every):
            try:
                display.tick()
            except Exception:  # a display must never fail the run it shows
                logging.getLogger("pipelines.run.progress").exception("progress display failed; it stops")
                return

    thread = threading.Thread(target=show, name="hr-elt-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        if display.ticks and not thread.is_alive():  # a run long enough to show progress: how each resource ended
            display.tick()
