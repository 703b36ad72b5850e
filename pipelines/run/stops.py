"""Stops asked from outside a run (SIGTERM, a time budget), delivered to the runs of this process.

A signal belongs to the process, not to one run: the console script's SIGTERM handler
(:mod:`pipelines.cli.signals`) calls :func:`request_stop`, and every run in progress (registered by
the run path with :func:`stoppable`) stops at its next checkpoint. A run that starts after the
request stops at its first one. Kept free of heavy imports: the console script imports it before dlt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

TERMINATED = "SIGTERM"
"""The reason of a stop asked by SIGTERM (the run ends ``interrupted``, exit 143)."""

_lock = threading.RLock()
_stoppers: list[Callable[[str], None]] = []
_asked: list[str] = []  # the reason of the first request, once one came


def request_stop(reason: str) -> None:
    """Asks every run of this process to stop at its next checkpoint (a signal handler hands it to a thread)."""
    with _lock:
        if not _asked:
            _asked.append(reason)
        stoppers = list(_stoppers)
    for stop in stoppers:
        stop(reason)


def stop_requested() -> str | None:
    """The reason a stop was asked for this process, or None."""
    with _lock:
        return _asked[0] if _asked else None


@contextmanager
def stoppable(stop: Callable[[str], None]) -> Iterator[None]:
    """Registers a run's stop callback for the block; a stop asked before it is delivered at once."""
    with _lock:
        _stoppers.append(stop)
        asked = _asked[0] if _asked else None
    if asked is not None:
        stop(asked)
    try:
        yield
    finally:
        with _lock:
            _stoppers.remove(stop)
